"""The table reader, installed as ``nbx11_data.readers``: :func:`open` a benchmark, look up curves, run SQL.

Example:
    >>> from nbx11_data.readers import open as open_benchmark
    >>> open_benchmark("nb201").datasets
    ['ImageNet16-120', 'cifar10-valid', 'cifar100']
"""

from nbx11_data.readers.benchmark import Benchmark, open  # noqa: A004 - the public name

__all__ = ["Benchmark", "open"]
