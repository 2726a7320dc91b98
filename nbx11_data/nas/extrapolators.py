"""Learning-curve extrapolators: Domhan et al.'s weighted probabilistic model and Baker et al.'s LcSVR.

* :class:`WeightedProbabilisticModel` (Domhan, Springenberg, Hutter, IJCAI 2015): a weighted
  combination of the 11 parametric curve families of :data:`FAMILIES`, each first fitted by maximum
  likelihood (least squares), then the weights, family parameters and noise level sampled jointly by a
  seeded Metropolis random walk under Domhan's priors (non-negative weights, a curve that ends higher
  than it starts, predictions inside [0, 1]). The prediction is the mean over the chain. The chain starts
  from the families' non-negative least-squares weights on the observed epochs (x11's code starts from
  uniform weights; ``docs/studies/extrapolation_bias.py`` compares the two).
* :class:`LcSVR` (Baker, Gupta, Raskar, Naik, ICLR-W 2018): a nu-SVR on partial-curve features (the
  values, their first and second differences, mean and spread) plus optional architecture features,
  its hyperparameters chosen by a seeded random search with 3-fold cross-validation.

Curves are accuracies as fractions in [0, 1], indexed by epoch 1, 2, ... (epoch ``x`` is the value
after ``x`` epochs).

Example:
    >>> import numpy as np
    >>> x = np.arange(1, 51)
    >>> curve = FAMILIES["pow3"].fn(x, 0.9, 0.5, 0.6)
    >>> model = WeightedProbabilisticModel(seed=0).fit(curve[:15])
    >>> bool(abs(model.predict(50) - curve[-1]) < 0.02)
    True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from nbx11_data.errors import NBX11Error


@dataclass(frozen=True)
class Family:
    """One parametric curve family: ``fn(x, *params)``, Domhan's default start and box bounds."""

    name: str
    fn: Callable[..., np.ndarray]
    start: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    extra_start: tuple[float, ...] | None = None


def _vapor_pressure(x, a, b, c):
    return np.exp(a + b / x + c * np.log(x))


def _pow3(x, c, a, alpha):
    return c - a * x ** (-alpha)


def _log_log_linear(x, a, b):
    return np.log(a * np.log(x) + b)


def _hill3(x, ymax, eta, kappa):
    x_eta = x**eta
    return ymax * x_eta / (kappa**eta + x_eta)


def _log_power(x, a, b, c):
    return a / (1.0 + (x / np.exp(b)) ** c)


def _pow4(x, c, a, b, alpha):
    return c - (a * x + b) ** (-alpha)


def _mmf(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) / (1.0 + (kappa * x) ** delta)


def _exp4(x, c, a, b, alpha):
    return c - np.exp(-a * x**alpha + b)


def _janoschek(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-kappa * x**delta)


def _weibull(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-((kappa * x) ** delta))


def _ilog2(x, c, a):
    return c - a / np.log(x + 1.0)


_INF = np.inf
_MAX_NFEV = 100  # residual evaluations per start (the Jacobian's, one broadcast call each, not counted)
_FD_STEP = float(np.sqrt(np.finfo(np.float64).eps))  # relative forward-difference step, as scipy's '2-point'
# The formulas and default starts of Domhan et al.'s pylearningcurvepredictor (curvefunctions.py);
# bounds keep each family well defined (positive bases of real powers, positive logarithm arguments).
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("vapor_pressure", _vapor_pressure, (-0.622, -0.470, 0.042), (-10, -10, -5), (10, 10, 5)),
        Family("pow3", _pow3, (0.84, 0.52, 0.01), (-_INF, 0, 0), (_INF, _INF, 10)),
        Family("log_log_linear", _log_log_linear, (0.378, 1.1), (0, 1e-6), (_INF, _INF)),
        Family("hill3", _hill3, (0.772, 0.586, 2.461), (0, 0, 1e-6), (_INF, 10, _INF)),
        Family("log_power", _log_power, (0.77, 2.98, -0.51), (-_INF, -10, -10), (_INF, 10, 10)),
        Family("pow4", _pow4, (0.8, 200.0, 0.0, 0.1), (-_INF, 1e-6, 1e-6, 0), (_INF, _INF, _INF, 10),
               extra_start=(0.9, 1.0, 1.0, 0.5)),
        Family("mmf", _mmf, (0.7, 0.1, 0.01, 5.0), (-_INF, -_INF, 1e-6, 0), (_INF, _INF, _INF, 20)),
        Family("exp4", _exp4, (0.7, 0.8, -0.8, 0.3), (-_INF, 0, -20, 0), (_INF, _INF, 20, 5)),
        Family("janoschek", _janoschek, (0.73, 0.07, 0.355, 0.46), (-_INF, -_INF, 0, 0), (_INF, _INF, _INF, 5)),
        Family("weibull", _weibull, (0.7, 0.1, 0.01, 1.0), (-_INF, -_INF, 1e-6, 0), (_INF, _INF, _INF, 10)),
        Family("ilog2", _ilog2, (0.78, 0.43), (-_INF, -_INF), (_INF, _INF)),
    )
}


def fit_family(name: str, y: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
    """Maximum-likelihood (least-squares) parameters of family ``name`` for curve ``y``.

    ``x`` defaults to epochs 1..len(y). Levenberg-Marquardt (MINPACK through :func:`scipy.optimize.leastsq`,
    at most ``_MAX_NFEV`` residual evaluations per start) with a forward-difference Jacobian (scipy's
    ``2-point`` steps) computed in one vectorised evaluation of the family; from Domhan's default start and, where the first
    parameter is the asymptote, from a start scaled to the curve's last value; the lower squared error
    wins. Example:

        >>> x = np.arange(1.0, 31.0)
        >>> np.round(fit_family("ilog2", FAMILIES["ilog2"].fn(x, 0.9, 0.3)), 3)
        array([0.9, 0.3])
    """
    from scipy.optimize import leastsq

    family = _family(name)
    y = np.asarray(y, dtype=np.float64)
    x = np.arange(1.0, len(y) + 1.0) if x is None else np.asarray(x, dtype=np.float64)
    lower, upper = np.array(family.lower, float), np.array(family.upper, float)
    fn = family.fn

    def residuals(points):
        # MINPACK's Levenberg-Marquardt is unbounded: evaluate at the nearest point inside the box and add
        # the distance outside it as extra residuals, which pulls the solution back inside. ``points`` is
        # (m, k): m parameter vectors evaluated in one broadcast call -> (m, n + k).
        inside = np.minimum(np.maximum(points, lower), upper)
        r = fn(x[None, :], *inside.T[:, :, None]) - y
        r[~np.isfinite(r)] = 1e3
        return np.hstack([r, 10.0 * (points - inside)])

    def jacobian(p):
        # forward differences with scipy's "2-point" steps (sqrt(eps) * max(1, |p_j|), sign of p_j), all k
        # columns from one broadcast evaluation instead of k calls
        step = _FD_STEP * np.where(p >= 0, 1.0, -1.0) * np.maximum(1.0, np.abs(p))
        step = (p + step) - p
        values = residuals(np.vstack([p, p + np.diag(step)]))
        return ((values[1:] - values[0]) / step[:, None]).T

    best, best_cost = None, np.inf
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in _starts(family, y):
            start = np.clip(start, np.nextafter(lower, upper) + 1e-9, np.nextafter(upper, lower) - 1e-9)
            try:
                solution = leastsq(lambda p: residuals(p[None, :])[0], start, Dfun=jacobian, maxfev=_MAX_NFEV,
                                   xtol=1e-10, ftol=1e-10)[0]
            except (ValueError, FloatingPointError, TypeError):
                continue
            params = np.clip(solution, lower, upper)
            cost = float(np.sum((fn(x, *params) - y) ** 2))
            if np.isfinite(cost) and cost < best_cost:
                best, best_cost = params, cost
    if best is None:
        raise NBX11Error(f"family {name}: the least-squares fit failed from every start")
    return best


def _starts(family: Family, y: np.ndarray) -> list[np.ndarray]:
    """Domhan's default start, plus (where the first parameter is the asymptote) one near the curve's end."""
    default = np.array(family.start, float)
    if family.name in ("vapor_pressure", "log_log_linear"):
        return [default]
    scaled = default.copy()
    scaled[0] = float(y[-1]) + 0.05
    starts = [default, scaled]
    if family.extra_start is not None:
        starts.append(np.array(family.extra_start, float))
    return starts


def _family(name: str) -> Family:
    if name not in FAMILIES:
        from nbx11_data.errors import UnknownNameError

        raise UnknownNameError("curve family", name, FAMILIES)
    return FAMILIES[name]


class WeightedProbabilisticModel:
    """Domhan et al.'s weighted combination of parametric families, sampled by seeded Metropolis.

    ``mcmc_steps`` is the chain length (NAS-Bench-x11's runs use 10 steps started at the maximum-
    likelihood fits; Domhan et al. used far longer chains), ``proposal_scale`` the standard deviation of
    the Gaussian random-walk step on every coordinate (weights, parameters, log noise).
    """

    def __init__(self, families=tuple(FAMILIES), mcmc_steps: int = 200, proposal_scale: float = 1e-3,
                 seed: int = 0) -> None:
        for name in families:
            _family(name)
        if mcmc_steps < 1:
            raise NBX11Error(f"mcmc_steps must be at least 1, got {mcmc_steps}")
        self.families = tuple(families)
        self.mcmc_steps = int(mcmc_steps)
        self.proposal_scale = float(proposal_scale)
        self.seed = seed

    def fit(self, y, target: float | None = None, cache: dict | None = None) -> "WeightedProbabilisticModel":
        """Fit to partial curve ``y`` (epochs 1..len(y)); ``target`` (default 2*len(y)) bounds the prior.

        ``cache``: a dict that keeps the maximum-likelihood family fits per curve, so a curve seen again
        (the same architecture screened twice) skips the least-squares fits; the chain is still drawn.
        """
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1 or len(y) < 3 or not np.all(np.isfinite(y)):
            raise NBX11Error(f"a partial curve needs at least 3 finite values, got {y!r}")
        self._x = np.arange(1.0, len(y) + 1.0)
        self._y = y
        self._target = float(target if target is not None else 2 * len(y))
        fitted, params = [], []
        ends_x = np.array([1.0, self._target])
        for name, p in self._mle(y, cache):
            with np.errstate(all="ignore"):
                ends = FAMILIES[name].fn(ends_x, *p)
            if np.all(np.isfinite(ends)) and ends[0] <= ends[1] <= 1.0:  # Domhan's prior, per family
                fitted.append(name)
                params.append(p)
        if not fitted:
            raise NBX11Error("no curve family fits the partial curve within the prior (increasing, at most 1)")
        self._names = fitted
        self._sizes = [len(p) for p in params]
        self._eval_x = np.concatenate([ends_x, self._x])
        weights = self._initial_weights(params)
        residual = self._combined(self._x, params, weights) - y
        log_sigma = 0.5 * np.log(max(float(np.mean(residual**2)), 1e-8))
        state = np.concatenate([np.concatenate(params), weights, [log_sigma]])
        self.samples_ = self._metropolis(state)
        return self

    def _mle(self, y: np.ndarray, cache: dict | None) -> list[tuple[str, np.ndarray]]:
        """(family, least-squares parameters) of every family whose fit succeeds, from ``cache`` if there."""
        key = (self.families, y.tobytes())
        if cache is not None and key in cache:
            return cache[key]
        fits = []
        for name in self.families:
            try:
                fits.append((name, fit_family(name, y, self._x)))
            except NBX11Error:
                continue
        if cache is not None:
            cache[key] = fits
        return fits

    def _initial_weights(self, params) -> np.ndarray:
        """Non-negative least-squares weights of the fitted families on the observed curve, summing to 1."""
        from scipy.optimize import nnls

        basis = np.column_stack([FAMILIES[n].fn(self._x, *p) for n, p in zip(self._names, params)])
        weights, _ = nnls(basis, self._y)
        if weights.sum() <= 0:
            return np.full(len(params), 1.0 / len(params))
        return weights / weights.sum()

    def predict(self, x) -> np.ndarray | float:
        """Mean over the chain of the combined curve at epoch(s) ``x``."""
        xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
        total = np.zeros(len(xs))
        for state in self.samples_:
            params, weights, _ = self._unpack(state)
            total += self._combined(xs, params, weights)
        out = total / len(self.samples_)
        return float(out[0]) if np.ndim(x) == 0 else out

    def _unpack(self, state):
        params, pos = [], 0
        for size in self._sizes:
            params.append(state[pos:pos + size])
            pos += size
        return params, state[pos:pos + len(self._sizes)], state[-1]

    def _combined(self, x, params, weights):
        total = np.zeros(len(x))
        with np.errstate(all="ignore"):
            for name, p, w in zip(self._names, params, weights):
                total += w * FAMILIES[name].fn(x, *p)
        return total

    def _log_posterior(self, state) -> float:
        params, weights, log_sigma = self._unpack(state)
        if np.any(weights < 0) or not -12 < log_sigma < 2:
            return -np.inf
        for name, p in zip(self._names, params):
            family = FAMILIES[name]
            if np.any(p < family.lower) or np.any(p > family.upper):
                return -np.inf
        values = self._combined(self._eval_x, params, weights)
        if not np.all(np.isfinite(values)):
            return -np.inf
        start, end, residual = values[0], values[1], values[2:] - self._y
        if not (start <= end and 0.0 <= end <= 1.0):
            return -np.inf
        return float(-0.5 * np.sum(residual**2) * np.exp(-2 * log_sigma) - len(residual) * log_sigma)

    def _metropolis(self, state) -> np.ndarray:
        rng = np.random.Generator(np.random.PCG64(self.seed))
        current = self._log_posterior(state)
        if not np.isfinite(current):  # the MLE start breaks a prior: keep it as the only sample
            return state[None, :]
        chain = np.empty((self.mcmc_steps, len(state)))
        for step in range(self.mcmc_steps):
            chain[step] = state
            proposal = state + rng.normal(0.0, self.proposal_scale, size=len(state))
            candidate = self._log_posterior(proposal)
            if np.log(rng.random()) < candidate - current:
                state, current = proposal, candidate
        return chain


class LcSVR:
    """Baker et al.'s learning-curve nu-SVR, hyperparameters from a seeded random search.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> finals = rng.uniform(0.6, 0.95, 60)
        >>> curves = finals[:, None] * (1 - np.exp(-np.arange(1, 11) / 4.0))
        >>> model = LcSVR(n_hypers=20, seed=0).fit(curves, finals)
        >>> float(np.abs(model.predict(curves) - finals).mean()) < 0.03
        True
    """

    def __init__(self, n_hypers: int = 100, seed: int = 0) -> None:
        if n_hypers < 1:
            raise NBX11Error(f"n_hypers must be at least 1, got {n_hypers}")
        self.n_hypers = int(n_hypers)
        self.seed = seed
        self.hyper_ = None

    @staticmethod
    def features(curves, arch_features=None) -> np.ndarray:
        """[values, first differences, second differences, mean, std] of each curve, plus ``arch_features``."""
        vc = np.atleast_2d(np.asarray(curves, dtype=np.float64))
        dvc = np.diff(vc, n=1, axis=1)
        ddvc = np.diff(dvc, n=1, axis=1)
        parts = [vc, dvc, ddvc, vc.mean(axis=1, keepdims=True), vc.std(axis=1, keepdims=True)]
        if arch_features is not None:
            parts.insert(0, np.atleast_2d(np.asarray(arch_features, dtype=np.float64)))
        return np.hstack(parts)

    def fit(self, curves, targets, arch_features=None, search: bool = True) -> "LcSVR":
        """Fit on partial ``curves`` (n, k) -> ``targets`` (n,); ``search=False`` reuses the last hyperparameters."""
        from sklearn.model_selection import KFold, cross_val_score

        x = self.features(curves, arch_features)
        y = np.asarray(targets, dtype=np.float64)
        if len(y) < 3:
            raise NBX11Error(f"LcSVR needs at least 3 training curves, got {len(y)}")
        if search or self.hyper_ is None:
            rng = np.random.Generator(np.random.PCG64(self.seed))
            hypers = np.column_stack([
                np.exp(rng.uniform(np.log(1e-5), np.log(10), self.n_hypers)),  # C
                rng.uniform(0.01, 1.0, self.n_hypers),  # nu
                np.exp(rng.uniform(np.log(1e-5), np.log(10), self.n_hypers)),  # gamma
            ])
            folds = KFold(n_splits=3, shuffle=True, random_state=int(rng.integers(2**31)))
            scores = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for c, nu, gamma in hypers:
                    score = cross_val_score(self._model(c, nu, gamma), x, y, cv=folds).mean()
                    scores.append(score if np.isfinite(score) else -np.inf)
            self.hyper_ = tuple(hypers[int(np.argmax(scores))])
        self.model_ = self._model(*self.hyper_).fit(x, y)
        return self

    def predict(self, curves, arch_features=None) -> np.ndarray:
        """Predicted targets of partial ``curves``."""
        return self.model_.predict(self.features(curves, arch_features))

    @staticmethod
    def _model(c, nu, gamma):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import NuSVR

        return make_pipeline(StandardScaler(), NuSVR(C=c, nu=nu, gamma=gamma, kernel="rbf"))
