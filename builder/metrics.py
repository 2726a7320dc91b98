"""Fidelity figures of a surrogate on held-out curves, as in NAS-Bench-x11's Table 2.

- ``curve_fidelity``: R^2, Kendall tau and Spearman rho across architectures at every epoch,
  their average over epochs, and the final epoch's (x11's "avg" and "final").
- ``noise_kl``: the KL divergence between the real noise (seed spread) and the surrogate's
  noise, both taken as zero-mean Gaussians per epoch, averaged over epochs.
- ``spike_rate``: the spike-anomaly rate. A curve's spike is its largest one-epoch excursion
  above or below both neighbours; the threshold is the largest spike of any real held-out
  curve; the rate is the share of noisy surrogate curves whose spike exceeds it.

Example:
    >>> import numpy as np
    >>> spike_size(np.array([[0.0, 1.0, 0.0, 0.0]])).tolist()
    [1.0]
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def _r2(y, p) -> float:
    total = np.sum((y - y.mean()) ** 2)
    return float(1.0 - np.sum((y - p) ** 2) / total) if total > 0 else float("nan")


def curve_fidelity(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Per-epoch and summary R^2 / Kendall tau / Spearman of (n, E) predicted vs real curves."""
    per_epoch = {"r2": [], "kendall_tau": [], "spearman": []}
    for j in range(y_true.shape[1]):
        y, p = y_true[:, j], y_pred[:, j]
        per_epoch["r2"].append(_r2(y, p))
        per_epoch["kendall_tau"].append(float(stats.kendalltau(y, p).statistic))
        per_epoch["spearman"].append(float(stats.spearmanr(y, p).statistic))
    summary = {f"avg_{name}": float(np.nanmean(values)) for name, values in per_epoch.items()}
    summary.update({f"final_{name}": values[-1] for name, values in per_epoch.items()})
    summary["rmse"] = float(np.sqrt(np.mean((y_true - y_pred) ** 2)))
    return {**summary, "per_epoch": per_epoch, "n": int(len(y_true))}


def kl_gaussian(sigma_true: np.ndarray, sigma_pred: np.ndarray) -> np.ndarray:
    """KL(N(0, sigma_true^2) || N(0, sigma_pred^2)), elementwise."""
    ratio = (sigma_true / sigma_pred) ** 2
    return 0.5 * (ratio - 1.0 - np.log(ratio))


def noise_kl(real_deviations: np.ndarray, predicted_noise: np.ndarray) -> float:
    """Average over epochs of the Gaussian KL between real seed spread and predicted noise (rows = samples)."""
    sigma_true = np.sqrt(np.mean(real_deviations**2, axis=0))
    sigma_pred = np.sqrt(np.mean(predicted_noise**2, axis=0))
    return float(np.mean(kl_gaussian(np.maximum(sigma_true, 1e-12), np.maximum(sigma_pred, 1e-12))))


def spike_size(curves: np.ndarray) -> np.ndarray:
    """Largest one-epoch excursion of each curve above or below both of its neighbours."""
    middle, left, right = curves[:, 1:-1], curves[:, :-2], curves[:, 2:]
    up = middle - np.maximum(left, right)
    down = np.minimum(left, right) - middle
    return np.maximum(np.maximum(up, down).max(axis=1), 0.0)


def spike_rate(real_curves: np.ndarray, noisy_curves: np.ndarray) -> dict:
    """Share of noisy surrogate curves with a spike above the largest spike of any real curve
    (None for curves of fewer than 3 epochs, which have no spikes)."""
    if real_curves.shape[1] < 3:
        return {"threshold": None, "rate": None, "n_real": int(len(real_curves)),
                "n_surrogate": int(len(noisy_curves))}
    threshold = float(spike_size(real_curves).max())
    rate = float(np.mean(spike_size(noisy_curves) > threshold))
    return {"threshold": threshold, "rate": rate, "n_real": int(len(real_curves)), "n_surrogate": int(len(noisy_curves))}
