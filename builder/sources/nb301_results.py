"""NAS-Bench-301's original training data: one ``results_<n>.json`` per run, in per-optimizer folders.

The layout NAS-Bench-x11 trains NB311 on (its ``ConfigLoader``): each file holds
``optimized_hyperparamater_config`` (sic; the NB301 ConfigSpace dict, architecture keys
``NetworkSelectorDatasetInfo:darts:...`` plus training hyperparameters), ``learning_curves``
with ``Train/val_accuracy`` (percent, one value per epoch, up to 98), ``info[0]['val_accuracy']``,
``test_accuracy`` and ``runtime``. Like x11, a curve shorter than 98 epochs is extended with
its last value (and counted). Every ``results_*.json`` below the folder is read, sorted by path.

Example:
    >>> loaded = load("nb_301_v13_lc_iclr_final")  # doctest: +SKIP
    >>> loaded.curves["val_accuracy"].shape  # doctest: +SKIP
    (n_runs, 98)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nbx11_data.errors import CorruptFileError, InvalidArchitectureError
from nbx11_data.spaces import darts

EPOCHS = 98
#: our metric name -> key in ``learning_curves`` (val_accuracy is required, the others kept when every run has them)
CURVES = {"val_accuracy": "Train/val_accuracy", "train_accuracy": "Train/train_accuracy"}


@dataclass
class Loaded:
    """Runs of the folder: canonical genotype strings and per-metric (n_runs, 98) curves."""

    archs: list[str]
    curves: dict[str, np.ndarray]
    excluded: list[dict] = field(default_factory=list)
    padded: int = 0
    files: int = 0


def _pad(values, path: Path, key: str) -> tuple[list[float], bool]:
    if not isinstance(values, list) or not values:
        raise CorruptFileError(f"{path}: learning_curves[{key!r}] must be a non-empty list")
    if len(values) > EPOCHS:
        raise CorruptFileError(f"{path}: learning_curves[{key!r}] has {len(values)} epochs, at most {EPOCHS} allowed")
    return [float(v) for v in values] + [float(values[-1])] * (EPOCHS - len(values)), len(values) < EPOCHS


def load(folder) -> Loaded:
    """Read every ``results_*.json`` below ``folder``; runs whose config is no DARTS cell are excluded."""
    folder = Path(folder)
    paths = sorted(folder.rglob("results_*.json"))
    if not paths:
        raise CorruptFileError(f"{folder}: no results_*.json files (NAS-Bench-301 layout: <optimizer>/results_<n>.json)")
    archs, rows, excluded, padded = [], {m: [] for m in CURVES}, [], 0
    has = {m: True for m in CURVES}
    for path in paths:
        try:
            record = json.loads(path.read_text())
            config = record["optimized_hyperparamater_config"]
            curves = record["learning_curves"]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
            raise CorruptFileError(f"{path}: not an NB301 results file ({type(err).__name__}: {err})") from None
        try:
            arch = darts.format(darts.parse(config, "configspace"))
        except InvalidArchitectureError as err:
            excluded.append({"name": str(path.relative_to(folder)), "reason": f"no DARTS cell: {str(err)[:60]}"})
            continue
        if CURVES["val_accuracy"] not in curves:
            raise CorruptFileError(f"{path}: learning_curves has no {CURVES['val_accuracy']!r}")
        archs.append(arch)
        for metric, key in CURVES.items():
            if key in curves:
                values, short = _pad(curves[key], path, key)
                rows[metric].append(values)
                padded += short and metric == "val_accuracy"
            else:
                has[metric] = False
    out = {m: np.array(v, dtype=np.float64) for m, v in rows.items() if has[m] and len(v) == len(archs)}
    return Loaded(archs, out, excluded, padded, len(paths))
