"""Fit the three noise models of NAS-Bench-x11 for one metric.

Two kinds of evidence, recorded in the checkpoint as ``noise.source``:

- *residuals*: a curve minus its projection on the model's k-dimensional SVD basis (the
  epoch-to-epoch noise the smooth model leaves out);
- *seed spread*: where an architecture was trained with several seeds, each run minus the
  architecture's mean, scaled by ``sqrt(r / (r - 1))`` (what differs between two real runs).

The per-epoch Gaussian and the KDE are fitted to the seed spread when at least
``min_seed_groups`` architectures have several seeds, else to held-out (validation) residuals.
The sliding-window model learns each architecture's residual level per window of epochs from
its encoding and predicted components, and is then calibrated per window to the seed spread.

Example:
    >>> arrays, meta, window_text = fit_noise("val_score", fitted, runtime, X, Y, Y_val, groups, config)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from nbx11_data.surrogate._lightgbm import lightgbm


def seed_deviations(groups: list[np.ndarray]) -> np.ndarray:
    """Seed-spread vectors of groups of runs (each (r >= 2, E)), stacked (sum r, E)."""
    rows = [(g - g.mean(axis=0)) * np.sqrt(len(g) / (len(g) - 1)) for g in groups if len(g) >= 2]
    return np.vstack(rows) if rows else np.zeros((0, 0))


def windows(n_epochs: int, n_windows: int) -> np.ndarray:
    """The window index of each epoch: ``n_windows`` contiguous, near-equal windows."""
    n_windows = max(1, min(n_windows, n_epochs))
    return np.concatenate([np.full(len(part), w) for w, part in enumerate(np.array_split(np.arange(n_epochs), n_windows))])


def fit_noise(metric, fitted, runtime, X_fit, Y_fit, Y_heldout, groups, group_rows, config, external=None):
    """Fit all three noise models of ``metric``.

    ``runtime``: the in-memory :class:`~nbx11_data.surrogate.model.CurveModel`; ``X_fit``/``Y_fit``:
    train+validation features and mean curves; ``Y_heldout``: validation mean curves; ``groups``:
    run curves of multi-seed architectures among ``X_fit``'s rows ``group_rows``. ``external``:
    ``(deviations (r, E), description)``, seed spread of other real runs, used instead of
    ``groups`` (the window model is then calibrated over all rows).
    Returns (arrays, meta, window model text).
    """
    lgb = lightgbm()
    deviations = seed_deviations(groups) if external is None else external[0]
    use_seeds = external is not None or sum(len(g) >= 2 for g in groups) >= config.min_seed_groups
    if external is not None:
        group_rows = np.arange(len(X_fit))
    pool = deviations if use_seeds else Y_heldout - fitted.project(Y_heldout)
    sigma = np.sqrt(np.mean(pool**2, axis=0))
    sigma = np.maximum(sigma, 1e-12)

    n, n_epochs = pool.shape
    factor = n ** (-1.0 / (n_epochs + 4))  # Scott's rule, as scipy's gaussian_kde
    covariance = np.cov(pool, rowvar=False) * factor**2
    covariance += np.eye(n_epochs) * 1e-9 * max(float(np.trace(covariance)) / n_epochs, 1e-12)
    chol = np.linalg.cholesky(covariance)
    scale = config.kde_scale if config.kde_scale is not None else float(1.0 / np.sqrt(1.0 + factor**2))
    clip = config.kde_clip_sigmas * sigma

    window_of_epoch = windows(n_epochs, config.n_windows)
    n_windows = int(window_of_epoch.max()) + 1
    residuals = Y_fit - fitted.project(Y_fit)
    level = np.stack([np.sqrt(np.mean(residuals[:, window_of_epoch == w] ** 2, axis=1)) for w in range(n_windows)], 1)
    log_level = np.log(np.maximum(level, 1e-12))
    components = runtime.components(X_fit)
    base = np.hstack([X_fit, components])
    rows = np.repeat(base, n_windows, axis=0)
    position = np.tile(np.arange(n_windows, dtype=np.float64), len(base))[:, None]
    params = {**config.lgb_params, "seed": config.seed, "deterministic": True, "force_col_wise": True,
              "num_threads": 1, "verbosity": -1, "min_data_in_leaf": 10}
    booster = lgb.train(params, lgb.Dataset(np.hstack([rows, position]), log_level.ravel()), num_boost_round=200)
    window_text = booster.model_to_string()

    calibration = np.ones(n_windows)
    if use_seeds:
        predicted = np.exp(booster.predict(np.hstack([np.repeat(base[group_rows], n_windows, axis=0),
                                                      np.tile(np.arange(n_windows, dtype=np.float64),
                                                              len(group_rows))[:, None]])))
        predicted = predicted.reshape(len(group_rows), n_windows)
        for w in range(n_windows):
            real = np.sqrt(np.mean(deviations[:, window_of_epoch == w] ** 2))
            calibration[w] = real / max(float(np.sqrt(np.mean(predicted[:, w] ** 2))), 1e-12)

    arrays = {
        f"{metric}.noise.sigma": sigma,
        f"{metric}.noise.kde_points": pool.astype(np.float64),
        f"{metric}.noise.kde_chol": chol,
        f"{metric}.noise.kde_clip": clip,
        f"{metric}.noise.window_of_epoch": window_of_epoch.astype(np.int32),
        f"{metric}.noise.window_calibration": calibration,
    }
    meta = {
        "source": external[1] if external is not None
        else "seed spread" if use_seeds else "held-out residuals (validation split)",
        "seed_groups": int(sum(len(g) >= 2 for g in groups)),
        "kde_points": int(n),
        "kde_bandwidth_factor": float(factor),
        "kde_scale": float(scale),
        "kde_clip_sigmas": float(config.kde_clip_sigmas),
        "windows": int(n_windows),
        "window_model": f"models/{metric}/noise_window.txt.zst",
        "window_source": "per-architecture residual level (train+validation)"
        + (", calibrated per window to the seed spread" if use_seeds else ""),
    }
    return arrays, meta, window_text
