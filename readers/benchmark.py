"""Open a benchmark folder: lookups through its index, DuckDB SQL over its shards.

Three rooms do the work: the index (:mod:`.index`: architecture -> position ->
row, memory-mapped from the table's ``index/``, or built on first use for a
schema-1 table), the column store (:mod:`.columns`: shards opened once, footer
checked, one curve's row group decoded at a time) and the SQL views
(:mod:`.views`). A batch of ``arch_index`` ints is located in numpy, canonical
strings and arch_ids by their stored keys; other representations are parsed
once each. Rows a
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

import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, NoReturn, cast

import numpy as np

from nbx11_data import arguments, locations, manifest as manifest_io, spaces, vocabulary
from nbx11_data.errors import ArchitectureNotFoundError, UnknownNameError
from nbx11_data.readers import index as index_io, views
from nbx11_data.readers.columns import ColumnStore
from nbx11_data.readers.download import downloaded_datasets
from nbx11_data.readers.fallback import Fallback
from nbx11_data.table_format import FINAL_SUFFIX, final_values

_DEFAULT: Any = object()  # "argument not given" (seed=None means the mean-curve rows)
PARSED_STRINGS_KEPT = 1 << 16  # architecture strings whose parse a session keeps (outside the table's names)
LOOKUPS_KEPT = 1 << 12  # distinct (dataset, metric, budget, seed) arguments whose checked form a session keeps


def open(name: str | os.PathLike, root: str | Path | None = None, fallback: bool = True) -> "Benchmark":  # noqa: A001
    """Open benchmark ``name`` under ``root`` (default: the table roots of :mod:`nbx11_data.locations`:
    ``$NBX11_TABLES``, user data, the download cache of ``nbx11 download``, the shipped tables).

    ``fallback``: predict rows the table lacks with the checkpoint that built it (needs the ``surrogate``
    extra when a miss happens); False makes a miss raise :class:`ArchitectureNotFoundError`.
    """
    name, fallback = arguments.benchmark_name(name), arguments.flag("fallback", fallback)
    root = arguments.folder("tables root", root, optional=True)
    if root is None and "/" in str(name) and (Path(name) / manifest_io.FILENAME).is_file():
        return Benchmark(Path(name), fallback=fallback)  # a folder's path: no root is searched
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
        self.store = ColumnStore(self.folder, self.manifest, self.datasets, self.name)
        self._shards = self.store.shards
        self._index: index_io.Index | None = None
        self._connections: dict[bool, Any] = {}  # sandbox -> DuckDB connection
        self._registered: dict[str, Any] = {}
        self._lookups: dict[tuple, _Lookup] = {}
        self._labels = np.array([_source_label(v) for v in self.manifest.get("index", {}).get("sources", [])]
                                + [""], dtype=object)
        if self.manifest["schema_version"] == 1:
            warnings.warn(f"{self.name}: a schema-1 table (no stored index; it is built on first use); rebuild it"
                          f" with `nbx11 build {self.name}` to open it in milliseconds", stacklevel=3)
        # strings that are not the table's canonical names or ids are parsed once per session
        self._describe_string = lru_cache(maxsize=PARSED_STRINGS_KEPT)(self._parse_and_name)
        self.fallback = Fallback.of(self.manifest, self.datasets, self.epochs, self.budgets) if fallback else None

    def __repr__(self) -> str:
        return f"Benchmark({self.name!r}, folder={str(self.folder)!r})"

    # ----- lookups ---------------------------------------------------------------------------------------

    def curve(self, arch: Any, dataset: str | None = None, metric: str | None = None, seed: Any = _DEFAULT,
              budget: int | None = None, with_source: bool = False) -> np.ndarray | tuple[np.ndarray, str]:
        """The curve of one architecture (any representation the space accepts), epochs 1..budget, float32.

        ``with_source=True`` returns ``(curve, source)``.
        """
        lookup = self._lookup(dataset, metric, budget, seed)
        with_source = arguments.flag("with_source", with_source)
        position = self._position(arch, missing_ok=True)
        row = -1 if lookup.rows is None or position < 0 else int(lookup.rows[position])
        if row < 0:
            values, sources = self.curves([arch], lookup.dataset, lookup.metric, lookup.seed, lookup.budget,
                                          with_source=True)
            return (values[0], sources[0]) if with_source else values[0]
        curve = self.store.curve(lookup.dataset, lookup.metric, row, lookup.epochs)
        return (curve, self._sources_of(np.array([row]), lookup.dataset)[0]) if with_source else curve

    def curves(self, archs: Any, dataset: str | None = None, metric: str | None = None, seed: Any = _DEFAULT,
               budget: int | None = None, with_source: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Curves of many architectures as one (n, epochs) float32 array, in the order given.

        ``with_source=True`` returns ``(curves, sources)``, ``sources`` one string per row.
        """
        dataset, metric, budget, seed, epochs, _ = self._lookup(dataset, metric, budget, seed)
        with_source = arguments.flag("with_source", with_source)
        archs = arguments.arch_list(archs, self.space)
        rows, live = self._gather(archs, dataset, budget, [seed] * len(archs), [metric])
        if live is None:
            out = self.store.curves(dataset, metric, rows, epochs)
        else:
            out = np.empty((len(rows), epochs), dtype=np.float32)
            hit = rows >= 0
            if hit.any():  # a request of misses only never reads the table's curves
                out[hit] = self.store.curves(dataset, metric, rows[hit], epochs)
            out[~hit] = live.curves[metric][:, :epochs]
        return (out, self._sources_of(rows, dataset)) if with_source else out

    def query(self, archs: Any, dataset: str | None = None, metrics: list[str] | None = None, seed: Any = _DEFAULT,
              budget: int | None = None, epoch: int | None = None, arrow: bool = False) -> Any:
        """One row per architecture: identity, source, then each metric's value at ``epoch`` (1-based; default
        final).

        Returns a pandas DataFrame, or a pyarrow Table with ``arrow=True``.
        """
        import pyarrow as pa

        dataset, _, budget, seed, _, _ = self._lookup(dataset, None, budget, seed)
        arrow = arguments.flag("arrow", arrow)
        archs, metrics = arguments.arch_list(archs, self.space), arguments.metrics(metrics, self.metrics)
        epoch = arguments.epoch(epoch)
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
                values[hit] = self.store.scalar(dataset, metric + FINAL_SUFFIX, np.float32)[rows[hit]]
            else:
                values[hit] = self.store.curves(dataset, metric, rows[hit], epoch)[:, -1]
            if live is not None:
                curves = live.curves[metric][:, : self.budgets[budget]]
                values[~hit] = final_values(curves) if epoch is None else curves[:, epoch - 1]
            columns[metric] = pa.array(values, pa.float32(), from_pandas=epoch is None)
        table = pa.table(columns)
        return table if arrow else table.to_pandas()

    def rows(self, archs: Any, seeds: Any = _DEFAULT, dataset: str | None = None, budget: int | None = None,
             arrow: bool = True) -> Any:
        """Whole rows, one per (architecture, seed), with the columns of the ``curves`` view.

        Table rows for hits, live predictions for the rest (``source`` says which); ``seeds``: one seed or
        a list (each architecture with each seed; None = the mean rows). Returns a pyarrow Table (or pandas).
        """
        import pyarrow as pa

        dataset, _, budget, _, _, _ = self._lookup(dataset, None, budget, None)
        arrow = arguments.flag("arrow", arrow)
        archs = arguments.arch_list(archs, self.space)
        seeds = [self.defaults.get("seed")] if seeds is _DEFAULT else arguments.seeds(seeds)
        archs_x, seeds_x = [a for a in archs for _ in seeds], seeds * len(archs)
        rows, live = self._gather(archs_x, dataset, budget, seeds_x, self.metrics)
        hit = rows >= 0
        names, ids = self._names_of(rows, dataset, live)
        if self.space.HAS_ARCH_INDEX:
            indexed = cast(spaces.IndexedSearchSpace, self.space)
            arch_index: list[int | None] = [int(indexed.arch_index(a)) for a in names]
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
                curves[hit] = self.store.curves(dataset, metric, rows[hit], self.epochs)
                final[hit] = self.store.scalar(dataset, metric + FINAL_SUFFIX, np.float32)[rows[hit]]
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
                values[hit] = self.store.scalar(dataset, cost, np.float64)[rows[hit]]
            columns[cost] = pa.array(values, pa.float64(), from_pandas=True)
        columns["dataset"] = pa.array([dataset] * len(rows), pa.string())
        table = pa.table(columns)
        return table if arrow else table.to_pandas()

    def register(self, name: str, archs: Any, seeds: Any = _DEFAULT, dataset: str | None = None,
                 budget: int | None = None) -> None:
        """Make :meth:`rows` of ``archs`` a DuckDB view ``name`` beside ``curves``, with the same columns.

        Example: ``bench.register("candidates", archs, seeds=range(5))`` then
        ``bench.sql("SELECT source, avg(val_score_final) FROM candidates GROUP BY source")``.
        """
        name = arguments.view_name(name)
        table = self._registered[name] = self.rows(archs, seeds, dataset, budget)
        for connection in self._connections.values():
            connection.register(name, table)

    def archs(self, dataset: str | None = None) -> list[str]:
        """Canonical strings of the architectures in the table (of ``dataset``, default all), in table order."""
        dataset = arguments.name("dataset", dataset, self.datasets)
        index = self._ensure_index()
        held = self.datasets if dataset is None else [self._check("dataset", dataset, self.datasets)]
        positions = np.concatenate([index.position_of_row[index.offsets[d]:index.offsets[d] + self.store.rows(d)]
                                    for d in held])
        first = np.unique(positions, return_index=True)[1]
        return index.names(positions[np.sort(first)])

    def info(self) -> dict:
        """Name, space, datasets, metrics (unit, direction), costs, budgets, seeds, rows, provenance, code version."""
        index = self._ensure_index()
        return {
            "name": self.name, "space": self.space.NAME, "folder": str(self.folder), "datasets": self.datasets,
            "metrics": {m: {k: self.columns[m].get(k) for k in ("unit", "direction", "description")}
                        for m in self.metrics},
            "costs": {c: {k: self.columns[c].get(k) for k in ("unit", "description")} for c in self.costs},
            "epochs": self.epochs, "budgets": self.budgets, "defaults": self.defaults,
            "seeds": sorted({s for d, _, s in index.keys if d in self.datasets}, key=lambda s: -1 if s is None else s),
            "architectures": index.positions,
            "rows": {d: sum(s["rows"] for s in self._shards[d]) for d in self.datasets},
            "sources": sorted({p["name"] for p in self.manifest["provenance"]}),
            "code_version": self.manifest["code_version"],
        }

    def verify(self, content: bool = False) -> dict:
        """Check every file against the manifest (see :func:`nbx11_data.manifest.verify`)."""
        return manifest_io.verify(self.folder, content=content)

    # ----- SQL -------------------------------------------------------------------------------------------

    def sql(self, query: str, params: Any = None, sandbox: bool = False) -> Any:
        """Run ``query`` in DuckDB over the views ``curves``, ``curves_long``, ``final``; returns a relation.

        ``sandbox=True``: the query sees the benchmark's views (and :meth:`register`-ed ones) and nothing else:
        reading other files, writing (``COPY ... TO``), ``ATTACH`` and extensions fail.
        """
        connection = self._connect(sandbox)
        return connection.sql(query, params=params) if params is not None else connection.sql(query)

    @property
    def connection(self) -> Any:
        """The DuckDB connection with the views registered (created on first use)."""
        return self._connect(False)

    def _connect(self, sandbox: bool) -> Any:
        connection = self._connections.get(sandbox)
        if connection is None:
            connection = self._connections[sandbox] = views.connect(self, sandbox=sandbox)
            for name, table in self._registered.items():
                connection.register(name, table)
        return connection


    # ----- internals -------------------------------------------------------------------------------------

    def _lookup(self, dataset, metric, budget, seed) -> "_Lookup":
        """The lookups' common arguments, checked (:mod:`nbx11_data.arguments`) and resolved to the table's
        names, with the row of each position they select; kept per distinct arguments (their types included)."""
        try:
            key = (dataset, metric, budget, seed, type(dataset), type(metric), type(budget), type(seed))
            return self._lookups[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: the checks below say what is allowed
            key = None
        dataset, metric = arguments.name("dataset", dataset, self.datasets), arguments.name("metric", metric, self.metrics)
        budget, seed = arguments.budget(budget, self.budgets), seed if seed is _DEFAULT else arguments.seed(seed)
        dataset, metric, budget, seed = self._resolve_names(dataset, metric, budget, seed)
        lookup = _Lookup(dataset, metric, budget, seed, self.budgets[budget],
                         self._ensure_index().rows_of(dataset, budget, seed))
        if key is not None:
            if len(self._lookups) >= LOOKUPS_KEPT:
                self._lookups.clear()
            self._lookups[key] = lookup
        return lookup

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
        if type(name) is str and name in self.columns and self.columns[name]["kind"] == "curve":
            return name
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
        position = index.quick_position(arch)
        if position >= 0:
            return position
        arch_id = self.space.arch_id(arch)  # parses: invalid input raises InvalidArchitectureError
        position = index.id_position(arch_id)
        if position < 0:
            if missing_ok:
                return -1
            self._not_found(arch, arch_id)
        return position

    def _fast_positions(self, archs: list) -> np.ndarray:
        """Positions of ``archs`` found without parsing: canonical strings, arch_ids and (where the space
        enumerates) ``arch_index`` ints; -1 for anything else (the caller parses those)."""
        index = self._ensure_index()
        by_index = index.by_index
        if by_index is not None and archs and isinstance(archs[0], (int, np.integer)):
            kinds = set(map(type, archs))
            if not any(issubclass(k, (bool, np.bool_)) or not issubclass(k, (int, np.integer)) for k in kinds):
                ints = np.asarray(archs, dtype=np.int64)
                inside = (ints >= 0) & (ints < len(by_index))
                return np.where(inside, by_index[np.where(inside, ints, 0)], -1).astype(np.int64)
        return index.positions_of(archs)

    def _locate(self, archs: list, dataset, budget, seeds: list, described: dict) -> np.ndarray:
        """Row of each (arch, seed) for (dataset, budget); -1 where the table has none (invalid archs raise).

        Architectures that are not canonical strings, arch_ids or ``arch_index`` ints of the table are parsed
        (strings once per session, see ``PARSED_STRINGS_KEPT``); ``described`` gets their (parsed, canonical
        string, arch_id) by position.
        """
        index = self._ensure_index()
        positions = self._fast_positions(archs)
        unknown = np.flatnonzero(positions < 0)
        if len(unknown):
            infos = self._describe_many([archs[i] for i in unknown.tolist()])  # invalid input raises here
            described.update(zip(unknown.tolist(), infos))
            positions[unknown] = index.id_positions([info[2] for info in infos])
        out = np.full(len(archs), -1, dtype=np.int64)
        distinct = dict(zip(dict.fromkeys(seeds), range(len(seeds))))  # seed -> its number, in first-seen order
        which = np.fromiter(map(distinct.__getitem__, seeds), np.int64, len(seeds)) if len(distinct) > 1 else None
        for seed, k in distinct.items():
            rows = index.rows_of(dataset, budget, seed)
            if rows is None:
                continue
            pick = slice(None) if which is None else which == k
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

    def _describe_many(self, archs: list) -> list[tuple]:
        """:meth:`_describe` of each of ``archs``, each distinct string once."""
        strings: dict[str, Any] = {arch: None for arch in archs if type(arch) is str}
        for text in strings:
            strings[text] = self._describe_string(text)
        return [strings[arch] if type(arch) is str else self._parse_and_name(arch) for arch in archs]

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
        positions = index.position_of_row[index.offsets[dataset] + rows[hit]]
        names = np.empty(len(rows), dtype=object)
        ids = np.empty(len(rows), dtype=object)
        names[hit] = index.names(positions)
        ids[hit] = index.arch_ids(positions)
        if live is not None:
            names[live.missing], ids[live.missing] = live.names, live.ids
        return names.tolist(), ids.tolist()

    def _sources_of(self, rows: np.ndarray, dataset: str) -> np.ndarray:
        """``source`` of each row: the table's label for hits (``measured``, or ``table:<checkpoint>`` for a
        stored ``surrogate:<checkpoint>``), ``live:<checkpoint>`` for -1."""
        index = self._ensure_index()
        codes = np.full(len(rows), len(self._labels) - 1, dtype=np.int64)
        hit = rows >= 0
        codes[hit] = index.source_codes[index.offsets[dataset] + rows[hit]]
        out = self._labels[codes]
        if not hit.all():
            assert self.fallback is not None  # a miss got this far only where the fallback answered it
            out[~hit] = self.fallback.label(dataset)
        return out

    def _not_found(self, arch, arch_id=None, dataset=None, budget=None, seed=None) -> NoReturn:
        """The single miss path: the architecture, or its (dataset, budget, seed) row, is not in the table."""
        text = self.space.format(arch)
        if arch_id is not None:
            raise ArchitectureNotFoundError(f"{self.name}: architecture {text} (arch_id {arch_id}) is not in the table")
        index = self._ensure_index()
        position = self._position(arch)
        have = sorted(((b, s) for d, b, s in index.keys if d == dataset and index.rows_of(d, b, s)[position] >= 0),  # type: ignore[index]
                      key=lambda bs: (bs[0], -1 if bs[1] is None else bs[1]))
        offer = [f"budget={b} seed={s}" for b, s in have]
        raise UnknownNameError(f"(budget, seed) for {text} on {dataset}", f"budget={budget} seed={seed}", offer)

    def _ensure_index(self) -> index_io.Index:
        if self._index is None:
            self._index = self._load_index()
        return self._index

    def _load_index(self) -> index_io.Index:
        """The stored index, memory-mapped; for a schema-1 table, the same arrays computed from its shards."""
        if self.manifest["schema_version"] >= 2:
            return index_io.load(self.folder, self.manifest["index"])
        import pyarrow as pa

        table = pa.concat_tables([self.store.read(s, index_io.IDENTITY) for d in self.datasets for s in self._shards[d]])
        arrays, meta = index_io.compute(table, {d: self.store.rows(d) for d in self.datasets},
                                        enumerable=self.space.HAS_ARCH_INDEX)
        self._labels = np.array([_source_label(v) for v in meta["sources"]] + [""], dtype=object)
        return index_io.Index(arrays, meta)


class _Lookup(NamedTuple):
    """The checked arguments of a lookup, resolved, and the row (-1: none) of each position they select."""

    dataset: str
    metric: str
    budget: int
    seed: Any
    epochs: int
    rows: np.ndarray | None


class _Live(NamedTuple):
    """The misses of one request: their positions in it, canonical strings, arch_ids, predicted curves."""

    missing: np.ndarray
    names: list
    ids: list
    curves: dict


def _source_label(stored: str) -> str:
    """What a stored ``source`` says to a reader: ``surrogate:<id>`` rows are answered from the table."""
    return "table:" + stored.split(":", 1)[1] if stored.startswith("surrogate:") else stored
