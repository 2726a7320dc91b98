"""One metric's curve model: a chained LightGBM ensemble over SVD components, decoded to curves.

The model predicts the first ``k`` left-singular components (standardised) of the centred
curve matrix. Component ``j`` of member ``m`` is a booster over the features plus that member's
predicted components ``< j``. The noiseless curve is the member mean, decoded with
``mean + (c * std + mu) @ diag(s_k) V_k^T``.

Example:
    >>> from nbx11_data import locations, spaces
    >>> from nbx11_data.surrogate import checkpoint, load_ensemble
    >>> ck = checkpoint.read(locations.find_checkpoint("nbnlp11-wt2-v1"))
    >>> model = CurveModel.from_checkpoint(ck, "val_score")
    >>> features = load_ensemble(ck.folder).features(spaces.get("nlp").sample(4, seed=0))
    >>> model.decode(model.components(features)).shape
    (4, 50)
"""

from __future__ import annotations

import os

import numpy as np

from nbx11_data import locations
from nbx11_data.surrogate import noise as noise_models
from nbx11_data.surrogate._lightgbm import lightgbm


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: LightGBM prediction threads: the cores this process may use (``NBX11_THREADS`` overrides, e.g. 1 on a busy machine)
THREADS = locations.threads() or _cores()
#: rows per LightGBM thread: smaller batches run on one thread, since waking OpenMP threads on a busy machine
#: costs more than the prediction (a one-row call: 0.07 ms on one thread, ~13 ms on two; 1,000 rows: no faster)
ROWS_PER_THREAD = 2048


def threads(rows: int) -> int:
    """LightGBM threads for a batch of ``rows``: one per :data:`ROWS_PER_THREAD` rows, at most :data:`THREADS`.

    Example: ``threads(10) == 1``; the results do not depend on it (each row is predicted on its own).
    """
    return max(1, min(THREADS, rows // ROWS_PER_THREAD))


class CurveModel:
    """Boosters and arrays of one metric, ready to predict (n, E) curves from (n, d) features."""

    def __init__(self, boosters, mean, basis, scaler_mean, scaler_std, noise_params, window_booster,
                 value_range=(-np.inf, np.inf)):
        self.boosters = boosters  # [member][component]
        self.value_range = value_range  # every returned curve is clipped to it (see noise.value_range)
        self.k = len(boosters[0])
        self.mean = mean
        self.scaler_mean = scaler_mean
        self.scaler_std = scaler_std
        self.basis = basis  # (k, E) = diag(s_k) V_k^T
        # decode folded into one affine map: curve = offset + c @ weights
        self.weights = scaler_std[:, None] * basis
        self.offset = mean + scaler_mean @ basis
        self.noise = noise_params
        self.window_booster = window_booster

    @classmethod
    def from_checkpoint(cls, ck, metric: str) -> "CurveModel":
        lgb = lightgbm()
        info = ck.meta["metrics"][metric]
        boosters = [[lgb.Booster(model_str=ck.model_text(rel)) for rel in member] for member in info["models"]]
        a = ck.arrays
        noise = {
            "sigma": a[f"{metric}.noise.sigma"],
            "kde_points": a[f"{metric}.noise.kde_points"],
            "kde_chol": a[f"{metric}.noise.kde_chol"],
            "kde_clip": a[f"{metric}.noise.kde_clip"],
            "kde_scale": float(info["noise"]["kde_scale"]),
            "window_of_epoch": a[f"{metric}.noise.window_of_epoch"].astype(np.int64),
            "window_calibration": a[f"{metric}.noise.window_calibration"],
        }
        window = lgb.Booster(model_str=ck.model_text(info["noise"]["window_model"]))
        return cls(boosters, a[f"{metric}.mean"], a[f"{metric}.basis"], a[f"{metric}.scaler_mean"],
                   a[f"{metric}.scaler_std"], noise, window, noise_models.value_range(info.get("unit")))

    def components(self, features: np.ndarray) -> np.ndarray:
        """Member-mean standardised components, shape (n, k)."""
        return self.member_mean([self.member_components(features, m) for m in range(len(self.boosters))])

    def member_components(self, features: np.ndarray, member: int) -> np.ndarray:
        """The standardised components (n, k) one member predicts, each booster seeing the ones before."""
        n, d = features.shape
        chained = np.empty((n, d + self.k))
        chained[:, :d] = features
        cores = threads(n)
        for j, booster in enumerate(self.boosters[member]):
            chained[:, d + j] = booster.predict(chained[:, : d + j], num_threads=cores)
        return chained[:, d:]

    def member_mean(self, parts) -> np.ndarray:
        """The mean of the members' components, summed in member order (so always the same bits)."""
        total = np.zeros_like(parts[0])
        for part in parts:
            total += part
        return total / len(self.boosters)

    def decode(self, components: np.ndarray) -> np.ndarray:
        """Curves (n, E) from standardised components (n, k), inside the metric's range of values."""
        return self.within_range(self.offset + components @ self.weights)

    def within_range(self, curves: np.ndarray) -> np.ndarray:
        """``curves`` clipped to the metric's range of values (a no-op for an unbounded metric)."""
        low, high = self.value_range
        return curves if low == -np.inf and high == np.inf else np.clip(curves, low, high)

    def window_sigma(self, features: np.ndarray, components: np.ndarray) -> np.ndarray:
        """Per-architecture noise level of each epoch window, shape (n, W)."""
        n_windows = len(self.noise["window_calibration"])
        base = np.hstack([features, components])
        rows = np.repeat(base, n_windows, axis=0)
        position = np.tile(np.arange(n_windows, dtype=np.float64), len(base))[:, None]
        log_sigma = self.window_booster.predict(np.hstack([rows, position]), num_threads=threads(len(rows)))
        return np.exp(log_sigma).reshape(len(base), n_windows) * self.noise["window_calibration"][None, :]

    def sample_noise(self, kind: str, draws: np.ndarray, features: np.ndarray, components: np.ndarray,
                     index=slice(None)) -> np.ndarray:
        """Noise curves (n, E) of model ``kind`` from per-row draws (see :mod:`..rng`).

        ``features`` and ``components`` may hold each architecture once: row ``i`` of the draws belongs to
        row ``index[i]`` of them (default: the same row).
        """
        p = self.noise
        if kind == "gaussian":
            return noise_models.gaussian(p["sigma"], draws)
        if kind == "kde":
            return noise_models.kde(p["kde_points"], p["kde_chol"], p["kde_clip"], p["kde_scale"], draws)
        return noise_models.window(self.window_sigma(features, components)[index], p["window_of_epoch"], draws)
