"""NAS on a benchmark through the reader: table hits for what the table holds, live fallback for the rest.

:class:`TableSource` opens a benchmark once per process and makes one :class:`ReaderPool` per trial, whose
first rows are the table's architectures. Mutations and neighbours move in the search space (the space's
``neighbours`` and ``mutate``) where the space has moves, the table a checkpoint to answer misses and
``in_table`` is false, else inside the table. Draws, curve seeds, budgets tables, the clock and regret:
``docs/nas.md``.

Example:
    >>> source = TableSource("nbnlp11-wt2")  # doctest: +SKIP
    >>> pool = source.pool(trial=0)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from nbx11_data import vocabulary
from nbx11_data.errors import InvalidArchitectureError, NBX11Error, UnknownNameError
from nbx11_data.nas.objective import CurvePool


class TableSource:
    """One benchmark through the reader, and the choices of how trials see it (pickles by name only)."""

    def __init__(self, name: str, root=None, dataset: str | None = None, seeds="table", in_table: bool = False,
                 val_metric: str | None = None, test_metric: str | None = None, time_metric: str | None = None):
        self.name, self.root, self.in_table = name, root, in_table
        self._args = (dataset, seeds, val_metric, test_metric, time_metric)
        self._state = None

    def __getstate__(self):
        return {"name": self.name, "root": self.root, "in_table": self.in_table, "_args": self._args, "_state": None}

    def _load(self) -> dict:
        if self._state is None:
            import nbx11_data

            dataset, seeds, val_metric, test_metric, time_metric = self._args
            bench = nbx11_data.open(self.name, root=self.root)
            dataset = dataset or bench.defaults.get("dataset", bench.datasets[0])
            if dataset not in bench.datasets:
                raise UnknownNameError(f"dataset of {self.name}", dataset, bench.datasets)
            columns = bench.columns
            curves = [m for m in bench.metrics if columns[m].get("direction") == "max"]
            val = bench._metric(val_metric) if val_metric else _pick(curves, ("valid_accuracy", "valid_score", "valid"),
                                                                   "validation")
            tests = [c for c in curves if "test" in c]
            test = bench._metric(test_metric) if test_metric else (
                _pick(tests, ("test_accuracy", "test"), "test") if tests else val)
            times = [m for m in bench.metrics if columns[m].get("unit") == "s"]
            time = bench._metric(time_metric) if time_metric else _pick(times, ("elapsed_time", "time"),
                                                                         "epoch runtime (unit s)")
            if seeds == "table":
                seeds = bench.manifest.get("build", {}).get("seeds") or [bench.defaults.get("seed")]
            archs = bench.archs(dataset)
            keep = np.ones(len(archs), dtype=bool)
            for i, arch in enumerate(archs):
                try:  # e.g. NLP cells larger than x11's encoding allows: left out, and counted
                    bench.space.encode([arch])
                except InvalidArchitectureError:
                    keep[i] = False
            archs = [a for a, k in zip(archs, keep) if k]
            budgets = _budgets_mode(bench, dataset, val, seeds[0])
            cumulative = True if budgets else _cumulative(bench, dataset, time, archs[:500], seeds[0])
            mutable = bench.space.HAS_MOVES and bench.fallback is not None and not self.in_table
            self._state = {"bench": bench, "dataset": dataset, "metrics": (val, test, time), "seeds": list(seeds),
                           "archs": archs, "encodings": bench.space.encode(archs), "left_out": int((~keep).sum()),
                           "cumulative": cumulative, "mutable": mutable, "budgets": budgets, "finals": {},
                           "position": {a: i for i, a in enumerate(archs)},
                           "optimum_known": not mutable and bench.space.FINITE
                           and len(archs) + int((~keep).sum()) == bench.space.SIZE,
                           "error_unit": "nats" if vocabulary.canonical_unit(columns[val].get("unit")) == "100 - nats"
                           else "%"}
        return self._state

    @property
    def bench(self):
        return self._load()["bench"]

    @property
    def fidelities(self) -> tuple[int, ...] | None:
        """The budgets a budgets table is searched at (nb201: ``(12, 200)``), None for per-epoch fidelity."""
        return self._load()["budgets"]

    @property
    def optimum_known(self) -> bool:
        """Whether the table is the whole space (runs report regret) or not (runs report the error)."""
        return self._load()["optimum_known"]

    @property
    def error_unit(self) -> str:
        """The unit of the reported validation error: ``%`` (100 - accuracy) or ``nats`` (the loss)."""
        return self._load()["error_unit"]

    def curve_seed(self, trial: int):
        """The curve seed trial ``trial`` reads (see the module docstring)."""
        seeds = self._load()["seeds"]
        return seeds[trial % len(seeds)]

    def pool(self, trial: int) -> "ReaderPool":
        """The pool trial ``trial`` searches (fresh rows and clock state; shared reader and cache)."""
        return ReaderPool(self, self.curve_seed(trial))

    def left_out(self, seed=None) -> dict[str, int]:
        """How many table architectures the search pool of curve seed ``seed`` (default: trial 0's) lacks, by
        reason (reasons with none are left out)."""
        state = self._load()
        seed = state["seeds"][0] if seed is None else seed
        val, test, seconds = self.fetch(state["archs"], seed)
        incomplete = int((~_complete(val, test, seconds, per_epoch=not state["budgets"])).sum())
        what = ("no validation value or runtime at every budget" if state["budgets"] else
                "an incomplete validation or runtime curve or no final test value")
        reasons = {"not encodable by the space's encoding": state["left_out"], f"{what} at seed {seed}": incomplete}
        return {reason: count for reason, count in reasons.items() if count}

    def describe(self) -> str:
        """What trials search, in words (kept in results files; computed once per process)."""
        state = self._load()
        if "description" not in state:
            state["description"] = self._describe(state)
        return state["description"]

    def _describe(self, state: dict) -> str:
        bench = state["bench"]
        val, test, time = state["metrics"]
        total = len(state["archs"]) + state["left_out"]
        left = self.left_out()
        pooled = total - sum(left.values())
        dropped = "; ".join(f"{n} with {reason}" for reason, n in left.items()) or "none"
        if state["budgets"]:
            fidelity = (f"fidelities: the budgets {', '.join(map(str, state['budgets']))} epochs (one run each; no"
                        " per-epoch curves), a run's cost = its runtime, scaled from the largest budget where missing")
        else:
            fidelity = f"fidelity: epochs 1..{bench.epochs}"
        error = "loss (nats)" if state["error_unit"] == "nats" else "error (%)"
        report = ("regret (the table is the whole space)" if state["optimum_known"] else
                  f"validation {error} (the space's optimum is unknown)")
        return (f"{bench.name} through the reader ({state['dataset']}; {val}/{test}/{time}; curve seed of trial t ="
                f" {state['seeds']}[t % {len(state['seeds'])}]; search pool {pooled} of the table's {total} archs,"
                f" left out: {dropped}; {fidelity}; reports {report};"
                f" moves: {'search space, fallback for misses' if state['mutable'] else 'inside the table'};"
                f" code_version {bench.manifest.get('code_version', '?')})")

    def fetch(self, archs: list, seed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(val, test, epoch seconds) of ``archs`` at ``seed``: one reader request per metric, in batch
        (a budgets table: one column per budget, see the module docstring)."""
        state = self._load()
        bench, dataset = state["bench"], state["dataset"]
        val, test, time = state["metrics"]
        if state["budgets"]:
            finals = state["finals"].get(seed)
            if finals is None:
                finals = state["finals"][seed] = _budget_finals(bench, dataset, state["budgets"], (val, test, time),
                                                                seed, state["position"])
            rows = np.array([state["position"][a] for a in archs], dtype=np.int64)
            return tuple(part[rows] for part in finals)
        curves = {m: bench.curves(archs, dataset=dataset, metric=m, seed=seed).astype(np.float64)
                  for m in dict.fromkeys((val, test, time))}
        return curves[val], curves[test], self.epoch_seconds(curves[time])

    def epoch_seconds(self, runtimes: np.ndarray) -> np.ndarray:
        """The clock's seconds per epoch (n, E) from runtime curves: full-training runtime / epochs, every epoch."""
        total = runtimes[:, -1] if self._load()["cumulative"] else runtimes.sum(axis=1)
        return np.repeat((total / runtimes.shape[1])[:, None], runtimes.shape[1], axis=1)


class ReaderPool(CurvePool):
    """The rows one trial can reach: the table's architectures, then every new one a move produced."""

    def __init__(self, source: TableSource, seed) -> None:
        state = source._load()
        self._source, self.seed = source, seed
        val, test, seconds = self._fetch(state["archs"])
        complete = _complete(val, test, seconds, per_epoch=not state["budgets"])
        if complete.sum() < 2:
            raise NBX11Error(f"{source.name}: fewer than 2 table architectures have complete curves at seed {seed}")
        rows = np.flatnonzero(complete)
        super().__init__([state["archs"][i] for i in rows], state["encodings"][rows], val[rows], test[rows],
                         seconds[rows], name=source.name, fidelities=state["budgets"])
        self.optimum_known, self.error_unit = state["optimum_known"], state["error_unit"]
        self.source = source.describe()
        self.table_rows = len(rows)
        self.incomplete = int((~complete).sum())
        self._space = state["bench"].space
        self._mutable = state["mutable"]
        self._row_of = {arch: i for i, arch in enumerate(self.archs)}
        self._fetched = np.ones(len(self.archs), dtype=bool)  # rows added by moves start unfetched
        self.fetches = 0  # batched reader requests for rows added by moves
        self._extra_encodings: dict[int, np.ndarray] = {}
        self._moves: dict[int, list[int]] = {}
        self._order, self._drawn = None, 0  # this trial's random order of the table rows, and how far it got
        self._store = {"val": self.val, "test": self.test, "epoch_seconds": self.epoch_seconds}

    def _fetch(self, archs):
        return self._source.fetch(archs, self.seed)

    def sample(self, rng: np.random.Generator) -> int:
        """The next table row of this trial's random order; once all are drawn, a fresh sample of the space
        (or, where moves stay in the table, a uniformly random table row)."""
        if self._order is None:
            self._order = rng.permutation(self.table_rows)
        if self._drawn < len(self._order):
            self._drawn += 1
            return int(self._order[self._drawn - 1])
        if not self._mutable:
            return int(rng.integers(self.table_rows))
        return self._rows_of(self._space.sample(1, seed=int(rng.integers(2**63)), encodable=True))[0]

    # ----- moves in the search space --------------------------------------------------------------------

    def neighbours(self, index: int) -> np.ndarray:
        if not self._mutable:
            return super().neighbours(index) if index < self.table_rows else np.empty(0, dtype=np.int64)
        if index not in self._moves:
            self._moves[index] = self._rows_of(self._space.neighbours(self.archs[index]))
        return np.asarray(self._moves[index], dtype=np.int64)

    def mutate(self, index: int, rng: np.random.Generator) -> int:
        if not self._mutable:
            return super().mutate(index, rng)
        return self._rows_of([self._space.mutate(self.archs[index], rng)])[0]

    def _rows_of(self, archs) -> list[int]:
        """Rows of parsed ``archs``, adding rows (curves not fetched yet) for the new ones."""
        rows = []
        for arch in archs:
            key = self._space.format(arch)
            row = self._row_of.get(key)
            if row is None:
                row = self._row_of[key] = len(self.archs)
                self.archs.append(key)
            rows.append(row)
        n = len(self.archs)
        if n > len(self.val):
            if n > len(self._store["val"]):  # capacity doubles, so adding rows is amortised O(1)
                for key, array in self._store.items():
                    grown = np.full((max(2 * len(array), n), array.shape[1]), np.nan)
                    grown[: len(self.val)] = array[: len(self.val)]
                    self._store[key] = grown
            for key in self._store:
                setattr(self, key, self._store[key][:n])
            self._fetched = np.concatenate([self._fetched, np.zeros(n - len(self._fetched), dtype=bool)])
        return rows

    # ----- lazy curves and encodings ----------------------------------------------------------------------

    def ensure(self, rows) -> None:
        """Fetch the curves of the rows among ``rows`` not fetched yet, in one batched reader request."""
        todo = [r for r in dict.fromkeys(int(r) for r in np.atleast_1d(rows)) if not self._fetched[r]]
        if not todo:
            return
        val, test, seconds = self._fetch([self.archs[r] for r in todo])
        bad = ~_complete(val, test, seconds)
        if bad.any():
            raise NBX11Error(f"{self.name}: incomplete curve for {self.archs[todo[int(np.argmax(bad))]]} at seed {self.seed}")
        self.val[todo], self.test[todo], self.epoch_seconds[todo] = val, test, seconds
        self._fetched[todo] = True
        self.fetches += 1

    def encode(self, rows) -> np.ndarray:
        rows = [int(r) for r in np.atleast_1d(rows)]
        new = [r for r in dict.fromkeys(rows) if r >= self.table_rows and r not in self._extra_encodings]
        if new:
            for r, vector in zip(new, self._space.encode([self.archs[r] for r in new])):
                self._extra_encodings[r] = vector
        return np.stack([self.encodings[r] if r < self.table_rows else self._extra_encodings[r] for r in rows])


def _complete(val, test, seconds, per_epoch: bool = True) -> np.ndarray:
    """Rows with a whole validation curve, positive runtimes of every epoch, and (``per_epoch``) a final test
    value; a budgets table's test values may be unknown."""
    whole = np.all(np.isfinite(val) & np.isfinite(seconds) & (seconds > 0), axis=1)
    return whole & np.isfinite(test[:, -1]) if per_epoch else whole


def _budgets_mode(bench, dataset, val, seed) -> tuple[int, ...] | None:
    """The table's budgets when it is searched by budget (several budgets, and at the largest most rows hold
    no per-epoch validation curve, only a final value), else None."""
    if len(bench.budgets) < 2:
        return None
    top = max(bench.budgets)
    (whole, rows), = bench.sql(
        f'SELECT count(*) FILTER (WHERE len(list_filter("{val}", lambda x: NOT isnan(x))) = ?), count(*) FROM curves'
        " WHERE dataset = ? AND budget = ?", params=[bench.budgets[top], dataset, top]).fetchall()
    return tuple(sorted(bench.budgets)) if rows and whole < rows / 2 else None


def _budget_finals(bench, dataset, budgets, metrics, seed, position) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(val, test, run seconds), each (n archs, len(budgets)), of a budgets table at curve ``seed``: per
    budget the row of that seed, else the mean row, else the lowest seed; NaN where the table has none."""
    n = len(position)
    out = [np.full((n, len(budgets)), np.nan) for _ in metrics]
    for k, budget in enumerate(budgets):
        frame = bench.sql(
            "SELECT arch, seed, " + ", ".join(f'"{m}" AS m{j}' for j, m in enumerate(metrics)) + " FROM final"
            " WHERE dataset = ? AND budget = ? ORDER BY arch, seed IS NOT DISTINCT FROM ? DESC, seed IS NULL DESC,"
            " seed", params=[dataset, budget, seed]).df().drop_duplicates("arch")
        rows = frame["arch"].map(position)
        frame, rows = frame[rows.notna()], rows[rows.notna()].astype(np.int64).to_numpy()
        for j, part in enumerate(out):
            part[rows, k] = frame[f"m{j}"].to_numpy(dtype=np.float64, na_value=np.nan)
    seconds = out[2]
    known = np.isfinite(seconds[:, -1])
    for k, budget in enumerate(budgets[:-1]):  # the largest budget's runtime, per epoch, times this budget
        missing = ~np.isfinite(seconds[:, k]) & known
        seconds[missing, k] = seconds[missing, -1] * budget / budgets[-1]
    return out[0], out[1], seconds


def _cumulative(bench, dataset, metric, archs, seed) -> bool:
    """Whether runtime column ``metric`` counts seconds since the start (its description says so, or it
    (almost) never decreases along the table's curves) rather than seconds per epoch."""
    if "cumulative" in (bench.columns[metric].get("description") or "").lower():
        return True
    times = bench.curves(archs, dataset=dataset, metric=metric, seed=seed)
    steps = np.diff(times, axis=1)
    steps = steps[np.isfinite(steps)]
    return bool(len(steps) and np.mean(steps > 0) > 0.9)  # per-epoch times go up about half the time


def _pick(curves, hints, what) -> str:
    """The first of ``curves`` whose today's name (:func:`vocabulary.canonical`) contains a hint, in hint order."""
    for hint in hints:
        for name in curves:
            if hint in vocabulary.canonical(name):
                return name
    raise NBX11Error(f"no curve column for {what} (hints {hints}); curve columns: {', '.join(curves) or 'none'}")
