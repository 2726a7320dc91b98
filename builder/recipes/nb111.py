"""NB111 on the real EC-NAS-Bench runs in the NAS-Bench-101 space (4-epoch budget): ``nb111-ec4``.

The source (``--source`` the ``results_4V9E_5V9E.tar.gz`` or its extracted folder) holds two
generation runs, read by :mod:`nbx11_data.builder.sources.nb101_results`:

- ``5V9E``: every NB101 graph with at most 5 vertices (2,532), one run each, evaluated at
  epochs 0, 2 and 4;
- ``4V9E``: the 91 graphs with at most 4 vertices, 3 repeats each, evaluated at epochs 0, 1, 4.

**Epoch axis: [2, 4]** (the half-budget and final evaluations every architecture has). Epoch 0
is the untrained network (chance level, ~10% accuracy for every graph) and is left out; epoch
1 exists only for the 4V9E repeats. The curves are the 5V9E runs; graphs come from their NB101
hash through the space's enumeration (``nb101.hash_table(5)``). The noise models are fitted to
the seed spread of the 4V9E repeats: per run, its deviation from its graph's mean at epochs
(1, 4), standing in for (2, 4) since no repeat was evaluated at epoch 2.

**Coverage: graphs of at most 5 vertices only** (2,532 of NB101's 423,624); predictions for
6- and 7-vertex graphs are extrapolations the data cannot check.

Example:
    >>> from nbx11_data.builder.recipes import get
    >>> get("nb111-ec4").epochs
    [2, 4]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nbx11_data.builder import metrics as fidelity
from nbx11_data.builder.fit import DEFAULT_LGB, FitConfig, fit_curve_model
from nbx11_data.builder.noise_fit import seed_deviations
from nbx11_data.builder.recipes import Recipe, TrainingData
from nbx11_data.builder.sources import nb101_results
from nbx11_data.errors import CorruptFileError
from nbx11_data.io import sha256_file
from nbx11_data.spaces import nb101

EPOCHS = [2, 4]
NOISE_EPOCHS = (1.0, 4.0)  # what the repeats have; read as EPOCHS
MAX_VERTICES = 5
CV_FOLDS = 5
METRICS = {
    "val_accuracy": {"description": "validation accuracy on CIFAR-10", "unit": "percent", "direction": "max",
                     "from": "validation_accuracy"},
    "train_accuracy": {"description": "training accuracy", "unit": "percent", "direction": "max",
                       "from": "train_accuracy"},
    "test_accuracy": {"description": "test accuracy on CIFAR-10", "unit": "percent", "direction": "max",
                      "from": "test_accuracy"},
    "train_time": {"description": "cumulative training time", "unit": "s", "direction": "min",
                   "from": "training_time"},
}
_SCALE = {"val_accuracy": 100.0, "train_accuracy": 100.0, "test_accuracy": 100.0, "train_time": 1.0}
CITATION = ("Bakhtiarifard et al., EC-NAS: Energy Consumption Aware Tabular Benchmarks for Neural Architecture "
            "Search, ICASSP 2024; Ying et al., NAS-Bench-101, ICML 2019")
NOISE_SOURCE = ("seed spread of the 4V9E repeats (91 graphs x 3 runs), their epoch-1 and epoch-4 deviations "
                "standing in for epochs 2 and 4")
CONFIG = FitConfig(members=3, max_components=2, num_boost_round=1000, early_stopping_rounds=50,
                   lgb_params={**DEFAULT_LGB, "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10})


def _curve(run, metric: str, epochs) -> list[float]:
    index = [run.epochs.index(float(e)) for e in epochs]
    values = run.values[METRICS[metric]["from"]]
    return [values[i] * _SCALE[metric] for i in index]


def prepare(source) -> TrainingData:
    """Curves at epochs [2, 4] of every graph; noise spread from the repeats."""
    source = Path(source)
    runs = nb101_results.load(source)
    graphs = nb101.hash_table(MAX_VERTICES)
    excluded, curve_runs, noise_groups = [], [], {}
    for run in runs:
        if run.module_hash not in graphs:
            excluded.append({"name": "/".join(map(str, run.key)),
                             "reason": f"hash of no NB101 graph with at most {MAX_VERTICES} vertices"})
        elif all(float(e) in run.epochs for e in EPOCHS):
            curve_runs.append(run)
        elif all(e in run.epochs for e in NOISE_EPOCHS):
            noise_groups.setdefault(run.module_hash, []).append(run)
        else:
            excluded.append({"name": "/".join(map(str, run.key)), "reason": f"evaluated at epochs {run.epochs}"})
    if not curve_runs:
        raise CorruptFileError(f"{source}: no run evaluated at epochs {EPOCHS}")
    curves = {m: np.array([_curve(r, m, EPOCHS) for r in curve_runs]) for m in METRICS}
    groups = [g for g in noise_groups.values() if len(g) >= 2]
    spread = {m: seed_deviations([np.array([_curve(r, m, NOISE_EPOCHS) for r in g]) for g in groups])
              for m in METRICS}
    if not groups:
        raise CorruptFileError(f"{source}: no graph with repeated runs at epochs {NOISE_EPOCHS} for the noise model")
    file_hash = sha256_file(source) if source.is_file() else "n/a (a folder)"
    provenance = {"source": "ecnas-nb101 (EC-NAS-Bench, NAS-Bench-101 space, 4-epoch budget)", "file": source.name,
                  "sha256": file_hash, "license": "MIT (EC-NAS-Bench), Apache-2.0 (NAS-Bench-101 parts)",
                  "origin": "GitHub PedramBakh/EC-NAS-Bench, ecnas/vendors/ec_nasbench/nasbench/data/ (commit 1a82fdd)",
                  "citation": CITATION, "runs_read": len(runs), "max_vertices": MAX_VERTICES,
                  "noise_runs": int(sum(len(g) for g in groups)), "noise_graphs": len(groups)}
    notes = [
        f"covers NB101 graphs of at most {MAX_VERTICES} vertices only ({len(graphs)} of {nb101.SIZE}); a table of all "
        f"{nb101.SIZE} graphs built from this checkpoint extrapolates to 6- and 7-vertex graphs, which no training "
        "run had",
        "epoch axis [2, 4]: epoch 0 (untrained, chance level) left out; the 5V9E runs give the curves",
        f"noise: {NOISE_SOURCE}; these {sum(len(g) for g in groups)} runs are used for the noise model only",
        "test-split KL divergence is n/a (the curve runs have one seed per graph)",
    ]
    archs = [nb101.format(graphs[r.module_hash]) for r in curve_runs]
    return TrainingData(archs, curves, excluded, provenance, notes, spread, NOISE_SOURCE)


def cross_validated(ensemble, source, train_ids, folds: int = CV_FOLDS, seed: int = 0, config=CONFIG) -> dict:
    """``folds``-fold cross-validated fidelity over all graphs (noiseless mean; each fold's rest split 8:1
    into train and early-stopping validation)."""
    data = prepare(source)
    ids = [nb101.arch_id(a) for a in data.archs]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    X = nb101.encode([data.archs[i] for i in order]).astype(np.float64)
    assignment = np.random.Generator(np.random.PCG64(seed)).permutation(len(order)) % folds
    out = {}
    for metric in ensemble.metrics:
        Y = data.curves[metric][order]
        predicted = np.empty_like(Y)
        for fold in range(folds):
            rest = np.flatnonzero(assignment != fold)
            val = rest[:: 9]
            train = np.setdiff1d(rest, val)
            fitted = fit_curve_model(X[train], Y[train], X[val], Y[val], config)
            predicted[assignment == fold] = _predict(fitted, X[assignment == fold])
        out[metric] = fidelity.curve_fidelity(Y, predicted)
    out["about"] = (f"{folds}-fold cross-validation over all {len(order)} graphs (folds from numpy "
                    f"Generator(PCG64({seed})); the same fit settings, noiseless mean). Graphs of at most "
                    f"{MAX_VERTICES} vertices only.")
    return out


def _predict(fitted, X) -> np.ndarray:
    from nbx11_data.surrogate._lightgbm import lightgbm
    from nbx11_data.surrogate.model import CurveModel

    lgb = lightgbm()
    model = CurveModel([[lgb.Booster(model_str=t) for t in member] for member in fitted.models], fitted.mean,
                       fitted.basis, fitted.scaler_mean, fitted.scaler_std, None, None)
    return model.decode(model.components(X))


RECIPES = [
    Recipe(name="nb111-ec4", version=1, space="nb101", dataset="cifar10", metrics=METRICS, epochs=EPOCHS,
           prepare=prepare, config=CONFIG, heldout_check=cross_validated,
           description="NB111 on the real EC-NAS-Bench NB101-space runs (4-epoch budget, graphs of <= 5 vertices)",
           x11_reference={"benchmark": "NB111", "avg_kendall_tau": 0.531, "final_kendall_tau": 0.645},
           data_differences="x11's NB111 was fitted to NAS-Bench-101's 108-epoch runs (evaluated at 4, 12, 36, "
                            "108 epochs; all 423,624 graphs); this one to EC-NAS's 4-epoch runs of the 2,532 graphs "
                            "with at most 5 vertices, with the curve at epochs 2 and 4, so its task is much smaller "
                            "and its figures do not transfer to 6- and 7-vertex graphs"),
]
