"""Open a benchmark folder: fast in-memory lookups, DuckDB SQL over its shards.

Lookups (``curve``, ``curves``, ``query``) go through an index built lazily
on first use from the dictionary-encoded identity columns (dicts from
canonical string and from arch_id to position, an array from ``arch_index``
to position, numpy arrays position -> row per dataset/budget/seed) and a
compact in-memory store per (dataset, curve column), decoded a few thousand
rows at a time (:mod:`.curve_store`). A batch of ``arch_index`` ints is
located in numpy, canonical strings with one C-level dict pass; other
representations are parsed once each. SQL goes to DuckDB views
``curves``, ``curves_long`` and ``final`` over the shard files. Rows a
surrogate-built table lacks are predicted live by its checkpoint
(:mod:`.fallback`); every result says where it came from (``source``:
``measured``, ``table:<checkpoint>`` or ``live:<checkpoint>``). Nothing here
imports a model library (until a miss is predicted) or unpickles.

Example:
    >>> import nbx11_data
    >>> bench = nbx11_data.open("nb201")
    >>> bool(bench.curve(0, dataset="cifar100", metric="valid_acc", seed=777, budget=200)[-1] > 50)
    True
    >>> bench.sql("SELECT count(*) FROM final WHERE budget = 12").fetchall()
    [(46881,)]
"""

from __future__ import annotations

from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nbx11_data import locations, manifest as manifest_io, spaces, vocabulary
from nbx11_data.errors import ArchitectureNotFoundError, CorruptFileError, UnknownNameError
from nbx11_data.readers import arguments
from nbx11_data.readers.curve_store import CurveStore
from nbx11_data.readers.download import downloaded_datasets
from nbx11_data.readers.fallback import Fallback
from nbx11_data.table_format import FINAL_SUFFIX, final_values

_DEFAULT = object()  # "argument not given" (seed=None means the mean-curve rows)
_IDENTITY = ["arch_id", "arch", "arch_index", "seed", "budget"]
_BATCH_ROWS = 4096  # curve columns are decoded this many rows at a time
PARSED_STRINGS_KEPT = 1 << 16  # architecture strings whose parse a session keeps (outside the table's names)


def open(name: str, root: str | Path | None = None, fallback: bool = True) -> "Benchmark":  # noqa: A001
    """Open benchmark ``name`` under ``root`` (default: the table roots of :mod:`nbx11_data.locations`:
    ``$NBX11_TABLES``, user data, the download cache of ``nbx11 download``, the shipped tables).

    ``fallback``: predict rows the table lacks with the checkpoint that built it (needs the ``surrogate``
    extra when a miss happens); False makes a miss raise :class:`ArchitectureNotFoundError`.
    """
    name, fallback = arguments.benchmark_name(name), arguments.flag("fallback", fallback)
    root = arguments.folder("tables root", root, optional=True)
    roots = locations.table_roots(root)
    folder = locations.find_table(name, root)
    if folder is None:
        if Path(name).is_dir() and (Path(name) / manifest_io.FILENAME).is_file():
            folder = Path(name)
        else:
            raise UnknownNameError(f"benchmark (under {' or '.join(map(str, roots))}; `nbx11 download NAME`"
                                   " fetches one)", name, locations.table_names(root))
    return Benchmark(folder, fallback=fallback)


class Benchmark:
    """One benchmark folder; see the module docstring. Build with :func:`open`."""

    def __init__(self, folder: str | Path, fallback: bool = True) -> None:
        self.folder = Path(folder)
        self.manifest = manifest_io.load(self.folder)
        self.name = self.manifest["name"]
        self.space = spaces.get(self.manifest["space"])
        held = downloaded_datasets(self.folder)  # a partial download holds only some datasets
        self.datasets = [d for d in self.manifest["datasets"] if held is None or d in held]
        self.epochs = int(self.manifest["epochs"])
        self.budgets = {int(k): int(v) for k, v in self.manifest.get("budgets", {str(self.epochs): self.epochs}).items()}
        columns = self.manifest["columns"]
        self.metrics = [c["name"] for c in columns if c["kind"] == "curve"]
        self.costs = [c["name"] for c in columns if c["kind"] == "cost"]
        self.columns = {c["name"]: c for c in columns}
        self.defaults = dict(self.manifest.get("defaults", {}))
        self._shards = {d: [s for s in self.manifest["shards"] if s["partition"]["dataset"] == d] for d in self.datasets}
        self._index = None
        self._matrices: dict[tuple[str, str], np.ndarray] = {}  # scalar columns
        self._stores: dict[tuple[str, str], CurveStore] = {}  # curve columns
        self._connection = None
        self._sources: dict[str, np.ndarray] = {}
        # strings that are not the table's canonical names or ids are parsed once per session
        self._describe_string = lru_cache(maxsize=PARSED_STRINGS_KEPT)(self._parse_and_name)
        self.fallback = Fallback.of(self.manifest, self.datasets, self.epochs, self.budgets) if fallback else None

    def __repr__(self) -> str:
        return f"Benchmark({self.name!r}, folder={str(self.folder)!r})"

    # ----- lookups ---------------------------------------------------------------------------------------

    def curve(self, arch, dataset=None, metric=None, seed=_DEFAULT, budget=None, with_source=False):
        """The curve of one architecture (any representation the space accepts), epochs 1..budget, float32.

        ``with_source=True`` returns ``(curve, source)``.
        """
        dataset, metric, budget, seed, with_source = self._arguments(dataset, metric, budget, seed, with_source)
        dataset, metric, budget, seed = self._resolve_names(dataset, metric, budget, seed)
        row = self._row(arch, dataset, budget, seed)
        if row < 0:
            values, sources = self.curves([arch], dataset, metric, seed, budget, with_source=True)
            return (values[0], sources[0]) if with_source else values[0]
        curve = self._curves(dataset, metric).row(row, self.budgets[budget])
        return (curve, self._source_labels(dataset)[row]) if with_source else curve

    def curves(self, archs, dataset=None, metric=None, seed=_DEFAULT, budget=None, with_source=False):
        """Curves of many architectures as one (n, epochs) float32 array, in the order given.

        ``with_source=True`` returns ``(curves, sources)``, ``sources`` one string per row.
        """
        dataset, metric, budget, seed, with_source = self._arguments(dataset, metric, budget, seed, with_source)
        archs = arguments.arch_list(archs, self.space)
        dataset, metric, budget, seed = self._resolve_names(dataset, metric, budget, seed)
        rows, live = self._gather(archs, dataset, budget, [seed] * len(archs), [metric])
        epochs = self.budgets[budget]
        if live is None:
            out = self._curves(dataset, metric).take(rows, epochs)
        else:
            out = np.empty((len(rows), epochs), dtype=np.float32)
            hit = rows >= 0
            if hit.any():  # a request of misses only never reads the table's curves
                out[hit] = self._curves(dataset, metric).take(rows[hit], epochs)
            out[~hit] = live.curves[metric][:, :epochs]
        return (out, self._sources_of(rows, dataset)) if with_source else out

    def query(self, archs, dataset=None, metrics=None, seed=_DEFAULT, budget=None, epoch=None, arrow=False):
        """One row per architecture: identity, source, then each metric's value at ``epoch`` (1-based; default
        final).

        Returns a pandas DataFrame, or a pyarrow Table with ``arrow=True``.
        """
        import pyarrow as pa

        dataset, _, budget, seed, arrow = self._arguments(dataset, None, budget, seed, arrow, "arrow")
        archs, metrics = arguments.arch_list(archs, self.space), arguments.metrics(metrics, self.metrics)
        epoch = arguments.epoch(epoch)
        dataset, _, budget, seed = self._resolve_names(dataset, None, budget, seed)
        metrics = self.metrics if metrics is None else [self._metric(m) for m in metrics]
        if epoch is not None and not 1 <= epoch <= self.budgets[budget]:
            raise UnknownNameError(f"epoch of budget {budget}", epoch, [f"1..{self.budgets[budget]}"])
        rows, live = self._gather(archs, dataset, budget, [seed] * len(archs), metrics)
        hit = rows >= 0
        names, ids = self._names_of(rows, dataset, live)
        columns = {
            "arch": pa.array(names, pa.string()),
            "arch_id": pa.array(ids, pa.string()),
            "dataset": pa.array([dataset] * len(rows)),
            "budget": pa.array(np.full(len(rows), budget, dtype=np.int32)),
            "seed": pa.array([seed] * len(rows), pa.int32()),
            "source": pa.array(self._sources_of(rows, dataset), pa.string()),
        }
        for metric in metrics:
            values = np.empty(len(rows), dtype=np.float32)
            if epoch is None:
                values[hit] = self._matrix(dataset, metric + FINAL_SUFFIX)[rows[hit]]
            else:
                values[hit] = self._curves(dataset, metric).take(rows[hit], epoch)[:, -1]
            if live is not None:
                curves = live.curves[metric][:, : self.budgets[budget]]
                values[~hit] = final_values(curves) if epoch is None else curves[:, epoch - 1]
            columns[metric] = pa.array(values, pa.float32(), from_pandas=epoch is None)
        table = pa.table(columns)
        return table if arrow else table.to_pandas()

    def rows(self, archs, seeds=_DEFAULT, dataset=None, budget=None, arrow=True):
        """Whole rows, one per (architecture, seed), with the columns of the ``curves`` view.

        Table rows for hits, live predictions for the rest (``source`` says which); ``seeds``: one seed or
        a list (each architecture with each seed; None = the mean rows). Returns a pyarrow Table (or pandas).
        """
        import pyarrow as pa

        dataset, _, budget, _, arrow = self._arguments(dataset, None, budget, None, arrow, "arrow")
        archs = arguments.arch_list(archs, self.space)
        seeds = [self.defaults.get("seed")] if seeds is _DEFAULT else arguments.seeds(seeds)
        dataset, _, budget, _ = self._resolve_names(dataset, None, budget, None)
        archs_x, seeds_x = [a for a in archs for _ in seeds], seeds * len(archs)
        rows, live = self._gather(archs_x, dataset, budget, seeds_x, self.metrics)
        hit = rows >= 0
        names, ids = self._names_of(rows, dataset, live)
        if hasattr(self.space, "arch_index"):
            arch_index = [int(self.space.arch_index(a)) for a in names]
        else:
            arch_index = [None] * len(names)
        columns = {"arch_id": pa.array(ids, pa.string()), "arch": pa.array(names, pa.string()),
                   "arch_index": pa.array(arch_index, pa.int32()), "seed": pa.array(seeds_x, pa.int32()),
                   "budget": pa.array(np.full(len(rows), budget, dtype=np.int32)),
                   "source": pa.array(self._sources_of(rows, dataset), pa.string())}
        curve_type = pa.list_(pa.float32())
        finals = {}
        any_hit = bool(hit.any())  # a request of misses only never reads the table's columns
        for metric in self.metrics:
            curves = np.empty((len(rows), self.epochs), dtype=np.float32)
            final = np.empty(len(rows), dtype=np.float32)
            if any_hit:
                curves[hit] = self._curves(dataset, metric).take(rows[hit], self.epochs)
                final[hit] = self._matrix(dataset, metric + FINAL_SUFFIX)[rows[hit]]
            if live is not None:
                curves[~hit] = live.curves[metric]
                final[~hit] = final_values(live.curves[metric])
            offsets = pa.array(np.arange(0, curves.size + 1, self.epochs, dtype=np.int32))
            columns[metric] = pa.ListArray.from_arrays(offsets, pa.array(curves.reshape(-1)), type=curve_type)
            finals[metric + FINAL_SUFFIX] = pa.array(final, pa.float32(), from_pandas=True)
        columns.update(finals)
        for cost in self.costs:
            values = np.full(len(rows), np.nan)
            if any_hit:
                values[hit] = self._cost_column(dataset, cost)[rows[hit]]
            columns[cost] = pa.array(values, pa.float64(), from_pandas=True)
        columns["dataset"] = pa.array([dataset] * len(rows), pa.string())
        table = pa.table(columns)
        return table if arrow else table.to_pandas()

    def register(self, name: str, archs, seeds=_DEFAULT, dataset=None, budget=None) -> None:
        """Make :meth:`rows` of ``archs`` a DuckDB view ``name`` beside ``curves``, with the same columns.

        Example: ``bench.register("candidates", archs, seeds=range(5))`` then
        ``bench.sql("SELECT source, avg(val_score_final) FROM candidates GROUP BY source")``.
        """
        name = arguments.view_name(name)
        self.connection.register(name, self.rows(archs, seeds, dataset, budget))

    def archs(self, dataset=None) -> list[str]:
        """Canonical strings of the architectures in the table (of ``dataset``, default all), in table order."""
        dataset = arguments.name("dataset", dataset, self.datasets)
        index = self._ensure_index()
        if dataset is None:
            return index["names"].tolist()
        dataset = self._check("dataset", dataset, self.datasets)
        start = index["offsets"][dataset]
        positions = index["position_of_row"][start:start + sum(s["rows"] for s in self._shards[dataset])]
        first = np.unique(positions, return_index=True)[1]
        return index["names"][positions[np.sort(first)]].tolist()

    def info(self) -> dict:
        """Name, space, datasets, metrics (unit, direction), costs, budgets, seeds, rows, provenance, code version."""
        index = self._ensure_index()
        return {
            "name": self.name, "space": self.space.NAME, "folder": str(self.folder), "datasets": self.datasets,
            "metrics": {m: {k: self.columns[m].get(k) for k in ("unit", "direction", "description")}
                        for m in self.metrics},
            "costs": {c: {k: self.columns[c].get(k) for k in ("unit", "description")} for c in self.costs},
            "epochs": self.epochs, "budgets": self.budgets, "seeds": index["seeds"], "defaults": self.defaults,
            "architectures": len(index["names"]),
            "rows": {d: sum(s["rows"] for s in self._shards[d]) for d in self.datasets},
            "sources": sorted({p["name"] for p in self.manifest["provenance"]}),
            "code_version": self.manifest["code_version"],
        }

    def verify(self, content: bool = False) -> dict:
        """Check every file against the manifest (see :func:`nbx11_data.manifest.verify`)."""
        return manifest_io.verify(self.folder, content=content)

    # ----- SQL -------------------------------------------------------------------------------------------

    def sql(self, query: str, params=None):
        """Run ``query`` in DuckDB over the views ``curves``, ``curves_long``, ``final``; returns a relation."""
        return self.connection.sql(query, params=params) if params is not None else self.connection.sql(query)

    @property
    def connection(self):
        """The DuckDB connection with the views registered (created on first use)."""
        if self._connection is None:
            import duckdb

            con = duckdb.connect()
            try:
                con.execute("SET enable_progress_bar = false")
            except duckdb.InvalidInputException:  # Jupyter without ipywidgets refuses the setting; it is off there
                pass
            files = ", ".join("'" + str(self.folder / s["path"]).replace("'", "''") + "'"
                              for d in self.datasets for s in self._shards[d])
            label = "CASE WHEN source LIKE 'surrogate:%' THEN 'table:' || source[11:] ELSE source END AS source"
            con.execute(f"CREATE VIEW curves AS SELECT * REPLACE ({label})"
                        f" FROM read_parquet([{files}], hive_partitioning = true)")
            identity = "arch_id, arch, arch_index, dataset, seed, budget, source"
            epochs = f"UNNEST(generate_series(1, {self.epochs})) AS epoch"
            unnest = ", ".join(f"UNNEST({m}::FLOAT[]) AS {m}" for m in self.metrics)
            budget_epochs = " ".join(f"WHEN {b} THEN {e}" for b, e in self.budgets.items())
            con.execute(f"CREATE VIEW curves_long AS SELECT * FROM (SELECT {identity}, {epochs}, {unnest},"
                        f" CASE budget {budget_epochs} ELSE {self.epochs} END AS _last FROM curves)"
                        " WHERE epoch <= _last")
            finals = ", ".join(f"{m}{FINAL_SUFFIX} AS {m}" for m in self.metrics)
            costs = "".join(f", {c}" for c in self.costs)
            con.execute(f"CREATE VIEW final AS SELECT {identity}, {finals}{costs} FROM curves")
            self._connection = con
        return self._connection

    # ----- internals -------------------------------------------------------------------------------------

    def _arguments(self, dataset, metric, budget, seed, switch, switch_name="with_source"):
        """The lookups' common arguments, type-checked (:mod:`.arguments`); names are resolved later."""
        return (arguments.name("dataset", dataset, self.datasets), arguments.name("metric", metric, self.metrics),
                arguments.budget(budget, self.budgets), seed if seed is _DEFAULT else arguments.seed(seed),
                arguments.flag(switch_name, switch))

    def _resolve_names(self, dataset, metric, budget, seed):
        dataset = self.defaults.get("dataset", self.datasets[0]) if dataset is None else dataset
        if dataset not in self._shards:
            self._check("dataset", dataset, self.datasets)
        metric = self.defaults.get("metric", self.metrics[0]) if metric is None else self._metric(metric)
        budget = self.defaults.get("budget", max(self.budgets)) if budget is None else budget
        if budget not in self.budgets:
            self._check("budget", budget, self.budgets)
        if seed is _DEFAULT:
            seed = self.defaults.get("seed")
        return dataset, metric, budget, seed

    def _metric(self, name) -> str:
        """The curve column ``name`` means: its own name or an alias (:mod:`nbx11_data.vocabulary`)."""
        column = vocabulary.resolve(name, self.metrics) if isinstance(name, str) else None
        return self._check("metric", name if column is None else column, self.metrics)

    @staticmethod
    def _check(kind: str, name, allowed):
        if name not in allowed:
            raise UnknownNameError(kind, name, allowed)
        return name

    def _position(self, arch, missing_ok: bool = False) -> int:
        """Position of ``arch`` among the table's architectures; the miss path raises (or -1 if ``missing_ok``)."""
        index = self._ensure_index()
        by_index = index["by_index"]
        if type(arch) is str:
            position = index["by_name"].get(arch)
            position = index["by_id"].get(arch) if position is None else position
            if position is not None:
                return position
        if type(arch) is int and by_index is not None and 0 <= arch < len(by_index) and by_index[arch] >= 0:
            return int(by_index[arch])
        arch_id = self.space.arch_id(arch)  # parses: invalid input raises InvalidArchitectureError
        position = index["by_id"].get(arch_id)
        if position is None:
            if missing_ok:
                return -1
            self._not_found(arch, arch_id)
        return position

    def _row(self, arch, dataset, budget, seed) -> int:
        """Row of (arch, dataset, budget, seed), -1 if the table has none (invalid ``arch`` raises)."""
        index = self._ensure_index()
        rows = index["rows"].get((dataset, budget, seed))
        position = self._position(arch, missing_ok=True)
        return -1 if rows is None or position < 0 else int(rows[position])

    def _fast_positions(self, archs: list) -> np.ndarray:
        """Positions of ``archs`` found without parsing: canonical strings, arch_ids and (where the space
        enumerates) ``arch_index`` ints; -1 for anything else (the caller parses those)."""
        index = self._ensure_index()
        by_index = index["by_index"]
        if by_index is not None and archs and isinstance(archs[0], (int, np.integer)):
            kinds = set(map(type, archs))
            if not any(issubclass(k, (bool, np.bool_)) or not issubclass(k, (int, np.integer)) for k in kinds):
                ints = np.asarray(archs, dtype=np.int64)
                inside = (ints >= 0) & (ints < len(by_index))
                return np.where(inside, by_index[np.where(inside, ints, 0)], -1)
        by_name, by_id = index["by_name"], index["by_id"]
        try:
            positions = np.array(list(map(by_name.get, archs, repeat(-1))), dtype=np.int64)
            missing = np.flatnonzero(positions < 0).tolist()
            positions[missing] = [by_id.get(archs[i], -1) for i in missing]
        except TypeError:  # an unhashable representation (a list of ops...): look up strings only
            positions = np.array([by_name.get(a, by_id.get(a, -1)) if type(a) is str else -1 for a in archs],
                                 dtype=np.int64)
        return positions

    def _locate(self, archs: list, dataset, budget, seeds: list, described: dict) -> np.ndarray:
        """Row of each (arch, seed) for (dataset, budget); -1 where the table has none (invalid archs raise).

        Architectures that are not canonical strings, arch_ids or ``arch_index`` ints of the table are parsed
        (strings once per session, see ``PARSED_STRINGS_KEPT``); ``described`` gets their (parsed, canonical
        string, arch_id) by position.
        """
        index = self._ensure_index()
        positions = self._fast_positions(archs)
        for i in np.flatnonzero(positions < 0).tolist():
            arch = archs[i]
            info = self._describe(arch)  # parses: invalid input raises InvalidArchitectureError
            described[i] = info
            positions[i] = index["by_id"].get(info[2], -1)
        out = np.full(len(archs), -1, dtype=np.int64)
        distinct = list(dict.fromkeys(seeds))
        for seed in distinct:
            rows = index["rows"].get((dataset, budget, seed))
            if rows is None:
                continue
            pick = slice(None) if len(distinct) == 1 else np.fromiter((s == seed for s in seeds), bool, len(seeds))
            known_positions = positions[pick]
            out[pick] = np.where(known_positions >= 0, rows[np.maximum(known_positions, 0)], -1)
        return out

    def _gather(self, archs: list, dataset, budget, seeds: list, metrics: list[str]):
        """Table rows of (arch, seed) pairs (-1 = not in the table) and the live curves of the missing ones.

        Returns ``(rows, live)``; ``live`` is None when every pair is a table hit, else a :class:`_Live` with
        the missing pairs' positions, names, ids and ``{metric: (m, E)}`` curves. Without a fallback that
        answers, a miss raises (the single miss path).
        """
        described: dict[int, tuple] = {}
        rows = self._locate(archs, dataset, budget, seeds, described)
        missing = np.flatnonzero(rows < 0)
        if not len(missing):
            return rows, None
        if self.fallback is None or not self.fallback.answers(dataset, budget):
            i = int(missing[0])
            self._not_found(archs[i], None, dataset, budget, seeds[i])
        infos = [described[i] if i in described else self._describe(archs[i]) for i in missing.tolist()]
        parsed, names, ids = (list(column) for column in zip(*infos))
        curves = self.fallback.curves(dataset, parsed, ids, [seeds[i] for i in missing], metrics)
        return rows, _Live(missing, names, ids, curves)

    def _describe(self, arch) -> tuple:
        """(parsed, canonical string, arch_id) of ``arch``; a string is parsed once per session."""
        return self._describe_string(arch) if type(arch) is str else self._parse_and_name(arch)

    def _parse_and_name(self, arch) -> tuple:
        """(parsed, canonical string, arch_id) of ``arch``, parsed now."""
        parsed = self.space.parse(arch)
        return parsed, self.space.format(parsed), self.space.arch_id(parsed)

    def _names_of(self, rows: np.ndarray, dataset: str, live) -> tuple[list, list]:
        """Canonical strings and arch_ids of ``rows`` (table rows, or the parsed misses of ``live``)."""
        index = self._ensure_index()
        hit = rows >= 0
        positions = index["position_of_row"][index["offsets"][dataset] + rows[hit]]
        names = np.empty(len(rows), dtype=object)
        ids = np.empty(len(rows), dtype=object)
        names[hit] = index["names"][positions]
        ids[hit] = index["ids"][positions]
        if live is not None:
            names[live.missing], ids[live.missing] = live.names, live.ids
        return names.tolist(), ids.tolist()

    def _sources_of(self, rows: np.ndarray, dataset: str) -> np.ndarray:
        """``source`` of each row: the table's label for hits, ``live:<checkpoint>`` for -1."""
        hit = rows >= 0
        if hit.any():
            labels = self._source_labels(dataset)
            out = labels.take(np.maximum(rows, 0)) if len(labels) else np.empty(len(rows), dtype=object)
        else:
            out = np.empty(len(rows), dtype=object)
        if not hit.all():
            out[rows < 0] = self.fallback.label(dataset)
        return out

    def _source_labels(self, dataset: str) -> np.ndarray:
        """Per table row of ``dataset``: ``measured`` or ``table:<checkpoint>`` (stored ``surrogate:<checkpoint>``)."""
        labels = self._sources.get(dataset)
        if labels is None:
            import pyarrow as pa

            column = pa.chunked_array([self._read(s, ["source"]).column(0) for s in self._shards[dataset]])
            encoded = column.combine_chunks().dictionary_encode()
            names = np.array([_source_label(v) for v in encoded.dictionary.to_pylist()] + [""], dtype=object)
            labels = self._sources[dataset] = names[encoded.indices.to_numpy(zero_copy_only=False)]
        return labels

    def _cost_column(self, dataset: str, cost: str) -> np.ndarray:
        """Cost column ``cost`` of ``dataset`` as float64 (NaN = NULL), in table order."""
        key = (dataset, "cost:" + cost)
        if key not in self._matrices:
            parts = [self._read(s, [cost]).column(0).to_numpy().astype(np.float64) for s in self._shards[dataset]]
            self._matrices[key] = np.concatenate(parts) if parts else np.empty(0)
        return self._matrices[key]

    def _not_found(self, arch, arch_id=None, dataset=None, budget=None, seed=None):
        """The single miss path: the architecture, or its (dataset, budget, seed) row, is not in the table."""
        text = self.space.format(arch)
        if arch_id is not None:
            raise ArchitectureNotFoundError(f"{self.name}: architecture {text} (arch_id {arch_id}) is not in the table")
        index = self._ensure_index()
        position = self._position(arch)
        have = sorted(((b, s) for (d, b, s), rows in index["rows"].items() if d == dataset and rows[position] >= 0),
                      key=lambda bs: (bs[0], -1 if bs[1] is None else bs[1]))
        offer = [f"budget={b} seed={s}" for b, s in have]
        raise UnknownNameError(f"(budget, seed) for {text} on {dataset}", f"budget={budget} seed={seed}", offer)

    def _ensure_index(self) -> dict:
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def _build_index(self) -> dict:
        """Positions (distinct architectures, in table order) and the row of each position per
        (dataset, budget, seed), from the dictionary-encoded identity columns."""
        import pyarrow as pa

        table = pa.concat_tables([self._read(shard, _IDENTITY) for d in self.datasets for shard in self._shards[d]])
        arch_id = table.column("arch_id").unify_dictionaries()  # the Parquet dictionaries, merged: no decoding
        codes = pa.chunked_array([chunk.indices for chunk in arch_id.chunks], pa.int32()).combine_chunks()
        encoded = codes.dictionary_encode()  # position = code's rank of first appearance: table order
        position_of_row = encoded.indices.to_numpy().astype(np.int64)
        first_row = np.unique(position_of_row, return_index=True)[1]
        ids = np.array(arch_id.chunk(0).dictionary.take(encoded.dictionary).to_pylist(), dtype=object)
        names = np.array(table.column("arch").take(first_row).to_pylist(), dtype=object)
        by_name = dict(zip(names.tolist(), range(len(names))))
        by_id = dict(zip(ids.tolist(), range(len(ids))))
        by_index = None
        arch_index = table.column("arch_index").take(first_row)
        if hasattr(self.space, "arch_index") and len(arch_index) and not arch_index.null_count:
            arch_index = arch_index.to_numpy().astype(np.int64)
            by_index = np.full(arch_index.max() + 1, -1, dtype=np.int64)
            by_index[arch_index] = np.arange(len(arch_index))
        budgets = table.column("budget").to_numpy().astype(np.int64)
        seeds = table.column("seed").fill_null(-1).to_numpy().astype(np.int64)
        null_seed = table.column("seed").is_null().to_numpy(zero_copy_only=False)
        keys = (budgets << 33) + np.where(null_seed, 0, seeds + 2**31 + 1)  # one int per (budget, seed)
        offsets, rows, start = {}, {}, 0
        for dataset in self.datasets:
            count = sum(s["rows"] for s in self._shards[dataset])
            offsets[dataset] = start
            part_keys, part_positions = keys[start:start + count], position_of_row[start:start + count]
            for key in np.unique(part_keys):
                mask = part_keys == key
                lookup = np.full(len(ids), -1, dtype=np.int64)
                lookup[part_positions[mask]] = np.flatnonzero(mask)
                low = int(key) & (2**33 - 1)
                rows[(dataset, int(key) >> 33, None if low == 0 else low - 2**31 - 1)] = lookup
            start += count
        all_seeds = sorted({s for _, _, s in rows}, key=lambda s: -1 if s is None else s)
        return {"names": names, "ids": ids, "by_name": by_name, "by_id": by_id, "by_index": by_index, "rows": rows,
                "offsets": offsets, "position_of_row": position_of_row, "seeds": all_seeds}

    def _curves(self, dataset: str, metric: str) -> CurveStore:
        """Curve column ``metric`` of ``dataset`` in table order, read a few thousand rows at a time."""
        key = (dataset, metric)
        store = self._stores.get(key)
        if store is None:
            blocks = (batch.column(0).flatten().to_numpy().reshape(batch.num_rows, -1)
                      for shard in self._shards[dataset] for batch in self._batches(shard, metric))
            store = self._stores[key] = CurveStore(blocks)
        return store

    def _matrix(self, dataset: str, column: str) -> np.ndarray:
        """Scalar column ``column`` of ``dataset`` as float32 (NaN = NULL), in table order."""
        key = (dataset, column)
        matrix = self._matrices.get(key)
        if matrix is None:
            parts = [self._read(s, [column]).column(0).to_numpy().astype(np.float32) for s in self._shards[dataset]]
            matrix = self._matrices[key] = np.concatenate(parts)
        return matrix

    def _parquet(self, shard: dict):
        """The shard as a memory-mapped ``pyarrow.parquet.ParquetFile``, checked against the manifest."""
        import pyarrow.parquet as pq

        path = self.folder / shard["path"]
        try:
            file = pq.ParquetFile(path, memory_map=True, read_dictionary=["arch_id", "arch"])
        except FileNotFoundError:
            raise CorruptFileError(f"{path}: shard listed in the manifest is missing") from None
        except Exception as err:  # pyarrow raises several types for damaged files
            raise self._unreadable(shard, err) from None
        if file.metadata.num_rows != shard["rows"]:
            raise CorruptFileError(f"{path}: {file.metadata.num_rows} rows, manifest says {shard['rows']}")
        return file

    def _read(self, shard: dict, columns: list[str]):
        """``columns`` of a shard as a pyarrow Table; ``arch``/``arch_id`` stay dictionary-encoded as stored.

        One thread: on few cores it is as fast, and holds less memory.
        """
        try:
            return self._parquet(shard).read(columns, use_threads=False)
        except CorruptFileError:
            raise
        except Exception as err:  # pyarrow raises several types for damaged pages
            raise self._unreadable(shard, err) from None

    def _batches(self, shard: dict, column: str):
        """Column ``column`` of a shard as RecordBatches of ``_BATCH_ROWS`` rows, decoded one at a time."""
        try:
            yield from self._parquet(shard).iter_batches(_BATCH_ROWS, columns=[column], use_threads=False)
        except CorruptFileError:
            raise
        except Exception as err:
            raise self._unreadable(shard, err) from None

    def _unreadable(self, shard: dict, err: Exception) -> CorruptFileError:
        return CorruptFileError(f"{self.folder / shard['path']}: shard is not readable ({err});"
                                f" run `nbx11 verify {self.name}`")


class _Live(NamedTuple):
    """The misses of one request: their positions in it, canonical strings, arch_ids, predicted curves."""

    missing: np.ndarray
    names: list
    ids: list
    curves: dict


def _source_label(stored: str) -> str:
    """What a stored ``source`` says to a reader: ``surrogate:<id>`` rows are answered from the table."""
    return "table:" + stored.split(":", 1)[1] if stored.startswith("surrogate:") else stored
