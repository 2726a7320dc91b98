"""NAS-Bench-x11 / NASLib ``nb201_<dataset>_full_training.pickle``: full 200-epoch curves per architecture.

Layout (as read by NASLib's ``NasBench201SearchSpace.query`` and x11's
``encode``): ``{arch_str: {dataset: {'train_acc1es': [200], 'train_losses': [200],
'eval_acc1es': [200], 'eval_losses': [200], 'train_times': [...], 'eval_times': [...],
'cost_info': {...}, 'flop', 'params', 'latency', 'epochs'}}}`` with dataset one of
``cifar10-valid``, ``cifar100``, ``ImageNet16-120``. ``eval_*`` are the
validation split. The files do not say which seed each curve is (NASLib
notes they may not be seed means), so runs carry ``seed=None``.

Example:
    >>> runs = list(iter_file("nb201_cifar10_full_training.pickle"))  # doctest: +SKIP
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Iterator

import numpy as np

from nbx11_data.builder.sources import Run
from nbx11_data.builder.sources.trust import check
from nbx11_data.errors import CorruptFileError
from nbx11_data.spaces import nb201

FILES = {"cifar10-valid": "nb201_cifar10_full_training.pickle",
         "cifar100": "nb201_cifar100_full_training.pickle",
         "ImageNet16-120": "nb201_ImageNet16_full_training.pickle"}
_CURVES = {"train_acc": "train_acc1es", "train_loss": "train_losses",
           "valid_acc": "eval_acc1es", "valid_loss": "eval_losses"}


def iter_file(path: str | Path, trust: bool = False) -> Iterator[Run]:
    """Every (architecture, dataset) curve in one x11 pickle (build time only).

    No hash of these pickles is known, so they are unpickled only with ``trust=True``.
    """
    check(path, "x11-nb201", trust)
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError) as err:
        raise CorruptFileError(f"{path}: not readable ({err})") from None
    for arch_str in sorted(data):
        arch = nb201.format(arch_str)
        for dataset in sorted(data[arch_str]):
            yield _run(arch, dataset, data[arch_str][dataset])


def _run(arch: str, dataset: str, record: dict) -> Run:
    curves = {name: _values(record[key]) for name, key in _CURVES.items() if key in record}
    if "train_times" in record:
        curves["train_time"] = np.cumsum(_values(record["train_times"]))
    budget = int(record.get("epochs", max((len(v) for v in curves.values()), default=0)))
    costs = {}
    for name, key in (("params", "params"), ("flops", "flop"), ("latency", "latency")):
        if key in record:
            value = record[key]
            costs[name] = float(value[0] if isinstance(value, (list, tuple)) else value)
    return Run(arch, dataset, None, budget, curves, costs)


def _values(series) -> np.ndarray:
    """A per-epoch series given as a list, or as a dict keyed by epoch 0..n-1."""
    if isinstance(series, dict):
        series = [series[epoch] for epoch in sorted(series, key=int)]
    return np.asarray(series, dtype=np.float64)
