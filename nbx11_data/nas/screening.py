"""Evaluate a candidate fully, or screen it first by extrapolating its learning curve (x11's Algorithm 2).

An :class:`Evaluator` with ``mode=None`` trains every candidate to full fidelity. With ``mode="lce"``
(Domhan et al.'s weighted probabilistic model) or ``mode="svr"`` (Baker et al.'s LcSVR) it trains the
candidate for ``settings.first_epochs``, predicts its accuracy at ``settings.target_epoch``, and
continues to full fidelity (charged only for the extra epochs) only when the prediction exceeds the
worst of the top fraction of the history (the target-epoch accuracies of fully trained architectures).
Until the history holds ``settings.population_size`` architectures every candidate is fully trained.
On a budgets pool (``pool.fidelities``) "the first epochs" are the smallest budget's run, paid for also
when the history's architectures are trained in full (each budget is its own run).

Example:
    >>> from nbx11_data.nas.objective import CurvePool, Trial
    >>> from nbx11_data.nas.settings import settings_for
    >>> import numpy as np
    >>> e = np.arange(1, 11)
    >>> val = np.array([90 - k * np.exp(-e / 3) for k in (40, 50)])
    >>> pool = CurvePool(["a", "b"], np.eye(2), val, val, np.ones((2, 10)))
    >>> evaluator = Evaluator(Trial(pool, 100, seed=0), settings_for("toy", 10, budget=100), mode=None)
    >>> round(evaluator.evaluate(0), 2)
    88.57
"""

from __future__ import annotations

import numpy as np

from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.nas.extrapolators import LcSVR, WeightedProbabilisticModel
from nbx11_data.nas.objective import Trial
from nbx11_data.nas.settings import Settings

MODES = (None, "lce", "svr")


class Evaluator:
    """Full training or Algorithm-2 screening of candidates within one :class:`Trial`."""

    def __init__(self, trial: Trial, settings: Settings, mode: str | None) -> None:
        if mode not in MODES:
            raise UnknownNameError("screening mode", mode, [m for m in MODES if m])
        if trial.pool.epochs != settings.epochs:
            raise NBX11Error(f"settings are for {settings.epochs} epochs, the pool has {trial.pool.epochs}")
        self.trial, self.settings, self.mode = trial, settings, mode
        self.partials: list[np.ndarray] = []  # first-epochs curves of fully trained rows
        self.targets: list[float] = []  # their accuracy at the target epoch
        self.rows: list[int] = []
        self.accuracy: dict[int, float] = {}  # final validation accuracy of every fully trained row
        self._fits: dict = {}  # least-squares family fits per partial curve (a repeat skips them)
        self._svr: LcSVR | None = None
        self._svr_size = 0  # history size at the last hyperparameter search

    def evaluate(self, row: int) -> float | None:
        """Final validation accuracy of ``row``, or ``None`` if screening rejected it.

        Raises :class:`~nbx11_data.nas.objective.BudgetExhausted` when the budget cannot pay for it.
        """
        s = self.settings
        if self.mode is None or len(self.targets) < s.population_size:
            return self._full(row)
        partial = self.trial.train(row, s.first_epochs)
        prediction = self._predict(row, partial)
        top = np.sort(self.targets)[-max(1, int(len(self.targets) * self._top_fraction)):]
        self.trial.screened.append((prediction, float(top[0])))
        if prediction > top[0]:
            return self._full(row)
        return None

    @property
    def _top_fraction(self) -> float:
        return self.settings.top_fraction_lce if self.mode == "lce" else self.settings.top_fraction_svr

    def _full(self, row: int) -> float:
        first = self.settings.first_epochs
        if self.mode and self.trial.pool.fidelities is not None and self.trial.trained.get(row, 0) < first:
            self.trial.train(row, first)  # a budgets pool: the history's small-budget result is a run of its own
        curve = self.trial.train(row, self.settings.epochs)
        self.partials.append(curve[: self.settings.first_epochs].copy())
        self.targets.append(float(curve[self.settings.target_epoch - 1]))
        self.rows.append(row)
        self.accuracy[row] = float(curve[-1])
        self._svr = None if self.mode == "svr" else self._svr
        return float(curve[-1])

    def _predict(self, row: int, partial: np.ndarray) -> float:
        s = self.settings
        if self.mode == "lce":
            model = WeightedProbabilisticModel(mcmc_steps=s.mcmc_steps, seed=int(self.trial.rng.integers(2**63)))
            try:
                return 100.0 * model.fit(partial / 100.0, target=s.target_epoch, cache=self._fits).predict(s.target_epoch)
            except NBX11Error:  # no family fits within the prior: assume the curve stays where it is
                return float(partial[-1])
        features = self.trial.pool.arch_features
        if self._svr is None:
            search = self._svr_size == 0 or len(self.targets) >= 2 * self._svr_size
            svr = LcSVR(n_hypers=s.svr_hypers, seed=int(self.trial.rng.integers(2**63)))
            if not search:
                svr.hyper_ = self._hyper
            svr.fit(np.array(self.partials), np.array(self.targets),
                    None if features is None else features[self.rows], search=search)
            if search:
                self._svr_size = len(self.targets)
            self._svr, self._hyper = svr, svr.hyper_
        return float(self._svr.predict(partial[None, :], None if features is None else features[[row]])[0])
