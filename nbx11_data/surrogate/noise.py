"""The three noise models of NAS-Bench-x11, as samplers over pre-drawn random numbers.

Each sampler turns the per-row draws of :func:`nbx11_data.surrogate.rng.draws` (one uniform
``u`` and E standard normals ``z``) into an additive noise curve, vectorised over rows:

- ``gaussian``: independent per-epoch Gaussian, ``sigma[j] * z[j]``;
- ``kde``: a Gaussian KDE over residual vectors (as x11 v0.5): pick residual vector
  ``floor(u * n)``, add ``chol @ z``, clip to ``+-clip[j]``, multiply by ``scale``;
- ``window``: the sliding-window model, ``sigma_arch[window(j)] * z[j]`` with a per-architecture
  noise level predicted for each window of epochs (the level comes from the ensemble).

Every curve a checkpoint returns, noiseless or noisy, is kept inside its metric's range of values
(:func:`value_range`, from the metric's unit: an accuracy in percent lies in [0, 100], a loss or a
time is not negative), so noise never produces an impossible value.

Example:
    >>> import numpy as np
    >>> value_range("percent")
    (0.0, 100.0)
    >>> draws = np.zeros((2, 4)); draws[:, 1:] = 1.0
    >>> gaussian(np.array([0.1, 0.2, 0.3]), draws).tolist()
    [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]
"""

from __future__ import annotations

import numpy as np

KINDS = ("gaussian", "kde", "window")

#: the values a metric can take, by the unit written in ``checkpoint.json`` (other units: unbounded)
RANGES_BY_UNIT: dict[str | None, tuple[float, float]] = {
    "percent": (0.0, 100.0),  # accuracies
    "%": (0.0, 100.0),
    "nats": (0.0, np.inf),  # cross-entropy losses
    "nats/token": (0.0, np.inf),
    "100 - nats/token": (-np.inf, 100.0),  # 100 - a loss
    "s": (0.0, np.inf),  # times
    "100 - nats": (-np.inf, 100.0),  # today's spelling (nbx11_data.vocabulary) of the unit above
}


def value_range(unit: str | None) -> tuple[float, float]:
    """``(lowest, highest)`` value of a metric measured in ``unit``; ``(-inf, inf)`` for a unit not listed."""
    from nbx11_data.vocabulary import canonical_unit

    return RANGES_BY_UNIT.get(unit, RANGES_BY_UNIT.get(canonical_unit(unit), (-np.inf, np.inf)))


def gaussian(sigma: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Per-epoch Gaussian noise, shape (n, E)."""
    return draws[:, 1:] * sigma[None, :]


def kde(points: np.ndarray, chol: np.ndarray, clip: np.ndarray, scale: float, draws: np.ndarray) -> np.ndarray:
    """Samples of a Gaussian KDE over ``points`` (n_points, E) with bandwidth ``chol @ chol.T``."""
    index = np.minimum((draws[:, 0] * len(points)).astype(np.int64), len(points) - 1)
    sample = points[index] + draws[:, 1:] @ chol.T
    return scale * np.clip(sample, -clip[None, :], clip[None, :])


def window(sigma_windows: np.ndarray, window_of_epoch: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Sliding-window noise: ``sigma_windows`` (n, W) per-architecture levels, spread over epochs."""
    return draws[:, 1:] * sigma_windows[:, window_of_epoch]
