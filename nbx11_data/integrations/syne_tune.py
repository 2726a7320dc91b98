"""Any table as a Syne Tune ``Blackbox``: multi-fidelity optimizers on a simulated clock.

:func:`blackbox` opens a table (``nbx11_data.open``) and returns a :class:`TableBlackbox`:

- **configuration space** in Syne Tune's own domains, one unconditional encoding per search space
  (:class:`Encoding`; ``to_arch`` maps a configuration to the space's canonical architecture through the space
  module's ``parse``/``format``, ``to_config`` goes back):

  - ``nb201``: ``edge_<to>_<from>``, 6 choices of the 5 ops; every one of the 15,625 cells.
  - ``darts``: per cell (``normal``, ``reduce``) and node 3..5 ``<cell>_node<n>_inputs`` (the input pair
    ``"i_j"``, i < j; node 2 always reads 0 and 1), and per node 2..5 ``<cell>_node<n>_op_a`` / ``_op_b``, the op
    on the node's smaller / larger input. Every configuration is a valid genotype and every genotype has
    exactly one configuration: the whole space (~10^18 cells), not only the table's 2,000.
  - ``nlp`` and ``nb101``: one choice ``arch`` over the table's cells (canonical strings). Their graphs have
    a variable number of nodes, arities (NLP) and an edge limit (NB101: at most 9), so no fixed set of
    independent choices maps onto valid cells only; these blackboxes express the table's cells and no
    others.

- **fidelity** ``epoch``: epochs ``1..E`` of the table's budget; a two-budget table (``nb201``: separate 12-
  and 200-epoch runs, no per-epoch curve for all but 3 cells) has the two budgets as its fidelities, the
  value at fidelity ``b`` being the ``b``-epoch run's result at its last epoch.
- **objectives**: every curve column of the table (``bench.metrics``), named as the table names them, with
  its mode in :attr:`TableBlackbox.modes` (from the column's ``direction``). :attr:`TableBlackbox.metric`
  is the table's default metric, found with :func:`nbx11_data.vocabulary.resolve`, so the names of a table
  built before or after the vocabulary rename both work.
- **elapsed time** (:attr:`TableBlackbox.elapsed_time_attr`): the table's cumulative time column as stored.
  A table with per-epoch times only (``epoch_time``) gets their running sum as ``elapsed_time``. On a
  two-budget table the 12-epoch run is charged its own time (measured for 3 cells; else 12/200 of the
  200-epoch run's time, an estimate) and fidelity 200 the 12-epoch time plus the 200-epoch run's, since a
  promotion trains a new run. The committed nb311-yahpo table's ``runtime`` decreases within some curves
  until that table is rebuilt; it is passed on as stored (Syne Tune's simulator then makes each trial's
  times increasing by at least 0.01 s).
- **seeds**: seed ``k`` (``0 <= k < num_seeds``) reads the table's ``k``-th seed (:attr:`TableBlackbox.seeds`:
  the seeds of the predicted rows where a checkpoint built the table, else the seeds every cell holds, per
  budget); ``seed=None`` reads the mean rows (noiseless for predicted rows).
- **outside the table** (``darts`` configurations, seeds a measured cell lacks) the reader's live
  fallback answers (``bench.rows``); :meth:`TableBlackbox.source` and :attr:`TableBlackbox.sources` say
  where each answer came from (``measured``, ``table:<checkpoint>``, ``live:<checkpoint>``).

:func:`backend` gives Syne Tune's ``UserBlackboxBackend`` with trial ``t`` reading seed ``t mod num_seeds``
(as ``nbx11 run`` does), so a simulated run is reproducible.

Example:
    >>> from nbx11_data.integrations.syne_tune import blackbox
    >>> bb = blackbox("nb311-yahpo")
    >>> config = bb.to_config(bb.bench.archs()[0])
    >>> bb.objective_function(config, fidelity=98, seed=0)[bb.metric] > 0
    True
"""

from __future__ import annotations


import numpy as np

from nbx11_data import vocabulary
from nbx11_data.errors import ArchitectureNotFoundError, InvalidArchitectureError, MissingDependencyError
from nbx11_data.errors import UnknownNameError

try:
    from syne_tune.blackbox_repository.blackbox import Blackbox
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
    from syne_tune.config_space import choice
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(f'nbx11_data.integrations.syne_tune needs Syne Tune ({err}): pip install'
                                 ' "nbx11-data[syne-tune]"') from None

FIDELITY = "epoch"
ELAPSED_TIME = "elapsed_time"  # the objective added where a table has per-epoch times only


# ----- encodings -----------------------------------------------------------------------------------------


class Encoding:
    """A search space's configuration space and its map to canonical architectures (one per space)."""

    expresses = ""  # which architectures the configurations can name

    def __init__(self, bench, dataset: str) -> None:
        self.space = bench.space
        self.config_space: dict = {}

    def to_arch(self, config: dict) -> str:
        """The canonical string of the architecture ``config`` names."""
        raise NotImplementedError

    def to_config(self, arch) -> dict:
        """The configuration of ``arch`` (any representation the space parses)."""
        raise NotImplementedError


class NB201Encoding(Encoding):
    """``edge_<to>_<from>``: the op of each of the 6 edges, in arch-string order."""

    expresses = "all 15,625 NB201 cells"

    def __init__(self, bench, dataset: str) -> None:
        super().__init__(bench, dataset)
        self.keys = [f"edge_{to}_{source}" for to, source in self.space.EDGES]
        self.config_space = {key: choice(list(self.space.OPS)) for key in self.keys}

    def to_arch(self, config: dict) -> str:
        return self.space.format([_value(config, key) for key in self.keys])

    def to_config(self, arch) -> dict:
        return dict(zip(self.keys, self.space.parse(arch).ops))


class DartsEncoding(Encoding):
    """Per cell and node: the input pair (nodes 3..5) and the ops on the smaller and the larger input."""

    expresses = "every DARTS genotype (both cells, ~10^18), one configuration each"

    def __init__(self, bench, dataset: str) -> None:
        super().__init__(bench, dataset)
        darts = self.space
        self.config_space = {}
        for cell in darts.CELLS:
            for node in darts.NODES:
                if node > darts.NODES[0]:
                    self.config_space[f"{cell}_node{node}_inputs"] = choice(list(darts.INPUT_CHOICES[node]))
                self.config_space[f"{cell}_node{node}_op_a"] = choice(list(darts.OPS))
                self.config_space[f"{cell}_node{node}_op_b"] = choice(list(darts.OPS))

    def to_arch(self, config: dict) -> str:
        darts, cells = self.space, []
        for cell in darts.CELLS:
            pairs = []
            for node in darts.NODES:
                inputs = "0_1" if node == darts.NODES[0] else _value(config, f"{cell}_node{node}_inputs")
                if inputs not in darts.INPUT_CHOICES.get(node, ("0_1",)):
                    raise InvalidArchitectureError(f"{cell}_node{node}_inputs {inputs!r} is not one of"
                                                   f" {', '.join(darts.INPUT_CHOICES[node])}")
                a, b = map(int, inputs.split("_"))
                pairs += [(_value(config, f"{cell}_node{node}_op_a"), a),
                          (_value(config, f"{cell}_node{node}_op_b"), b)]
            cells.append(pairs)
        return darts.format({"normal": cells[0], "reduce": cells[1]})

    def to_config(self, arch) -> dict:
        darts, parsed, config = self.space, self.space.parse(arch), {}
        for cell, pairs in zip(darts.CELLS, (parsed.normal, parsed.reduce)):
            for k, node in enumerate(darts.NODES):
                (op_a, a), (op_b, b) = pairs[2 * k], pairs[2 * k + 1]  # canonical: a < b
                if node > darts.NODES[0]:
                    config[f"{cell}_node{node}_inputs"] = f"{a}_{b}"
                config[f"{cell}_node{node}_op_a"], config[f"{cell}_node{node}_op_b"] = op_a, op_b
        return {key: config[key] for key in self.config_space}


class TableCellsEncoding(Encoding):
    """One choice ``arch`` over the canonical strings of the table's cells (NLP, NB101)."""

    expresses = "the table's cells only"

    def __init__(self, bench, dataset: str) -> None:
        super().__init__(bench, dataset)
        self.cells = bench.archs(dataset)
        self.known = frozenset(self.cells)
        self.config_space = {"arch": choice(self.cells)}

    def to_arch(self, config: dict) -> str:
        value = _value(config, "arch")
        return value if type(value) is str and value in self.known else self._inside(self.space.format(value))

    def to_config(self, arch) -> dict:
        return {"arch": self._inside(self.space.format(arch))}

    def _inside(self, text: str) -> str:
        if text not in self.known:
            raise ArchitectureNotFoundError(f"{self.space.NAME}: {text} is not one of the table's cells, the only"
                                            " architectures this configuration space names")
        return text


ENCODINGS = {"nb201": NB201Encoding, "darts": DartsEncoding, "nlp": TableCellsEncoding, "nb101": TableCellsEncoding}


def _value(config: dict, key: str):
    if not isinstance(config, dict) or key not in config:
        raise InvalidArchitectureError(f"configuration lacks {key!r}; it needs the keys of the configuration space")
    return config[key]


# ----- the blackbox --------------------------------------------------------------------------------------


def blackbox(name, dataset: str | None = None, root=None, fallback: bool = True) -> "TableBlackbox":
    """The Syne Tune blackbox of table ``name`` (or an open ``Benchmark``) on ``dataset`` (default: the table's)."""
    import nbx11_data

    bench = nbx11_data.open(name, root=root, fallback=fallback) if isinstance(name, str) else name
    return TableBlackbox(bench, dataset)


class TableBlackbox(Blackbox):
    """One (table, dataset) as a Syne Tune blackbox; see the module docstring. Build with :func:`blackbox`."""

    def __init__(self, bench, dataset: str | None = None) -> None:
        self.bench = bench
        self.dataset = bench.defaults.get("dataset", bench.datasets[0]) if dataset is None else dataset
        if self.dataset not in bench.datasets:
            raise UnknownNameError(f"dataset of {bench.name}", self.dataset, bench.datasets)
        self.encoding = ENCODINGS[bench.space.NAME](bench, self.dataset)
        self.two_budget = len(bench.budgets) > 1
        budget = max(bench.budgets)
        self.fidelities = np.array(sorted(bench.budgets) if self.two_budget else range(1, bench.budgets[budget] + 1))
        self._time = vocabulary.resolve(ELAPSED_TIME, bench.metrics)
        self._epoch_time = None if self._time else vocabulary.resolve("epoch_time", bench.metrics)
        objectives = list(bench.metrics) + ([ELAPSED_TIME] if self._epoch_time else [])
        self.elapsed_time_attr = self._time or (ELAPSED_TIME if self._epoch_time else None)
        self.modes = {m: bench.columns[m].get("direction", "max") for m in bench.metrics}
        if self._epoch_time:
            self.modes[ELAPSED_TIME] = "min"
        default = bench.defaults.get("metric")
        self.metric = vocabulary.resolve(default, bench.metrics) if default else bench.metrics[0]
        self.seeds, self.mean_rows = self._table_seeds()
        self.sources: dict[tuple[str, int | None], str] = {}  # (canonical arch, seed) -> source of the answer
        self._answers: dict[tuple[str, int | None], np.ndarray] = {}
        super().__init__(configuration_space=self.encoding.config_space,
                         fidelity_space={FIDELITY: choice([int(f) for f in self.fidelities])},
                         objectives_names=objectives)

    def __repr__(self) -> str:
        return f"TableBlackbox({self.bench.name!r}, dataset={self.dataset!r})"

    @property
    def fidelity_values(self) -> np.ndarray:
        return self.fidelities

    @property
    def num_seeds(self) -> int:
        return len(self.seeds)

    @property
    def mode(self) -> str:
        """``"max"`` or ``"min"``: the direction of :attr:`metric` (``do_minimize = mode == "min"``)."""
        return self.modes[self.metric]

    def to_arch(self, config: dict) -> str:
        """The canonical architecture string ``config`` names."""
        return self.encoding.to_arch(config)

    def to_config(self, arch) -> dict:
        """The configuration naming ``arch``."""
        return self.encoding.to_config(arch)

    def source(self, configuration: dict, seed: int | None = None) -> str:
        """Where the answer for ``configuration`` and ``seed`` comes from (``measured``, ``table:...``, ``live:...``)."""
        arch = self.to_arch(configuration)
        if (arch, seed) not in self.sources:
            self._curves(arch, seed)
        return self.sources[arch, seed]

    def _objective_function(self, configuration: dict, fidelity: dict | None = None, seed: int | None = None):
        values = self._curves(self.to_arch(configuration), seed)
        if fidelity is None:
            return values.copy()
        wanted = fidelity[FIDELITY]
        where = np.flatnonzero(self.fidelities == wanted)
        if not len(where):
            raise UnknownNameError(f"{FIDELITY} of {self.bench.name}", wanted, self.fidelities.tolist())
        return dict(zip(self.objectives_names, values[where[0]].tolist()))

    def _check_keys(self, config, fidelity) -> None:
        """Syne Tune's key check, with the package's error instead of an assertion."""
        for kind, given, allowed in (("configuration key", config, self.configuration_space),
                                     ("fidelity", fidelity, self.fidelity_space)):
            unknown = [k for k in given if k not in allowed] if isinstance(given, dict) else []
            if unknown:
                raise UnknownNameError(f"{kind} of {self.bench.name}", unknown[0], allowed)

    def hyperparameter_objectives_values(self, predict_curves: bool = False):
        raise NotImplementedError(f"{self.bench.name}: answers are looked up or predicted per configuration;"
                                  " no table of all configurations is held")

    # ----- internals -------------------------------------------------------------------------------------

    def _table_seed(self, seed, budget: int):
        if seed is None:
            if not self.mean_rows:
                raise UnknownNameError(f"seed of {self.bench.name} on {self.dataset} (it has no mean rows at every"
                                       " budget)", seed, range(self.num_seeds))
            return None
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < self.num_seeds:
            raise UnknownNameError(f"seed of {self.bench.name} (an index into the table's seeds"
                                   f" {self.seeds})", seed, range(self.num_seeds))
        return self.seeds[int(seed)][budget]

    def _curves(self, arch: str, seed) -> np.ndarray:
        """(fidelities, objectives) float64 of ``arch`` at blackbox seed ``seed``, cached."""
        key = (arch, None if seed is None else int(seed))
        values = self._answers.get(key)
        if values is not None:
            return values
        budgets = sorted(self.bench.budgets) if self.two_budget else [max(self.bench.budgets)]
        per_budget, sources = [], []
        for budget in budgets:
            table = self.bench.rows([arch], seeds=[self._table_seed(seed, budget)], dataset=self.dataset,
                                    budget=budget)
            sources.append(table.column("source")[0].as_py())
            epochs = self.bench.budgets[budget]
            per_budget.append({m: np.asarray(table.column(m)[0].values, dtype=np.float64)[:epochs]
                               for m in self.bench.metrics})
        if self.two_budget:  # fidelity b = the b-epoch run at its last epoch
            columns = {m: np.array([curves[m][b - 1] for curves, b in zip(per_budget, budgets)])
                       for m in self.bench.metrics}
            if self._time:
                columns[self._time] = self._two_budget_time(per_budget, budgets)
        else:
            columns = dict(per_budget[0])
        if self._epoch_time:
            columns[ELAPSED_TIME] = np.cumsum(np.nan_to_num(columns[self._epoch_time]))
        values = np.column_stack([columns[m] for m in self.objectives_names])
        values.flags.writeable = False
        self._answers[key] = values
        self.sources[key] = "+".join(dict.fromkeys(sources))
        return values

    def _two_budget_time(self, per_budget: list, budgets: list) -> np.ndarray:
        """Cumulative time of the runs of increasing budgets trained one after another (see module docstring)."""
        top = per_budget[-1][self._time][budgets[-1] - 1]
        times = []
        for curves, budget in zip(per_budget, budgets):
            own = curves[self._time][budget - 1]
            times.append(own if np.isfinite(own) else top * budget / budgets[-1])
        return np.cumsum(times)

    def _table_seeds(self) -> tuple[list[dict], bool]:
        """Per blackbox seed, the table seed of each budget; and whether every budget has mean rows."""
        predicted = self.bench.fallback is not None
        where = "source LIKE 'table:%'" if predicted else "true"
        counts = self.bench.sql(
            f"SELECT budget, seed, count(DISTINCT arch_id) FROM curves WHERE dataset = ? AND {where}"
            " GROUP BY ALL", params=[self.dataset]).fetchall()
        cells = {b: max((n for bb, _, n in counts if bb == b), default=0) for b in self.bench.budgets}
        full = {b: sorted(s for bb, s, n in counts if bb == b and n == cells[b] and s is not None)
                for b in self.bench.budgets}
        mean_rows = all(any(bb == b and s is None and n == cells[b] for bb, s, n in counts) for b in self.bench.budgets)
        for b in full:
            full[b] = full[b] or ([None] if any(bb == b and s is None and n == cells[b] for bb, s, n in counts) else [])
        if not all(full.values()):
            raise UnknownNameError(f"seeds of {self.bench.name} on {self.dataset}", "(none held by every cell)", [])
        count = max(map(len, full.values()))
        return [{b: seeds[k % len(seeds)] for b, seeds in full.items()} for k in range(count)], mean_rows


# ----- the simulator backend -----------------------------------------------------------------------------


class TableBackend(UserBlackboxBackend):
    """Syne Tune's simulator backend for a :class:`TableBlackbox`; trial ``t`` reads seed ``t mod num_seeds``.

    ``seed``: one blackbox seed for every trial instead (None: the mean rows).
    """

    _PER_TRIAL = object()

    def __init__(self, blackbox: TableBlackbox, seed=_PER_TRIAL, **kwargs) -> None:
        self._per_trial = seed is TableBackend._PER_TRIAL
        super().__init__(blackbox=blackbox, elapsed_time_attr=blackbox.elapsed_time_attr,
                         seed=None if self._per_trial else seed, **kwargs)

    def _run_job_and_collect_results(self, trial_id: int, config: dict | None = None):
        if self._per_trial:  # the parent queries the blackbox with self._seed
            self._seed = trial_id % self.blackbox.num_seeds
        return super()._run_job_and_collect_results(trial_id, config)


def backend(blackbox: TableBlackbox, **kwargs) -> TableBackend:
    """A :class:`TableBackend` (keyword arguments: ``seed``, ``max_resource_attr``, ``simulator_config`` ...)."""
    return TableBackend(blackbox, **kwargs)
