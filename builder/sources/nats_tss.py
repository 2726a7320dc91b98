"""NATS-Bench topology ("tss") "simple" archive: a folder of ``<index:06d>.pickle.pbz2``, one per architecture.

Each file maps the epoch budget (``'12'``, ``'200'``) to ``{arch_index, arch_str,
all_results, dataset_seed}``; ``all_results[(dataset, seed)]`` holds per-epoch
dicts ``train_acc1es``, ``train_losses``, ``train_times`` and ``eval_acc1es`` /
``eval_losses`` keyed ``'<split>@<epoch>'``, plus ``params``, ``flop``,
``latency``. The same code reads the 3-file fixture and the full
15,625-file archive. Pickles are read at build time only, from trusted files.

Metric mapping (epoch e = position e - 1): ``valid_*`` = split ``x-valid``;
``test_*`` = ``x-test`` where the run has it (cifar100, ImageNet16-120), else
``ori-test`` (cifar10-valid: the CIFAR-10 test set); ``train_time`` =
cumulative sum of the per-epoch ``train_times`` (seconds).

Example:
    >>> runs = list(iter_archive("../shared/data/nats-tss-fixture", indices=[11]))
    >>> sorted({run.budget for run in runs})
    [12, 200]
"""

from __future__ import annotations

import bz2
import pickle
import re
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from nbx11_data.builder.sources import Run
from nbx11_data.builder.sources.trust import check
from nbx11_data.errors import CorruptFileError
from nbx11_data.spaces import nb201

_FILE = re.compile(r"^(\d{6})\.pickle\.pbz2$")


def archive_files(folder: str | Path, indices: Iterable[int] | None = None) -> list[Path]:
    """The per-architecture files of the archive (sorted by index), optionally only ``indices``."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if _FILE.match(p.name))
    if indices is not None:
        wanted = set(indices)
        files = [p for p in files if int(_FILE.match(p.name).group(1)) in wanted]
    if not files:
        raise CorruptFileError(f"{folder}: no NATS-Bench '<index>.pickle.pbz2' files found")
    return files


def read_file(path: str | Path, trust: bool = False) -> dict:
    """Unpickle one archive file, once its sha256 is the expected one (or ``trust``; build time only)."""
    check(path, "nats-tss-simple", trust)
    try:
        return pickle.loads(bz2.decompress(Path(path).read_bytes()))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as err:
        raise CorruptFileError(f"{path}: not a readable NATS-Bench archive file ({err})") from None


def iter_archive(folder: str | Path, indices: Iterable[int] | None = None, trust: bool = False) -> Iterator[Run]:
    """Every run of every architecture file in ``folder``, in (index, budget, dataset, seed) order."""
    for path in archive_files(folder, indices):
        content = read_file(path, trust)
        for budget_key in sorted(content, key=int):
            entry = content[budget_key]
            arch = nb201.format(entry["arch_str"])
            if nb201.arch_index(arch) != int(entry["arch_index"]):
                raise CorruptFileError(f"{path}: arch_index {entry['arch_index']} does not match {arch}")
            results = entry["all_results"]
            for dataset, seed in sorted(results, key=lambda k: (k[0], int(k[1]))):
                yield _run(arch, dataset, int(seed), int(budget_key), results[(dataset, seed)])


def _run(arch: str, dataset: str, seed: int, budget: int, result: dict) -> Run:
    epochs = int(result["epochs"])
    splits = set(result["eval_names"])
    test_split = "x-test" if "x-test" in splits else "ori-test"
    curves = {
        "train_acc": _series(result["train_acc1es"], epochs),
        "train_loss": _series(result["train_losses"], epochs),
        "train_time": np.cumsum(_series(result["train_times"], epochs)),
        "valid_acc": _split(result["eval_acc1es"], "x-valid", epochs),
        "valid_loss": _split(result["eval_losses"], "x-valid", epochs),
        "test_acc": _split(result["eval_acc1es"], test_split, epochs),
        "test_loss": _split(result["eval_losses"], test_split, epochs),
    }
    latency = result["latency"]
    costs = {"params": float(result["params"]), "flops": float(result["flop"]),
             "latency": float(latency[0] if isinstance(latency, (list, tuple)) else latency)}
    return Run(arch, dataset, seed, budget, curves, costs)


def _series(values: dict, epochs: int) -> np.ndarray:
    out = np.full(epochs, np.nan)
    for epoch, value in values.items():
        out[int(epoch)] = value
    return out


def _split(values: dict, split: str, epochs: int) -> np.ndarray:
    out = np.full(epochs, np.nan)
    for key, value in values.items():
        name, _, epoch = key.partition("@")
        if name == split:
            out[int(epoch)] = value
    return out
