"""The objective NAS optimizers search: a pool of architectures with full learning curves, and a clock.

:class:`CurvePool` holds, for ``n`` architectures, validation and test accuracy curves (percent) and the
runtime of every epoch (seconds) on one epoch axis, plus the encoding the search space gives them. A
*budgets* pool (``fidelities``, e.g. NB201's ``(12, 200)``) instead holds one column per training budget:
each column is the final result of its own run (its own learning-rate schedule), and the runtime column is
what that whole run costs; training at a budget is one run, never a continuation of a shorter one. Test
values may be NaN (not known; nb201 has 200-epoch test results for 3 cells only).
Optimizers address architectures by their row in the pool and move between rows with
:meth:`CurvePool.sample`, :meth:`~CurvePool.mutate` and :meth:`~CurvePool.neighbours` (here: the pool
members at the smallest Hamming distance in the encoding, one changed op in an enumerated space, so the
search stays inside the pool). A subclass may add rows as the search moves (see
:class:`nbx11_data.nas.adapter.ReaderPool`) and fetch their curves lazily: code reads a row's curves only
after :meth:`~CurvePool.ensure` (which :class:`Trial` calls), and asks for a batch where it can.

:class:`Trial` is one search run's simulated clock: :meth:`Trial.train` charges the runtime of each
epoch trained (continuing from an earlier fidelity charges only the new epochs unless ``restart``; repeating a
training charges it again, as in the paper's code), refuses
any training that would overrun the budget by raising :class:`BudgetExhausted`, and records the incumbent
(the best validation accuracy among architectures trained to full fidelity) over simulated time.

Example:
    >>> import numpy as np
    >>> epochs = np.arange(1, 11)
    >>> val = np.array([80 - 40 * np.exp(-epochs / 3), 90 - 50 * np.exp(-epochs / 3)])
    >>> pool = CurvePool(["a", "b"], np.eye(2, dtype=np.float32), val, val - 1, np.full((2, 10), 5.0))
    >>> trial = Trial(pool, budget=150.0, seed=0)
    >>> round(float(trial.train(1, 10)[-1]), 2)
    88.22
    >>> trial.elapsed, trial.incumbent
    (50.0, 1)
"""

from __future__ import annotations

import numpy as np

from nbx11_data.errors import NBX11Error


class BudgetExhausted(NBX11Error):
    """Training further would exceed the trial's simulated time budget."""


class CurvePool:
    """Architectures (rows) with validation/test curves (n, E) in percent and epoch runtimes (n, E) in s."""

    def __init__(self, archs, encodings, val, test, epoch_seconds, name: str = "pool",
                 arch_features=None, fidelities=None) -> None:
        self.archs = list(archs)
        self.encodings = np.asarray(encodings)
        self.val = np.asarray(val, dtype=np.float64)
        self.test = np.asarray(test, dtype=np.float64)
        self.epoch_seconds = np.asarray(epoch_seconds, dtype=np.float64)
        self.name = name
        self.source = name  # where the curves come from, for results' metadata
        self.arch_features = None if arch_features is None else np.asarray(arch_features, np.float64)
        self.fidelities = None if fidelities is None else tuple(int(f) for f in fidelities)
        self.optimum_known = True  # the pool is the whole space: regret is against the space's optimum
        self.error_unit = "%"  # unit of 100 - val (validation error; for a score of 100 - loss: the loss)
        n = len(self.archs)
        if n < 2:
            raise NBX11Error(f"{name}: a pool needs at least 2 architectures, got {n}")
        shapes = {self.val.shape, self.test.shape, self.epoch_seconds.shape}
        if len(shapes) != 1 or self.val.ndim != 2 or self.val.shape[0] != n or len(self.encodings) != n:
            raise NBX11Error(
                f"{name}: val, test and epoch_seconds must all be (n_archs={n}, epochs) and encodings have"
                f" n rows; got {self.val.shape}, {self.test.shape}, {self.epoch_seconds.shape},"
                f" {self.encodings.shape}"
            )
        if not np.all(np.isfinite(self.val)):
            raise NBX11Error(f"{name}: validation curves must be complete (no NaN)")
        if self.fidelities is not None and len(self.fidelities) != self.val.shape[1]:
            raise NBX11Error(f"{name}: {len(self.fidelities)} fidelities for {self.val.shape[1]} value columns")
        if not np.all(self.epoch_seconds > 0):
            raise NBX11Error(f"{name}: every epoch must have a positive runtime")
        self.epochs = self.val.shape[1]
        self.best_val = float(self.val[:, -1].max())
        self.best_test = float(np.nanmax(self.test[:, -1])) if np.isfinite(self.test[:, -1]).any() else np.nan
        self.best_index = int(np.argmax(self.val[:, -1]))
        self._codes = _categorical_codes(self.encodings)
        self._neighbours: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.archs)

    def ensure(self, rows) -> None:
        """Make the curves of ``rows`` readable (all are, in this in-memory pool)."""

    def encode(self, rows) -> np.ndarray:
        """Encodings of ``rows`` (n, d)."""
        return self.encodings[np.asarray(rows, dtype=np.int64)]

    @property
    def codes(self) -> np.ndarray:
        """The encoding as integer category codes per column (n, d), e.g. for BOHB's KDE."""
        return self._codes

    def sample(self, rng: np.random.Generator) -> int:
        """A uniformly random row."""
        return int(rng.integers(len(self)))

    def neighbours(self, index: int) -> np.ndarray:
        """Rows at the smallest positive Hamming distance from ``index`` in the encoding (sorted)."""
        if index not in self._neighbours:
            distance = np.count_nonzero(self._codes != self._codes[index], axis=1)
            distance[index] = np.iinfo(distance.dtype).max
            self._neighbours[index] = np.flatnonzero(distance == distance.min())
        return self._neighbours[index]

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        """A random neighbour of ``index``."""
        candidates = self.neighbours(index)
        return int(candidates[rng.integers(len(candidates))])

    def nearest(self, codes: np.ndarray) -> int:
        """The row whose category codes are nearest (Hamming) to ``codes``; ties go to the lowest row."""
        return int(np.argmin(np.count_nonzero(self._codes != codes, axis=1)))


def _categorical_codes(encodings: np.ndarray) -> np.ndarray:
    """Each encoding column's values replaced by their rank among that column's distinct values."""
    columns = [np.unique(column, return_inverse=True)[1] for column in np.asarray(encodings).T]
    return np.column_stack(columns).astype(np.int32) if columns else np.zeros((len(encodings), 0), np.int32)


class Trial:
    """One search run: a simulated clock over ``pool`` with a hard ``budget`` (seconds) and its RNG."""

    def __init__(self, pool: CurvePool, budget: float, seed) -> None:
        if not budget > 0:
            raise NBX11Error(f"the simulated budget must be positive, got {budget}")
        self.pool = pool
        self.budget = float(budget)
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        self.elapsed = 0.0
        self.trained: dict[int, int] = {}  # row -> epochs trained so far
        self.incumbent: int | None = None
        self.trajectory: list[tuple[float, int]] = []  # (simulated time, incumbent row) at each change
        self.n_trainings = 0
        self.screened: list[tuple[float, float]] = []  # (prediction, threshold) per candidate screened (x11 Alg. 2)

    def cost(self, index: int, epochs: int, restart: bool = False) -> float:
        """Seconds that :meth:`train` would charge: only the new epochs when continuing a shorter training;
        from scratch when ``restart`` or when the row is already trained that far (a repeat is a new run).
        In a budgets pool ``epochs`` is the budget's position (1-based) and a run costs its own runtime."""
        self.pool.ensure([index])
        if self.pool.fidelities is not None:
            return float(self.pool.epoch_seconds[index, epochs - 1])
        done = self.trained.get(index, 0)
        start = done if not restart and done < epochs else 0
        return float(self.pool.epoch_seconds[index, start:epochs].sum())

    def train(self, index: int, epochs: int, restart: bool = False) -> np.ndarray:
        """Train row ``index`` to ``epochs``; return its validation curve for epochs 1..``epochs``."""
        if not 1 <= epochs <= self.pool.epochs:
            raise NBX11Error(f"epochs must be in 1..{self.pool.epochs}, got {epochs}")
        charge = self.cost(index, epochs, restart)
        if self.elapsed + charge > self.budget:
            raise BudgetExhausted(f"training row {index} to {epochs} epochs needs {charge:.0f} s more than left")
        self.elapsed += charge
        self.trained[index] = max(self.trained.get(index, 0), epochs)
        self.n_trainings += 1
        if epochs == self.pool.epochs:
            best = self.incumbent
            if best is None or self.pool.val[index, -1] > self.pool.val[best, -1]:
                self.incumbent = index
                self.trajectory.append((self.elapsed, index))
        return self.pool.val[index, :epochs]

    def results(self) -> dict[str, np.ndarray]:
        """The incumbent trajectory: time, row, val/test values and regret (the table's units), and the
        errors ``100 - value`` (validation error in %, or the loss where the value is 100 - loss)."""
        rows = np.array([row for _, row in self.trajectory], dtype=np.int64)
        val = self.pool.val[rows, -1] if len(rows) else np.empty(0)
        test = self.pool.test[rows, -1] if len(rows) else np.empty(0)
        return {
            "time": np.array([t for t, _ in self.trajectory], dtype=np.float64),
            "row": rows,
            "val_acc": val,
            "test_acc": test,
            "val_regret": self.pool.best_val - val,
            "test_regret": self.pool.best_test - test,
            "val_error": 100.0 - val,
            "test_error": 100.0 - test,
        }
