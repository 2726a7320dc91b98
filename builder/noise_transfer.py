"""Real seed-to-seed spread of NB201 CIFAR-10 training, mapped onto another epoch axis.

For a teacher without seed noise (a surrogate we distil), the noise model must come from real
multi-seed runs. NAS-Bench-201 trained every architecture on CIFAR-10 with 3 seeds for 200
epochs (cosine schedule, like NB301's 98), so:

- the *shape* over epochs comes from the full curves of the NATS fixture (3 architectures x
  3 seeds, ``cifar10-valid``): each run minus its architecture's mean, scaled by
  ``sqrt(r / (r - 1))`` (as :func:`~nbx11_data.builder.noise_fit.seed_deviations`);
- the epoch axis is mapped by fraction of training: target epoch ``e`` of ``E`` reads NB201
  epoch ``e * 200 / E`` (linear interpolation between epochs);
- the *level* of validation accuracy at the last epoch is set to the RMS 3-seed spread of the
  final accuracy of all NB201 architectures with 3 seeds and a mean of at least
  ``min_accuracy`` percent (``nb201-finals``), so three fixture architectures do not decide it.

Example:
    >>> spread = nb201_spread("../shared/data", 98)  # doctest: +SKIP
    >>> spread["valid_acc"].shape  # doctest: +SKIP
    (9, 98)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nbx11_data.builder.noise_fit import seed_deviations
from nbx11_data.builder.sources import nats_tss, nb201_finals
from nbx11_data.errors import CorruptFileError

DATASET = "cifar10-valid"
BUDGET = 200


def map_epochs(curves: np.ndarray, n_epochs: int) -> np.ndarray:
    """Curves over NB201's 200 epochs, (r, 200), read at ``n_epochs`` points by fraction of training."""
    source = np.arange(1, curves.shape[1] + 1, dtype=np.float64)
    target = np.arange(1, n_epochs + 1) * curves.shape[1] / n_epochs
    return np.stack([np.interp(target, source, row) for row in curves])


def _runs(fixture: Path) -> dict[str, list]:
    by_arch: dict[str, list] = {}
    for run in nats_tss.iter_archive(fixture):
        if run.dataset == DATASET and run.budget == BUDGET:
            by_arch.setdefault(run.arch, []).append(run)
    if sum(len(r) >= 2 for r in by_arch.values()) == 0:
        raise CorruptFileError(f"{fixture}: no {DATASET} architecture with several {BUDGET}-epoch seeds")
    return by_arch


def final_spread(finals: Path, min_accuracy: float = 80.0) -> dict:
    """RMS seed spread of NB201's final CIFAR-10 validation accuracy (3-seed architectures >= ``min_accuracy``)."""
    acc = nb201_finals.load(finals, DATASET)["val_acc"]
    full = acc[np.isfinite(acc).all(axis=1)]
    kept = full[full.mean(axis=1) >= min_accuracy]
    deviations = (kept - kept.mean(axis=1, keepdims=True)) * np.sqrt(3 / 2)
    return {"sigma": float(np.sqrt(np.mean(deviations**2))), "architectures": int(len(kept)),
            "min_accuracy": min_accuracy}


def nb201_spread(data_root, n_epochs: int, min_accuracy: float = 80.0) -> dict:
    """Seed-deviation vectors ``{metric: (r, n_epochs)}`` for ``valid_acc`` (percent), ``valid_loss``,
    and ``train_time_relative`` (deviation / the architecture's mean cumulative time), plus ``info``."""
    root = Path(data_root)
    by_arch = _runs(root / "nats-tss-fixture")
    groups = [g for g in by_arch.values() if len(g) >= 2]
    out = {}
    for metric in ("valid_acc", "valid_loss", "train_time"):
        curves = [np.stack([run.curves[metric] for run in g]) for g in groups]
        if metric == "train_time":
            curves = [c / c.mean(axis=0) for c in curves]
        out[metric if metric != "train_time" else "train_time_relative"] = map_epochs(seed_deviations(curves),
                                                                                        n_epochs)
    finals = final_spread(root / "nb201-finals", min_accuracy)
    fixture_final = float(np.sqrt(np.mean(out["valid_acc"][:, -1] ** 2)))
    scale = finals["sigma"] / fixture_final
    out["valid_acc"] = out["valid_acc"] * scale
    out["info"] = {"fixture_architectures": len(groups), "fixture_runs": int(sum(len(g) for g in groups)),
                   "dataset": DATASET, "budget": BUDGET, "final_accuracy_spread": finals,
                   "fixture_final_accuracy_spread": fixture_final, "valid_acc_scale": scale,
                   "epoch_mapping": f"target epoch e of {n_epochs} reads NB201 epoch e*{BUDGET}/{n_epochs} "
                                    "(linear interpolation)"}
    return out
