"""Real seed-to-seed spread of NB201 CIFAR-10 training, as *relative* deviations on another epoch axis.

For a teacher without seed noise (a surrogate we distil), the noise model must come from real
multi-seed runs. NAS-Bench-201 trained every architecture on CIFAR-10 with 3 seeds for 200
epochs (cosine schedule, like NB301's 98). Its pipeline is not the target's: an NB201 cell is
still at 60-75% validation accuracy halfway through training, where a DARTS cell is near 88%,
and its seeds differ there by up to ~8 points. Added as they are to a DARTS curve, such
deviations would leave nothing for a learning-curve method to read and push accuracies past
100% (nb311-yahpo-v1 did). So the deviations are carried over *relative to the distance from
the metric's bound*, which is what transfers between pipelines: the error rate (100 - accuracy)
and the loss. A DARTS cell with a third of an NB201 cell's error gets a third of its spread.

- the *shape* over epochs comes from the full curves of the NATS fixture (3 architectures x
  3 seeds, ``cifar10-valid``): each run minus its architecture's mean, scaled by
  ``sqrt(r / (r - 1))`` (as :func:`~nbx11_data.builder.noise_fit.seed_deviations`), divided by
  the architecture's mean error rate (accuracy), mean loss (loss) or mean time (train time);
- the epoch axis is mapped by fraction of training: target epoch ``e`` of ``E`` reads NB201
  epoch ``e * 200 / E`` (linear interpolation between epochs);
- the *level* at the last epoch is set to the RMS relative 3-seed spread of the final error rate
  of all NB201 architectures with 3 seeds and a mean accuracy of at least ``min_accuracy``
  percent (``nb201-finals``), so three fixture architectures do not decide it;
- :func:`to_target` turns relative deviations into the target's units with its mean curve.

Example:
    >>> spread = nb201_spread("../shared/data", 98)
    >>> spread["valid_error_relative"].shape
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
    """RMS relative seed spread of NB201's final CIFAR-10 validation error (3-seed architectures >= ``min_accuracy``).

    Per architecture: (accuracy of a seed - mean) / (100 - mean), times sqrt(3/2); ``sigma`` is their RMS.
    """
    acc = nb201_finals.load(finals, DATASET)["val_acc"]
    full = acc[np.isfinite(acc).all(axis=1)]
    kept = full[full.mean(axis=1) >= min_accuracy]
    mean = kept.mean(axis=1, keepdims=True)
    deviations = (kept - mean) / (100.0 - mean) * np.sqrt(3 / 2)
    return {"sigma": float(np.sqrt(np.mean(deviations**2))), "architectures": int(len(kept)),
            "min_accuracy": min_accuracy, "relative_to": "the architecture's mean error rate (100 - accuracy)"}


def nb201_spread(data_root, n_epochs: int, min_accuracy: float = 80.0) -> dict:
    """Relative seed-deviation vectors ``{name: (r, n_epochs)}``, plus ``info``:

    ``valid_error_relative`` (accuracy deviation / mean error rate, level-calibrated at the last
    epoch), ``valid_loss_relative`` (loss deviation / mean loss) and ``train_time_relative``
    (deviation / mean cumulative time).
    """
    root = Path(data_root)
    by_arch = _runs(root / "nats-tss-fixture")
    groups = [g for g in by_arch.values() if len(g) >= 2]
    relative_to = {"valid_acc": lambda c: 100.0 - c.mean(axis=0), "valid_loss": lambda c: c.mean(axis=0),
                   "train_time": lambda c: c.mean(axis=0)}
    names = {"valid_acc": "valid_error_relative", "valid_loss": "valid_loss_relative",
             "train_time": "train_time_relative"}
    out = {}
    for metric, reference in relative_to.items():
        curves = [np.stack([run.curves[metric] for run in g]) for g in groups]
        out[names[metric]] = map_epochs(seed_deviations([c / reference(c) for c in curves]), n_epochs)
    finals = final_spread(root / "nb201-finals", min_accuracy)
    fixture_final = float(np.sqrt(np.mean(out["valid_error_relative"][:, -1] ** 2)))
    scale = finals["sigma"] / fixture_final
    out["valid_error_relative"] = out["valid_error_relative"] * scale
    out["info"] = {"fixture_architectures": len(groups), "fixture_runs": int(sum(len(g) for g in groups)),
                   "dataset": DATASET, "budget": BUDGET, "final_error_spread_relative": finals,
                   "fixture_final_error_spread_relative": fixture_final, "valid_error_scale": scale,
                   "relative_to": "each NB201 architecture's mean error rate (accuracy), mean loss, mean time",
                   "epoch_mapping": f"target epoch e of {n_epochs} reads NB201 epoch e*{BUDGET}/{n_epochs} "
                                    "(linear interpolation)"}
    return out


def to_target(spread: dict, mean_curves: dict) -> dict:
    """Relative deviations in the target's units: ``{"accuracy", "loss", "time"}`` -> (r, E) each.

    ``mean_curves``: the target population's mean ``accuracy`` (percent), ``loss`` and ``time`` curves
    (E,); accuracy deviations scale with its error rate, the others with the curve itself.
    """
    return {"accuracy": spread["valid_error_relative"] * (100.0 - mean_curves["accuracy"])[None, :],
            "loss": spread["valid_loss_relative"] * mean_curves["loss"][None, :],
            "time": spread["train_time_relative"] * mean_curves["time"][None, :]}
