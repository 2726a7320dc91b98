"""Work units of a surrogate table: compute the rows of a few architectures, store them atomically.

Per predicted architecture: the noiseless mean curve (``seed`` NULL) and one noisy curve per seed,
every metric of the checkpoint, from one :meth:`~nbx11_data.surrogate.Ensemble.predict_seeds`
pass (noise from the per-(checkpoint, arch, seed) generator). Per measured architecture: the mean
of its runs (``seed`` NULL) and each run (``seed`` = its repeat number, in source order). A unit
file (Arrow IPC, ``unit-<u:06d>.arrow``) is written to a temporary name and renamed, so a unit
either exists whole or not at all.

Example:
    >>> layout = Layout.from_checkpoint(meta, name="nbnlp11-wt2", costs=[])  # doctest: +SKIP
    >>> unit_table(ensemble, layout, plan.unit(0), seeds=range(5)).num_rows  # doctest: +SKIP
    6144
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from nbx11_data import spaces, vocabulary
from nbx11_data.errors import CorruptFileError
from nbx11_data.io import atomic_write_bytes
from nbx11_data.table_format import Column, build_schema, with_finals


@dataclass(frozen=True)
class Layout:
    """Where a checkpoint's predictions land in the table: schema, metrics, epoch positions, source tag."""

    name: str
    space: str
    dataset: str
    checkpoint_id: str
    metrics: tuple[str, ...]  # the checkpoint's metric names (its own, e.g. x11's)
    positions: tuple[int, ...]  # table-axis position of each checkpoint epoch
    epochs: int  # the table's axis length E = the largest checkpoint epoch (also the one budget)
    costs: tuple[str, ...]
    schema: pa.Schema
    columns: tuple[str, ...] = ()  # the table's name of each metric (today's vocabulary)

    @property
    def source(self) -> str:
        return f"surrogate:{self.checkpoint_id}"

    @classmethod
    def from_checkpoint(cls, meta: dict, name: str, costs: list[Column]) -> "Layout":
        """The layout of benchmark ``name`` built from a checkpoint's ``checkpoint.json`` ``meta``; its curve
        columns take today's names and units of the checkpoint's metrics (:func:`vocabulary.column_meta`)."""
        epochs = [int(e) for e in meta["epochs"]]
        if not epochs or epochs[0] < 1 or any(b <= a for a, b in zip(epochs, epochs[1:])):
            raise CorruptFileError(f"checkpoint {meta['checkpoint_id']}: epochs must rise from 1 or more, got {epochs}")
        metrics = tuple(meta["metric_order"])
        named = [vocabulary.column_meta(m, meta["metrics"][m].get("unit"), meta["metrics"][m].get("description", m))
                 for m in metrics]
        curves = [Column(name, "curve", unit, meta["metrics"][m].get("direction"), description)
                  for m, (name, unit, description) in zip(metrics, named)]
        axis = epochs[-1]
        schema = build_schema(curves, list(costs), axis,
                              {"benchmark": name, "space": meta["space"], "budgets": {str(axis): axis}})
        return cls(name, meta["space"], meta["dataset"], meta["checkpoint_id"], metrics,
                   tuple(e - 1 for e in epochs), axis, tuple(c.name for c in costs), schema,
                   tuple(c.name for c in curves))

    @property
    def row_bytes(self) -> int:
        """An upper estimate of one row's decoded size (strings allowed 256 bytes)."""
        return 4 * self.epochs * len(self.metrics) + 4 * len(self.metrics) + 8 * len(self.costs) + 16 + 256


def unit_table(ensemble, layout: Layout, entries: list, seeds: list[int]) -> pa.Table:
    """The rows of ``entries`` (see :mod:`.plan`) in table order, cast to ``layout.schema``."""
    space = spaces.get(layout.space)
    parsed = [space.parse(entry.arch) for entry in entries]
    counts = np.array([1 + (len(seeds) if e.runs is None else _runs(e)) for e in entries], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    total = int(counts.sum())
    positions = np.asarray(layout.positions, dtype=np.int64)
    curves = {m: np.full((total, layout.epochs), np.nan, dtype=np.float32) for m in layout.metrics}
    predicted = [i for i, entry in enumerate(entries) if entry.runs is None]
    if predicted:
        out = ensemble.predict_seeds([parsed[i] for i in predicted], seeds, list(layout.metrics))
        rows = (starts[predicted][:, None] + np.arange(1 + len(seeds))).reshape(-1)
        for m in layout.metrics:
            curves[m][np.ix_(rows, positions)] = out[m].reshape(len(rows), -1)
    seed_column: list[int | None] = []
    sources: list[str] = []
    for i, entry in enumerate(entries):
        if entry.runs is None:
            seed_column += [None, *seeds]
            sources += [layout.source] * int(counts[i])
            continue
        seed_column += [None, *range(int(counts[i]) - 1)]
        sources += ["measured"] * int(counts[i])
        for m, runs in entry.runs.items():
            if m in curves:
                runs = np.asarray(runs, dtype=np.float64)
                block = np.vstack([runs.mean(axis=0, keepdims=True), runs]).astype(np.float32)
                curves[m][np.ix_(starts[i] + np.arange(len(block)), positions)] = block
    ids = [entry.arch_id or space.arch_id(arch) for entry, arch in zip(entries, parsed)]
    repeat = lambda values: np.repeat(np.array(values, dtype=object), counts).tolist()  # noqa: E731
    columns = {
        "arch_id": pa.array(repeat(ids), pa.string()),
        "arch": pa.array(repeat([e.arch for e in entries]), pa.string()),
        "arch_index": pa.array(repeat([e.arch_index for e in entries]), pa.int32()),
        "seed": pa.array(seed_column, pa.int32()),
        "budget": pa.array(np.full(total, layout.epochs, dtype=np.int32)),
        "source": pa.array(sources, pa.string()),
    }
    for m, name in zip(layout.metrics, layout.columns or layout.metrics):
        columns[name] = pa.FixedSizeListArray.from_arrays(pa.array(curves[m].reshape(-1)), layout.epochs)
    for cost in layout.costs:
        columns[cost] = pa.array(repeat([(e.costs or {}).get(cost) for e in entries]), pa.float64())
    table = with_finals(pa.table(columns), layout.schema)
    return table.select(layout.schema.names).cast(layout.schema)


def _runs(entry) -> int:
    counts = {len(runs) for runs in entry.runs.values()}
    if len(counts) != 1 or 0 in counts:
        raise CorruptFileError(f"{entry.arch}: measured metrics disagree on the number of runs ({sorted(counts)})")
    return counts.pop()


def unit_path(work: Path, u: int) -> Path:
    return Path(work) / f"unit-{u:06d}.arrow"


def unit_bytes(table: pa.Table) -> bytes:
    """The stored form of a unit: Arrow IPC file, lz4-compressed."""
    buffer = io.BytesIO()
    with pa.ipc.new_file(buffer, table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(table)
    return buffer.getvalue()


def write_unit(work: Path, u: int, table: pa.Table) -> None:
    """Store unit ``u`` atomically."""
    atomic_write_bytes(unit_path(work, u), unit_bytes(table))


def read_unit(work: Path, u: int, schema: pa.Schema) -> pa.Table:
    """Unit ``u``; :class:`CorruptFileError` naming the file if it is unreadable or of another schema."""
    path = unit_path(work, u)
    try:
        with pa.OSFile(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid) as err:
        raise CorruptFileError(f"{path}: unreadable work unit ({err}); delete it and build again") from None
    return _checked(table, schema, str(path))


def parse_unit(data: bytes, schema: pa.Schema, name: str) -> pa.Table:
    """The table of a unit's stored bytes (e.g. sent by a cluster worker), checked like :func:`read_unit`."""
    try:
        table = pa.ipc.open_file(pa.BufferReader(data)).read_all()
    except (OSError, pa.ArrowInvalid) as err:
        raise CorruptFileError(f"{name}: unreadable work unit ({err})") from None
    return _checked(table, schema, name)


def _checked(table: pa.Table, schema: pa.Schema, name: str) -> pa.Table:
    if not table.schema.equals(schema, check_metadata=True):
        raise CorruptFileError(f"{name}: work unit of another schema; delete it and build again")
    return table
