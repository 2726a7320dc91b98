"""nbx11-data: NAS-Bench-x11 learning curves as Parquet tables.

Example:
    >>> from nbx11_data import spaces
    >>> spaces.get("nb201").arch_index("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") >= 0
    True
"""

from __future__ import annotations

# Lazy top-level names: name -> module that defines it (keeps `import nbx11_data` light).
_LAZY = {"load_ensemble": "nbx11_data.surrogate.ensemble", "open": "nbx11_data.readers.benchmark",
         "download": "nbx11_data.readers.download"}


def __getattr__(name: str):
    if name == "__version__":  # one source: the version in pyproject.toml, as installed
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("nbx11-data")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nbx11_data' has no attribute {name!r}")
