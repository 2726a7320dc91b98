"""Train a recipe into a checkpoint folder with its ``REPORT.md`` and ``metrics.json``.

Steps: prepare the runs; leave out (and count) architectures the space cannot encode; group
runs by ``arch_id`` (one row per architecture: the mean of its runs); split the architectures
80/10/10 (sorted by ``arch_id``, permuted by ``numpy.random.Generator(PCG64(split_seed))``:
first 80% train, next 10% validation, rest test); fit every metric's curve model and noise
models; write the checkpoint; load it back and measure it on the test split.

Example:
    >>> result = train(get("nbnlp11-wt2"), "../shared/data/nbnlp-wt2/logs.zip", "checkpoints")  # doctest: +SKIP
    >>> result["folder"]  # doctest: +SKIP
    'checkpoints/nbnlp11-wt2-v1'
"""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from nbx11_data import spaces
from nbx11_data.builder import metrics as fidelity
from nbx11_data.builder.fit import fit_curve_model
from nbx11_data.builder.noise_fit import fit_noise, seed_deviations
from nbx11_data.builder.recipes import Recipe
from nbx11_data.builder import teacher_copy
from nbx11_data.builder.report import render
from nbx11_data.builder.teacher_copy import TeacherCopyConfig
from nbx11_data.errors import InvalidArchitectureError
from nbx11_data.io import json_text
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.surrogate import load_ensemble
from nbx11_data.surrogate._lightgbm import lightgbm
from nbx11_data.surrogate.ensemble import encode, first_epoch_features
from nbx11_data.surrogate.model import CurveModel
from nbx11_data.surrogate.noise import KINDS

MAX_BYTES = 25 * 1024 * 1024
NOISE_SAMPLES = 100  # noisy curves per multi-seed test architecture for the KL figure


def split(arch_ids: list[str], seed: int) -> dict[str, np.ndarray]:
    """The documented 80/10/10 split of architectures: index arrays into ``sorted(arch_ids)``."""
    order = np.random.Generator(np.random.PCG64(seed)).permutation(len(arch_ids))
    n_train, n_val = int(0.8 * len(arch_ids)), int(0.1 * len(arch_ids))
    return {"train": np.sort(order[:n_train]), "val": np.sort(order[n_train:n_train + n_val]),
            "test": np.sort(order[n_train + n_val:])}


def _group(recipe: Recipe, data, space):
    """Unique encodable architectures (sorted by arch_id), their runs, and what was left out."""
    excluded = list(data.excluded)
    by_id: dict[str, list[int]] = {}
    canonical: dict[str, str] = {}
    for row, arch in enumerate(data.archs):
        by_id.setdefault(space.arch_id(arch), []).append(row)
        canonical.setdefault(space.arch_id(arch), arch)
    encodings, kept = {}, []
    for arch_id in sorted(by_id):
        try:
            encodings[arch_id] = np.asarray(encode(space, [canonical[arch_id]], recipe.encoding), dtype=np.float64)[0]
            kept.append(arch_id)
        except InvalidArchitectureError as err:
            excluded.extend({"name": f"run {r}", "reason": f"not encodable: {str(err).split(':')[0]}"}
                            for r in by_id[arch_id])
    return kept, [by_id[a] for a in kept], [canonical[a] for a in kept], np.stack([encodings[a] for a in kept]), excluded


def train(recipe: Recipe, source, out="checkpoints") -> dict:
    """Train ``recipe`` on ``source``; write ``<out>/<name>-v<version>/``; return its metrics."""
    if isinstance(recipe.config, TeacherCopyConfig):  # a copy of a teacher network, no boosters to fit
        return teacher_copy.train(recipe, source, out)
    started = time.perf_counter()
    space = spaces.get(recipe.space)
    data = recipe.prepare(source)
    prepare_seconds = round(time.perf_counter() - started, 2)
    metric_names = [m for m in recipe.metrics if m in data.curves]
    arch_ids, runs, archs, encoded, excluded = _group(recipe, data, space)
    means = {m: np.stack([data.curves[m][r].mean(axis=0) for r in runs]) for m in metric_names}
    features = encoded
    if recipe.first_epochs:
        first = means[recipe.first_epochs["metric"]][:, : recipe.first_epochs["count"]]
        features = np.hstack([encoded, first_epoch_features(first, recipe.first_epochs)])
    parts = split(arch_ids, recipe.split_seed)
    train_rows, val_rows, test_rows = parts["train"], parts["val"], parts["test"]
    fit_rows = np.concatenate([train_rows, val_rows])
    lgb = lightgbm()

    arrays, models, metric_meta, fit_seconds = {}, {}, {}, {}
    config = recipe.config
    for m in metric_names:
        t0 = time.perf_counter()
        Y = means[m]
        fitted = fit_curve_model(features[train_rows], Y[train_rows], features[val_rows], Y[val_rows], config)
        runtime = CurveModel([[lgb.Booster(model_str=t) for t in member] for member in fitted.models], fitted.mean,
                             fitted.basis, fitted.scaler_mean, fitted.scaler_std, None, None)
        groups = [data.curves[m][runs[i]] for i in fit_rows if len(runs[i]) >= 2]
        group_rows = np.array([k for k, i in enumerate(fit_rows) if len(runs[i]) >= 2], dtype=np.int64)
        external = None if data.noise_spread is None else (data.noise_spread[m], data.noise_source)
        noise_arrays, noise_meta, window_text = fit_noise(
            m, fitted, runtime, features[fit_rows], Y[fit_rows], Y[val_rows], groups, group_rows, config, external)
        arrays.update(noise_arrays)
        arrays.update({f"{m}.mean": fitted.mean, f"{m}.basis": fitted.basis,
                       f"{m}.scaler_mean": fitted.scaler_mean, f"{m}.scaler_std": fitted.scaler_std})
        paths = [[f"models/{m}/member{i}_component{j}.txt.zst" for j in range(fitted.k)]
                 for i in range(config.members)]
        for member_paths, member_texts in zip(paths, fitted.models):
            models.update(zip(member_paths, member_texts))
        models[noise_meta["window_model"]] = window_text
        metric_meta[m] = {**{k: v for k, v in recipe.metrics[m].items()}, "k": fitted.k,
                          "singular_values": [float(v) for v in fitted.s], "val_rmse_by_k": fitted.val_rmse_by_k,
                          "best_iterations": fitted.best_iterations, "models": paths,
                          "noise": {"default": config.noise_default, **noise_meta}}
        fit_seconds[m] = round(time.perf_counter() - t0, 2)

    import lightgbm as lgb_module  # noqa: F401 - version only
    meta = {
        "name": recipe.name, "version": recipe.version, "checkpoint_id": recipe.checkpoint_name,
        "description": recipe.description, "space": recipe.space, "dataset": recipe.dataset,
        "metric_order": metric_names, "metrics": metric_meta, "epochs": recipe.epochs,
        "features": {"encoding": f"nbx11_data.spaces.{recipe.space}.encode", "encoding_kind": recipe.encoding,
                     "encoding_dim": int(encoded.shape[1]),
                     "first_epochs": recipe.first_epochs},
        "noise_default": config.noise_default, "members": config.members,
        "hyperparameters": config.to_json(),
        "training_data": {**data.provenance, "runs_used": int(sum(len(r) for r in runs)),
                          "architectures": len(arch_ids), "excluded_runs": len(excluded),
                          "excluded_reasons": _count(excluded), "notes": data.notes,
                          "split": {"method": "architectures sorted by arch_id, permuted by "
                                              "numpy Generator(PCG64(split_seed)); 80% train, 10% val, rest test",
                                    "split_seed": recipe.split_seed,
                                    **{k: int(len(v)) for k, v in parts.items()}},
                          "target": "per architecture, the mean curve of its complete runs"},
        "libraries": {"lightgbm": lgb_module.__version__, "numpy": np.__version__,
                      "python": platform.python_version()},
    }
    fit_total = round(time.perf_counter() - started, 2)

    with tempfile.TemporaryDirectory() as scratch:
        ck_format.write(Path(scratch) / recipe.checkpoint_name, meta, arrays, models)
        ensemble = load_ensemble(Path(scratch) / recipe.checkpoint_name)
        test = evaluate(ensemble, features[test_rows], [arch_ids[i] for i in test_rows],
                        {m: means[m][test_rows] for m in metric_names},
                        {m: [data.curves[m][runs[i]] for i in test_rows] for m in metric_names})
        heldout = None
        if recipe.heldout_check is not None:
            t0 = time.perf_counter()
            heldout = recipe.heldout_check(ensemble, source, set(arch_ids))
            heldout["seconds"] = round(time.perf_counter() - t0, 2)
    meta["test_metrics"] = {m: {k: v for k, v in t.items() if k != "per_epoch"} for m, t in test.items()}
    if heldout is not None:
        meta["heldout_metrics"] = {m: ({k: v for k, v in t.items() if k != "per_epoch"} if isinstance(t, dict) else t)
                                   for m, t in heldout.items()}
    timing = {"prepare_seconds": prepare_seconds, "fit_seconds_per_metric": fit_seconds,
              "train_seconds_total": fit_total,
              "machine": f"{platform.machine()}, {_cpus()} CPUs, LightGBM num_threads=1"}
    report_metrics = {"checkpoint_id": recipe.checkpoint_name, "test": test, "timing": timing,
                      "x11_reference": recipe.x11_reference, "data": meta["training_data"]}
    if heldout is not None:
        report_metrics["heldout"] = heldout
    folder = Path(out) / recipe.checkpoint_name
    extra = {"metrics.json": (json_text(report_metrics, indent=1) + "\n").encode(),
             "REPORT.md": render(recipe, meta, test, timing, heldout).encode()}
    ck_format.write(folder, meta, arrays, models, extra)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if size > MAX_BYTES:
        raise RuntimeError(f"{folder}: {size} bytes, over the {MAX_BYTES} byte limit; use fewer members or rounds")
    return {"folder": str(folder), "bytes": size, "test": meta["test_metrics"], "timing": timing,
            "heldout": meta.get("heldout_metrics")}


def evaluate(ensemble, features, arch_ids, mean_curves, run_curves) -> dict:
    """Test-split figures per metric: fidelity of the mean, noise KL, spike-anomaly rate per noise model."""
    out = {}
    for m, truth in mean_curves.items():
        predicted = ensemble.predict_features(features, metrics=[m])[m].astype(np.float64)
        result = fidelity.curve_fidelity(truth, predicted)
        groups = [g for g in run_curves[m] if len(g) >= 2]
        group_ids = [a for a, g in zip(arch_ids, run_curves[m]) if len(g) >= 2]
        group_rows = [i for i, g in enumerate(run_curves[m]) if len(g) >= 2]
        real_runs = np.vstack(run_curves[m])
        run_rows = np.concatenate([[i] * len(g) for i, g in enumerate(run_curves[m])]).astype(np.int64)
        run_seeds = np.concatenate([np.arange(len(g)) for g in run_curves[m]])
        result["noise"] = {}
        for kind in KINDS:
            noisy = ensemble.predict_features(features[run_rows], [arch_ids[i] for i in run_rows], run_seeds,
                                              [m], kind)[m].astype(np.float64)
            entry = {"spike_anomaly": fidelity.spike_rate(real_runs, noisy)}
            if groups:
                rows = np.repeat(group_rows, NOISE_SAMPLES)
                seeds = np.tile(np.arange(NOISE_SAMPLES), len(group_rows))
                samples = ensemble.predict_features(features[rows], [arch_ids[i] for i in rows], seeds, [m], kind)[m]
                samples = samples.astype(np.float64) - predicted[rows]
                entry["kl_divergence"] = fidelity.noise_kl(seed_deviations(groups), samples)
                entry["kl_groups"] = len(group_ids)
            result["noise"][kind] = entry
        out[m] = result
    return out


def _count(excluded: list[dict]) -> dict:
    counts: dict[str, int] = {}
    for item in excluded:
        counts[item["reason"]] = counts.get(item["reason"], 0) + 1
    return counts


def _cpus() -> int:
    import os

    return os.cpu_count() or 1
