"""Fit one metric's curve model: SVD of the centred curves, chained LightGBM ensemble, k on validation.

x11 v0.5's model with its bugs fixed: the curves are centred before the SVD (the mean is added
back on decoding), the number of components ``k`` is chosen on the validation split, every
booster stops early on the validation split, and the ``members`` really differ (each sees its
own bootstrap sample and its own LightGBM seed; x11's members were identical).

Example:
    >>> fitted = fit_curve_model(X_train, Y_train, X_val, Y_val, FitConfig(members=2))  # doctest: +SKIP
    >>> fitted.k, len(fitted.models), len(fitted.models[0])  # doctest: +SKIP
    (4, 2, 4)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from nbx11_data.surrogate._lightgbm import lightgbm

DEFAULT_LGB = {
    "objective": "regression",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 5,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
}


@dataclass
class FitConfig:
    """Hyperparameters of one checkpoint's curve models and noise models (all recorded in it)."""

    members: int = 5
    max_components: int = 8
    seed: int = 0
    bootstrap: bool = True
    num_boost_round: int = 2000
    early_stopping_rounds: int = 50
    lgb_params: dict = field(default_factory=lambda: dict(DEFAULT_LGB))
    n_windows: int = 5  # sliding-window noise model: windows over the epoch axis
    kde_clip_sigmas: float = 3.0  # KDE noise clipped to +- this many per-epoch sigmas (x11: +-3 absolute)
    kde_scale: float | None = None  # None: match the residual variance (x11: 0.5)
    min_seed_groups: int = 5  # fewer multi-seed architectures than this: noise from residuals only
    noise_default: str = "kde"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class FittedCurveModel:
    """The parts of one metric's model that go into a checkpoint, plus validation figures."""

    k: int
    mean: np.ndarray
    s: np.ndarray  # (k,)
    vt: np.ndarray  # (k, E)
    scaler_mean: np.ndarray
    scaler_std: np.ndarray
    models: list  # [member][component] LightGBM model text
    best_iterations: list
    val_rmse_by_k: list

    @property
    def basis(self) -> np.ndarray:
        return self.s[:, None] * self.vt

    def project(self, curves: np.ndarray) -> np.ndarray:
        """The denoised curves: projection onto the mean + first k singular vectors."""
        centred = curves - self.mean
        return self.mean + (centred @ self.vt.T) @ self.vt


def _params(config: FitConfig, member: int) -> dict:
    return {
        **config.lgb_params,
        "seed": config.seed * 1000 + member,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": 1,
        "verbosity": -1,
    }


def fit_curve_model(X_train, Y_train, X_val, Y_val, config: FitConfig) -> FittedCurveModel:
    """Fit the chained ensemble on (X_train, Y_train), stop early and choose k on (X_val, Y_val)."""
    lgb = lightgbm()
    mean = Y_train.mean(axis=0)
    u, s, vt = np.linalg.svd(Y_train - mean, full_matrices=False)
    rank = int((s > s[0] * 1e-9).sum()) if s[0] > 0 else 1
    kmax = max(1, min(config.max_components, rank, len(X_train) - 1))
    targets = u[:, :kmax]
    val_targets = (Y_val - mean) @ vt[:kmax].T / s[:kmax]
    scaler_mean, scaler_std = targets.mean(axis=0), targets.std(axis=0)
    scaler_std[scaler_std == 0] = 1.0
    z_train = (targets - scaler_mean) / scaler_std
    z_val = (val_targets - scaler_mean) / scaler_std

    models, best, val_sum = [], [], np.zeros((len(X_val), kmax))
    for member in range(config.members):
        rows = np.arange(len(X_train))
        if config.bootstrap:
            rows = np.random.Generator(np.random.PCG64([config.seed, member])).integers(0, len(X_train), len(X_train))
        chain_train, chain_val = np.hstack([X_train, np.zeros((len(X_train), kmax))]), np.hstack(
            [X_val, np.zeros((len(X_val), kmax))])
        d = X_train.shape[1]
        member_models, member_best = [], []
        for j in range(kmax):
            train_set = lgb.Dataset(chain_train[rows, : d + j], z_train[rows, j], free_raw_data=True)
            val_set = lgb.Dataset(chain_val[:, : d + j], z_val[:, j], reference=train_set)
            booster = lgb.train(_params(config, member), train_set, num_boost_round=config.num_boost_round,
                                valid_sets=[val_set],
                                callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)])
            iterations = booster.best_iteration or booster.current_iteration()
            member_models.append(booster.model_to_string(num_iteration=iterations))
            member_best.append(int(iterations))
            chain_train[:, d + j] = booster.predict(chain_train[:, : d + j], num_iteration=iterations)
            chain_val[:, d + j] = booster.predict(chain_val[:, : d + j], num_iteration=iterations)
        models.append(member_models)
        best.append(member_best)
        val_sum += chain_val[:, d:]

    val_components = val_sum / config.members
    rmse = []
    for k in range(1, kmax + 1):
        decoded = mean + (val_components[:, :k] * scaler_std[:k] + scaler_mean[:k]) @ (s[:k, None] * vt[:k])
        rmse.append(float(np.sqrt(np.mean((decoded - Y_val) ** 2))))
    k = int(np.argmin(rmse)) + 1
    return FittedCurveModel(
        k=k, mean=mean, s=s[:k].copy(), vt=vt[:k].copy(), scaler_mean=scaler_mean[:k], scaler_std=scaler_std[:k],
        models=[m[:k] for m in models], best_iterations=[b[:k] for b in best], val_rmse_by_k=rmse,
    )
