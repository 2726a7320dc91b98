"""The NAS optimizers of NAS-Bench-x11, on a :class:`~nbx11_data.nas.objective.CurvePool`.

Names (:data:`OPTIMIZERS`): ``rs`` random search, ``re`` regularized evolution, ``ls`` local search,
``bananas`` (ensemble of MLPs on the encoding, independent Thompson sampling, candidates by mutation),
their ``*_lce`` (weighted probabilistic model) and ``*_svr`` (LcSVR) screened variants, ``hb`` Hyperband
and ``bohb`` (Hyperband with a TPE model per budget; both restart at each rung, as in the paper's code).
On a budgets pool (NB201: results at the 12- and 200-epoch budgets, no per-epoch curves) Hyperband and
BOHB take those budgets as their rungs (as NATS-Bench's multi-fidelity setting does), ``*_svr`` screens a
candidate on its 12-epoch result, and ``*_lce``, which extrapolates per-epoch curves, refuses.
Every optimizer runs until its next training would overrun the simulated budget. Where the algorithm
knows several candidates at once (an initial population, a local-search neighbourhood, a BANANAS batch, a
Hyperband rung) it asks the pool for their curves in one batch (:meth:`CurvePool.ensure`), which a
reader-backed pool answers with one table/fallback request.

Example:
    >>> from nbx11_data.nas import synthetic
    >>> from nbx11_data.nas.settings import settings_for
    >>> pool = synthetic.nb201_subspace_pool(seed=0)
    >>> trial = run("re", pool, settings_for("toy", pool.epochs, budget=2e5), seed=1)
    >>> trial.elapsed <= 2e5
    True
"""

from __future__ import annotations

import math
import warnings
from collections import deque

import numpy as np

from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.nas.objective import BudgetExhausted, CurvePool, Trial
from nbx11_data.nas.screening import Evaluator
from nbx11_data.nas.settings import Settings

OPTIMIZERS = ("rs", "re", "re_lce", "re_svr", "ls", "ls_lce", "ls_svr",
              "bananas", "bananas_lce", "bananas_svr", "hb", "bohb")


def run(name: str, pool: CurvePool, settings: Settings, seed) -> Trial:
    """Run optimizer ``name`` once; the returned :class:`Trial` holds the incumbent trajectory."""
    check(name, pool)
    trial = Trial(pool, settings.budget, seed)
    base, _, mode = name.partition("_")
    try:
        if base in ("hb", "bohb"):
            _hyperband(trial, settings, model=base == "bohb")
        else:
            evaluator = Evaluator(trial, settings, mode or None)
            {"rs": _random_search, "re": _evolution, "ls": _local_search, "bananas": _bananas}[base](
                trial, settings, evaluator)
    except BudgetExhausted:
        pass
    return trial


def check(name: str, pool) -> None:
    """Refuse an optimizer that needs what ``pool`` (a pool or a table source) does not hold: per-epoch curves,
    where it holds one result per budget."""
    if name not in OPTIMIZERS:
        raise UnknownNameError("optimizer", name, OPTIMIZERS)
    if name.endswith("_lce") and getattr(pool, "fidelities", None) is not None:
        budgets = " and ".join(f"{b}" for b in pool.fidelities)
        raise NBX11Error(
            f"{name} extrapolates per-epoch learning curves, but {pool.name} holds one result per training budget"
            f" ({budgets} epochs, each its own run) and no per-epoch curves for most cells; use"
            f" {', '.join(o for o in OPTIMIZERS if not o.endswith('_lce'))} (hb and bohb take the budgets as"
            " fidelities, *_svr screens on the smallest budget's result)")


def _random_search(trial: Trial, settings: Settings, evaluator: Evaluator) -> None:
    while True:
        evaluator.evaluate(trial.pool.sample(trial.rng))


def _evolution(trial: Trial, settings: Settings, evaluator: Evaluator) -> None:
    """Regularized evolution (Real et al. 2019): tournament of ``sample_size``, age-based removal."""
    population: deque[tuple[int, float]] = deque(maxlen=settings.population_size)
    first = [trial.pool.sample(trial.rng) for _ in range(settings.population_size)]
    trial.pool.ensure(first)
    for row in first:
        population.append((row, evaluator.evaluate(row)))
    while True:
        picks = trial.rng.integers(len(population), size=settings.sample_size)
        parent = max((population[i] for i in picks), key=lambda item: item[1])[0]
        child = trial.pool.mutate(parent, trial.rng)
        accuracy = evaluator.evaluate(child)
        if accuracy is not None:
            population.append((child, accuracy))


def _local_search(trial: Trial, settings: Settings, evaluator: Evaluator) -> None:
    """First-improvement local search over pool neighbours, restarting at random from local optima."""
    seen = evaluator.accuracy
    rows = [trial.pool.sample(trial.rng) for _ in range(settings.num_init)]
    trial.pool.ensure(rows)
    for row in rows:
        evaluator.evaluate(row)
    current = max(rows, key=lambda r: seen[r])
    while True:
        neighbours = [int(n) for n in trial.rng.permutation(trial.pool.neighbours(current)) if n not in seen]
        trial.pool.ensure(neighbours)
        improved = False
        for row in neighbours:
            accuracy = evaluator.evaluate(row)
            if accuracy is not None and accuracy > seen[current]:
                current, improved = row, True
                break
        if not improved:  # a local optimum (among what screening let through): restart at random
            current = trial.pool.sample(trial.rng)
            if evaluator.evaluate(current) is None:
                current = max(seen, key=seen.get)


def _bananas(trial: Trial, settings: Settings, evaluator: Evaluator) -> None:
    """BANANAS (White et al. 2021) with an MLP ensemble, ITS acquisition and mutation candidates."""
    pool, rng, seen = trial.pool, trial.rng, evaluator.accuracy
    first = [pool.sample(rng) for _ in range(settings.num_init)]
    pool.ensure(first)
    for row in first:
        evaluator.evaluate(row)
    tried: set[int] = set()
    while True:
        rows = list(seen)
        mean, std = _ensemble(pool.encode(rows), np.array([seen[r] for r in rows]), settings, rng)
        best = sorted(rows, key=seen.get, reverse=True)[: settings.num_arches_to_mutate]
        candidates = set()
        for _ in range(settings.num_candidates * 3):
            child = pool.mutate(best[rng.integers(len(best))], rng)
            for _ in range(rng.integers(0, 2)):  # one or two mutations
                child = pool.mutate(child, rng)
            if child not in seen and child not in tried:
                candidates.add(child)
            if len(candidates) >= settings.num_candidates:
                break
        if not candidates:
            candidates = {pool.sample(rng)}
        candidates = sorted(candidates)
        encoded = pool.encode(candidates)
        mu, sigma = mean(encoded), std(encoded)
        score = rng.normal(mu, sigma)  # independent Thompson sampling
        batch = [candidates[i] for i in np.argsort(-score)[: settings.batch_size]]
        pool.ensure(batch)
        for row in batch:
            tried.add(row)
            evaluator.evaluate(row)


def _ensemble(x, y, settings: Settings, rng: np.random.Generator):
    """Fit ``num_ensemble`` small MLPs; return (mean, std) predictors."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    center, scale = y.mean(), y.std() + 1e-9
    models = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(settings.num_ensemble):
            model = MLPRegressor(hidden_layer_sizes=(32, 32), learning_rate_init=0.01, max_iter=200,
                                 random_state=int(rng.integers(2**31)))
            models.append(model.fit(x, (y - center) / scale))

    def predictions(z):
        return np.stack([m.predict(z) for m in models]) * scale + center

    return (lambda z: predictions(z).mean(axis=0)), (lambda z: predictions(z).std(axis=0) + 1e-9)


def _hyperband(trial: Trial, settings: Settings, model: bool) -> None:
    """Hyperband brackets, repeated until the budget ends; BOHB samples from per-budget KDEs."""
    eta, min_epochs = (settings.bohb_eta, settings.bohb_min_epochs) if model else (settings.hb_eta, settings.hb_min_epochs)
    E, eps = settings.epochs, 1e-6
    s_max = math.floor(math.log(E / min_epochs, eta) + eps)
    fidelities = trial.pool.fidelities
    if fidelities is not None:  # the budgets are the rungs; eta is their ratio (one step per budget)
        s_max = len(fidelities) - 1
        eta = (fidelities[-1] / fidelities[0]) ** (1 / s_max) if s_max else eta
    observations: dict[int, list[tuple[int, float]]] = {}
    while True:
        for s in range(s_max, -1, -1):
            n = math.ceil((s_max + 1) * eta**s / (s + 1) - eps)
            r = E / eta**s
            configs = [(_bohb_sample(trial, settings, observations) if model else trial.pool.sample(trial.rng))
                       for _ in range(n)]
            trial.pool.ensure(configs)
            for i in range(s + 1):
                epochs = min(math.floor(r * eta**i + eps), E) if fidelities is None else E - s + i
                scored = []
                for row in configs:
                    accuracy = float(trial.train(row, epochs, restart=True)[-1])
                    observations.setdefault(epochs, []).append((row, accuracy))
                    scored.append((accuracy, row))
                keep = math.floor(n / eta ** (i + 1) + eps)
                configs = [row for _, row in sorted(scored, key=lambda t: -t[0])[:keep]]


def _bohb_sample(trial: Trial, settings: Settings, observations) -> int:
    """BOHB's proposal (Falkner et al. 2018): random 1/3 of the time or without a model, else TPE."""
    pool, rng = trial.pool, trial.rng
    codes = pool.codes
    d = codes.shape[1]
    min_points = d + 1
    budgets = [b for b in sorted(observations, reverse=True) if len(observations[b]) >= min_points + 2]
    if not budgets or rng.random() < 1 / 3:
        return pool.sample(rng)
    data = observations[budgets[0]]
    order = sorted(data, key=lambda t: -t[1])
    n_good = max(min_points, int(settings.bohb_top_fraction * len(order)))
    n_bad = max(min_points, len(order) - n_good)
    good = codes[[row for row, _ in order[:n_good]]]
    bad = codes[[row for row, _ in order[-n_bad:]]]
    levels = codes.max(axis=0) + 1
    bw_good, bw_bad = _bandwidth(good, levels), _bandwidth(bad, levels)
    wide = np.minimum(np.maximum(bw_good * 3.0, 1e-3), (levels - 1) / np.maximum(levels, 1))
    best, best_score = None, -np.inf
    for _ in range(64):
        centre = good[rng.integers(len(good))]
        vector = np.where(rng.random(d) < 1 - wide, centre, np.floor(rng.random(d) * levels).astype(centre.dtype))
        score = _log_kde(vector, good, bw_good, levels) - _log_kde(vector, bad, bw_bad, levels)
        if score > best_score:
            best, best_score = vector, score
    return pool.nearest(best)


def _bandwidth(data: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Normal-reference bandwidth per dimension (as statsmodels), clipped to a valid Aitchison-Aitken range."""
    n, d = data.shape
    bw = 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + d))
    return np.clip(bw, 1e-3, (levels - 1) / np.maximum(levels, 1) + 1e-12)


def _log_kde(vector: np.ndarray, data: np.ndarray, bw: np.ndarray, levels: np.ndarray) -> float:
    """Log density of an Aitchison-Aitken product-kernel KDE at ``vector``."""
    same = data == vector
    other = np.where(levels > 1, bw / np.maximum(levels - 1, 1), 1.0)
    log_k = np.where(same, np.log1p(-bw), np.log(other))
    per_point = log_k.sum(axis=1)
    top = per_point.max()
    return float(top + np.log(np.exp(per_point - top).mean()))
