"""Train a checkpoint that copies its teacher: YAHPO's NB301 network weights, an epoch fill-in map, noise.

Steps (``nbx11 train nb311-yahpo --source .../yahpo-nb301``):

1. read the network from the ONNX file (:func:`nbx11_data.builder.sources.yahpo.network`, BatchNorms folded);
2. run it (numpy, :mod:`nbx11_data.surrogate.yahpo_net`) on ``fit_archs`` cells at all 98 epochs and fit,
   per output, the least-squares linear map from its values at the ``evaluated_epochs`` to all 98
   (ridge ``ridge`` on standardised inputs), so a lookup runs the network at 20 epochs only;
3. noise: today's method (NB201 seed deviations relative to the error rate and loss,
   :mod:`nbx11_data.builder.noise_transfer`), ``gaussian`` and ``kde`` as the LightGBM checkpoints fit them;
4. write the checkpoint, load it back, and measure it against onnxruntime running the teacher on
   ``HELDOUT`` fresh cells (a sampler seed that did not pick the fit cells; fit cells left out).

Example:
    >>> result = train(get("nb311-yahpo"), "../shared/data/yahpo-nb301", "checkpoints")  # doctest: +SKIP
    >>> result["folder"]  # doctest: +SKIP
    'checkpoints/nb311-yahpo-v4'
"""

from __future__ import annotations

import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nbx11_data.builder import metrics as fidelity
from nbx11_data.builder.noise_transfer import nb201_spread, to_target
from nbx11_data.builder.sources import yahpo
from nbx11_data.io import json_text
from nbx11_data.spaces import darts
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.surrogate import load_ensemble
from nbx11_data.surrogate.teacher_ensemble import MODEL
from nbx11_data.surrogate.yahpo_net import YahpoNet

HELDOUT = 2_000
HELDOUT_SEED = 1
NOISE_EPOCHS = (1, 25, 49, 98)  # where the card compares the seed noise with the spread between cells
NOISE_SEEDS = 5


@dataclass(frozen=True)
class TeacherCopyConfig:
    """How :func:`train` copies the teacher (a recipe's ``config``)."""

    evaluated_epochs: tuple[int, ...]
    fit_archs: int = 3_000
    fit_seed: int = 0
    ridge: float = 1e-6
    noise_default: str = "kde"
    kde_clip_sigmas: float = 3.0

    def to_json(self) -> dict:
        return {**asdict(self), "evaluated_epochs": list(self.evaluated_epochs)}


def fill_in_map(values: np.ndarray, curves: np.ndarray, evaluated: np.ndarray, ridge: float):
    """The linear map ``curves ~ values @ weight + offset``: (S, E) weight and (E,) offset, least squares.

    ``values`` (n, S) are the curves at the ``evaluated`` epochs; inputs are standardised for the ridge,
    which is folded back into ``weight``. Example: exact for curves that are linear in their values.
    """
    mu, sd = values.mean(axis=0), values.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    design = np.hstack([(values - mu) / sd, np.ones((len(values), 1))])
    gram = design.T @ design + ridge * len(values) * np.eye(design.shape[1])
    coef = np.linalg.solve(gram, design.T @ curves)
    weight = coef[:-1] / sd[:, None]
    return weight, coef[-1] - mu @ weight


def _kde(pool: np.ndarray, clip_sigmas: float) -> tuple[dict, dict]:
    """Gaussian and KDE noise arrays of a pool of deviation vectors (as ``builder.noise_fit.fit_noise``)."""
    sigma = np.maximum(np.sqrt(np.mean(pool**2, axis=0)), 1e-12)
    n, n_epochs = pool.shape
    factor = n ** (-1.0 / (n_epochs + 4))  # Scott's rule, as scipy's gaussian_kde
    covariance = np.cov(pool, rowvar=False) * factor**2
    covariance += np.eye(n_epochs) * 1e-9 * max(float(np.trace(covariance)) / n_epochs, 1e-12)
    arrays = {"sigma": sigma, "kde_points": pool.astype(np.float64), "kde_chol": np.linalg.cholesky(covariance),
              "kde_clip": clip_sigmas * sigma}
    meta = {"kde_points": int(n), "kde_bandwidth_factor": float(factor),
            "kde_scale": float(1.0 / np.sqrt(1.0 + factor**2)), "kde_clip_sigmas": float(clip_sigmas)}
    return arrays, meta


def train(recipe, source, out="checkpoints") -> dict:
    """Copy the teacher in ``source`` (the yahpo-nb301 folder) into ``<out>/<name>-v<version>/``."""
    started = time.perf_counter()
    config: TeacherCopyConfig = recipe.config
    source = Path(source)
    net_arrays, network = yahpo.network(source)
    net = YahpoNet.from_arrays(net_arrays, network)
    fit_cells = darts.sample(config.fit_archs, seed=config.fit_seed)
    all_epochs = np.arange(1, len(recipe.epochs) + 1)
    evaluated = np.asarray(config.evaluated_epochs, dtype=np.int64)
    raw = net.outputs(darts.encode_yahpo(fit_cells), all_epochs).astype(np.float64)
    columns = {name: k for k, name in enumerate(network["outputs"])}
    reconstructed = sorted({info["teacher_output"] for info in recipe.metrics.values()}, key=columns.get)
    arrays = dict(net_arrays)
    for name in reconstructed:
        curves = raw[:, :, columns[name]]
        weight, offset = fill_in_map(curves[:, evaluated - 1], curves, evaluated, config.ridge)
        arrays[f"recon.{name}.weight"], arrays[f"recon.{name}.offset"] = weight, offset

    root = source.parent
    spread = nb201_spread(root, len(all_epochs))
    accuracy = raw[:, :, columns["val_accuracy"]] * 100.0
    population = {"accuracy": accuracy.mean(axis=0), "loss": raw[:, :, columns["val_cross_entropy"]].mean(axis=0),
                  "time": np.cumsum(raw[:, :, columns["runtime_increase"]], axis=1).mean(axis=0)}
    target = to_target(spread, population)
    metric_meta = {}
    for m, info in recipe.metrics.items():
        entry = {k: v for k, v in info.items() if k != "noise_from"}
        if info.get("noise_from"):
            noise_arrays, noise_meta = _kde(target[info["noise_from"]], config.kde_clip_sigmas)
            arrays.update({f"{m}.noise.{k}": v for k, v in noise_arrays.items()})
            entry["noise"] = {"default": config.noise_default, "source": _NOISE_SOURCE, **noise_meta}
        else:
            entry["noise"] = None
        metric_meta[m] = entry
    described = recipe.prepare(source)  # provenance and notes only: the teacher is the data
    meta = {
        "name": recipe.name, "version": recipe.version, "checkpoint_id": recipe.checkpoint_name, "model": MODEL,
        "description": recipe.description, "space": recipe.space, "dataset": recipe.dataset,
        "metric_order": list(recipe.metrics), "metrics": metric_meta, "epochs": list(recipe.epochs),
        "features": {"encoding": "nbx11_data.spaces.darts.encode_yahpo", "encoding_kind": "yahpo",
                     "encoding_dim": len(darts.YAHPO_COLUMNS), "first_epochs": None},
        "network": {**network, "evaluated_epochs": evaluated.tolist(), "reconstructed": reconstructed,
                    "fill_in": f"per output, least squares from the {len(evaluated)} evaluated epochs to all "
                               f"{len(all_epochs)}, fitted on the teacher's curves of the {config.fit_archs} fit cells;"
                               " evaluated epochs keep the network's own values"},
        "noise_default": config.noise_default, "hyperparameters": config.to_json(),
        "training_data": {**described.provenance, "notes": described.notes, "runs_used": config.fit_archs, "architectures": config.fit_archs,
                          "split": {"train": config.fit_archs, "val": 0, "test": HELDOUT},
                          "fit_cells": f"nbx11_data.spaces.darts.sample({config.fit_archs}, seed={config.fit_seed})"},
        "libraries": {"numpy": np.__version__, "python": platform.python_version()},
    }
    with tempfile.TemporaryDirectory() as scratch:
        ck_format.write(Path(scratch) / recipe.checkpoint_name, meta, arrays, {})
        ensemble = load_ensemble(Path(scratch) / recipe.checkpoint_name)
        heldout, noise_card, agreement = measure(ensemble, source, {darts.arch_id(a) for a in fit_cells})
    meta["test_metrics"] = {m: {k: v for k, v in t.items() if k != "per_epoch"} for m, t in heldout.items()}
    meta["fidelity_about"] = (f"{HELDOUT:,} fresh DARTS cells (darts.sample seed {HELDOUT_SEED}, none among the fit"
                              " cells) against onnxruntime running the teacher at all 98 epochs")
    meta["noise_card"] = noise_card
    meta["onnxruntime_agreement"] = agreement
    timing = {"train_seconds_total": round(time.perf_counter() - started, 1),
              "machine": f"{platform.machine()}, {_cpus()} CPUs"}
    report_metrics = {"checkpoint_id": recipe.checkpoint_name, "heldout": heldout, "noise": noise_card,
                      "onnxruntime_agreement": agreement, "timing": timing, "data": meta["training_data"]}
    folder = Path(out) / recipe.checkpoint_name
    extra = {"metrics.json": (json_text(report_metrics, indent=1) + "\n").encode(),
             "REPORT.md": report(recipe, meta, heldout, noise_card, agreement, timing).encode()}
    ck_format.write(folder, meta, arrays, {}, extra)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"folder": str(folder), "bytes": size, "test": meta["test_metrics"], "timing": timing,
            "heldout": meta["test_metrics"]}


def measure(ensemble, source, fit_ids: set[str]) -> tuple[dict, dict, dict]:
    """Fidelity against onnxruntime on fresh cells; the noise sd beside the between-cell sd; raw agreement."""
    fresh = [a for a in darts.sample(HELDOUT + 100, seed=HELDOUT_SEED) if darts.arch_id(a) not in fit_ids][:HELDOUT]
    teacher = yahpo.Teacher(source)
    raw = teacher.raw(darts.encode_yahpo(fresh)).astype(np.float64)
    columns = {name: k for k, name in enumerate(yahpo.OUTPUT_COLUMNS)}
    predicted = ensemble.predict_batch(fresh)
    heldout = {}
    for m in ensemble.metrics:
        info = ensemble.meta["metrics"][m]
        truth = raw[:, :, columns[info["teacher_output"]]] * float(info.get("scale", 1.0))
        if info.get("cumulative"):
            truth = np.cumsum(truth, axis=1)
        result = fidelity.curve_fidelity(truth, predicted[m].astype(np.float64))
        result["per_epoch"] = {"kendall_tau": [round(v, 4) for v in result["per_epoch"]["kendall_tau"]],
                               "r2": [round(v, 4) for v in result["per_epoch"]["r2"]]}
        result["min_kendall_tau"] = float(min(result["per_epoch"]["kendall_tau"]))
        heldout[m] = result
    evaluated = np.asarray(ensemble.meta["network"]["evaluated_epochs"]) - 1
    numpy_raw = ensemble.net.outputs(darts.encode_yahpo(fresh), np.arange(1, raw.shape[1] + 1)).astype(np.float64)
    difference = np.abs(numpy_raw - raw)
    agreement = {"rows": int(raw.shape[0] * raw.shape[1]),
                 "max_abs_difference": {name: float(difference[:, :, k].max()) for name, k in columns.items()},
                 "max_rel_difference": {name: float((difference[:, :, k] / np.maximum(np.abs(raw[:, :, k]), 1e-12)).max())
                                        for name, k in columns.items()},
                 "about": "numpy network (this checkpoint's arrays) vs onnxruntime on model_v2.onnx, every epoch of"
                          f" the {len(fresh):,} fresh cells; the lookup path evaluates epochs {(evaluated + 1).tolist()}"}
    noise_card = {}
    for m in ensemble.metrics:
        if not ensemble.meta["metrics"][m].get("noise"):
            continue
        mean = predicted[m].astype(np.float64)
        seeds = [s for _ in fresh for s in range(NOISE_SEEDS)]
        noisy = ensemble.predict_batch([a for a in fresh for _ in range(NOISE_SEEDS)], seeds=seeds, metrics=[m])[m]
        deviation = noisy.astype(np.float64) - np.repeat(mean, NOISE_SEEDS, axis=0)
        noise_card[m] = {str(e): {"seed_noise_sd": round(float(deviation[:, e - 1].std()), 4),
                                  "between_cells_sd": round(float(mean[:, e - 1].std()), 4)} for e in NOISE_EPOCHS}
    return heldout, noise_card, agreement


_NOISE_SOURCE = ("real seed spread of NB201 CIFAR-10 training relative to each NB201 architecture's mean error rate "
                 "(accuracy) or loss (NATS fixture: 3 architectures x 3 seeds, full curves, for the shape over epochs; "
                 "nb201-finals: 3-seed relative spread of the final error of all NB201 architectures with mean >= 80%, "
                 "for the level), mapped onto 98 epochs by fraction of training and scaled by the teacher's mean error "
                 "rate or loss per epoch over the fit cells; the teacher itself is deterministic; times carry no noise")


def _f(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.4f}"


def report(recipe, meta: dict, heldout: dict, noise_card: dict, agreement: dict, timing: dict) -> str:
    """The checkpoint's REPORT.md: what the weights are, where they came from, how close they are."""
    data = meta["training_data"]
    network = meta["network"]
    lines = [
        f"# {meta['checkpoint_id']}: {meta['description']}", "",
        "**A surrogate of a surrogate.** Every curve of this checkpoint is the output of YAHPO Gym's NB301 network"
        " (`model_v2.onnx`, itself a model fitted to the real NAS-Bench-301 learning curves), not a measured run.",
        "", "## What the weights are", "",
        f"- The teacher's own weights ({network['weights']:,} numbers), copied once from `{data['file']}`"
        f" (sha256 `{data['sha256']}`; {data['origin']}; license {data['license']};"
        f" citation: {data['citation']}) into `arrays.npz` (`net.*`), BatchNorms folded into the next linear"
        " layer, float32. `nbx11_data.surrogate.yahpo_net` runs the network in numpy: no onnxruntime,"
        " torch or LightGBM at lookup time. Elementwise work is float32 as in onnxruntime; matrix products are"
        " exact (operands rounded to 21-23-bit integers times a power of two, summed in float64 without"
        " rounding) and `exp` uses + - * only, so every CPU, BLAS kernel and batch gives the same bits.",
        f"- A lookup runs the network at {len(network['evaluated_epochs'])} epochs"
        f" ({', '.join(map(str, network['evaluated_epochs']))}); {network['fill_in']} (`recon.*`).",
        "- `elapsed_time` is the running sum of the per-epoch `epoch_time` (the teacher's `runtime_increase`), so it"
        " never decreases; the teacher's own cumulative `runtime` output is not monotone and is not used.",
        f"- Output columns of the network, checked: {', '.join(network['outputs'])} (accuracy as a fraction,"
        " stored here in percent; loss in nats; times in seconds).",
        "- Noise: today's method, unchanged: " + _NOISE_SOURCE + ".", "",
        "## Agreement with onnxruntime", "",
        f"{agreement['about']}: {agreement['rows']:,} rows; largest relative difference per output: "
        + ", ".join(f"`{k}` {v:.1e}" for k, v in agreement["max_rel_difference"].items()) + ".", "",
        f"## Fidelity: {meta['fidelity_about']}", "",
        "| metric | cells | avg Kendall tau | min tau (epoch) | final tau | avg R^2 | final R^2 |",
        "|---|---|---|---|---|---|---|",
    ]
    for m, t in heldout.items():
        taus = t["per_epoch"]["kendall_tau"]
        lines.append(f"| `{m}` | {t['n']} | {_f(t['avg_kendall_tau'])} | {_f(min(taus))} ({int(np.argmin(taus)) + 1})"
                     f" | {_f(t['final_kendall_tau'])} | {_f(t['avg_r2'])} | {_f(t['final_r2'])} |")
    lines += ["", "Kendall tau per epoch (epochs 1..98):", ""]
    for m, t in heldout.items():
        lines.append(f"- `{m}`: " + " ".join(f"{v:.3f}" for v in t["per_epoch"]["kendall_tau"]))
    lines += ["", "## Seed noise beside the spread between cells (fresh cells, "
              f"{NOISE_SEEDS} seeds each, `{meta['noise_default']}` model)", "",
              "| metric | epoch | sd of the seed noise | sd between cells of the mean curves |", "|---|---|---|---|"]
    for m, by_epoch in noise_card.items():
        for e, v in by_epoch.items():
            lines.append(f"| `{m}` | {e} | {v['seed_noise_sd']:.3f} | {v['between_cells_sd']:.3f} |")
    lines += ["", "## Metrics", ""]
    for m in meta["metric_order"]:
        info = meta["metrics"][m]
        lines.append(f"- `{m}` ({info['unit']}): {info['description']}")
    lines += ["", f"Trained in {timing['train_seconds_total']} s on {timing['machine']};"
              f" `nbx11 train {recipe.name} --source ../shared/data/yahpo-nb301`.", ""]
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1

