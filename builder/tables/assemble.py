"""Collect measured or predicted values into the rows of one dataset partition.

Values arrive from several sources (final-only files, full-curve archives,
surrogates); each lands at (row, epoch position) where a row is
(arch, seed, budget). Two sources giving different values for the same cell
is an error, never a silent overwrite.

Example:
    >>> from nbx11_data.spaces import nb201
    >>> rows = PartitionRows(nb201, epochs=3, curves=["valid_acc"], costs=["params"])
    >>> ids = rows.rows([nb201.format(0)], seed=None, budget=3)
    >>> rows.put(ids, "valid_acc", 2, [50.0])
    >>> rows.to_table().column("valid_acc").to_pylist()[0][2]
    50.0
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from nbx11_data.errors import CorruptFileError


class PartitionRows:
    """Rows of one dataset partition, filled cell by cell, turned into an Arrow table sorted by identity."""

    def __init__(self, space, epochs: int, curves: list[str], costs: list[str]) -> None:
        self.space, self.epochs = space, epochs
        self._keys: dict[tuple, int] = {}
        self._sources: list[str] = []
        self._points = {name: [] for name in curves}  # name -> [(rows, positions, values)]
        self._costs = {name: {} for name in costs}  # name -> {arch: value}

    def rows(self, archs: list[str], seed: int | None, budget: int, source: str = "measured") -> np.ndarray:
        """Row ids of (arch, seed, budget) for canonical ``archs``, created on first use."""
        out = np.empty(len(archs), dtype=np.int64)
        for i, arch in enumerate(archs):
            key = (arch, seed, budget)
            row = self._keys.setdefault(key, len(self._keys))
            if row == len(self._sources):
                self._sources.append(source)
            elif self._sources[row] != source:
                raise CorruptFileError(f"{key}: given by both {self._sources[row]!r} and {source!r}")
            out[i] = row
        return out

    def put(self, rows: np.ndarray, name: str, position: int, values) -> None:
        """Set curve ``name`` at epoch ``position`` (0-based) of ``rows``; NaN values are skipped."""
        values = np.asarray(values, dtype=np.float64)
        keep = ~np.isnan(values)
        self._points[name].append((rows[keep], np.full(keep.sum(), position), values[keep]))

    def put_curve(self, row: int, name: str, values) -> None:
        """Set the whole curve ``name`` of one row from epoch 1; NaN values are skipped."""
        values = np.asarray(values, dtype=np.float64)
        positions = np.flatnonzero(~np.isnan(values))
        if len(values) > self.epochs:
            raise CorruptFileError(f"{name}: {len(values)} epochs, the axis has {self.epochs}")
        self._points[name].append((np.full(len(positions), row), positions, values[positions]))

    def set_cost(self, archs: list[str], name: str, values) -> None:
        """Per-architecture cost ``name``; a second, different value for an architecture is an error."""
        table = self._costs[name]
        for arch, value in zip(archs, np.asarray(values, dtype=np.float64)):
            if np.isnan(value):
                continue
            old = table.setdefault(arch, value)
            if not np.isclose(old, value, rtol=1e-9, atol=0):
                raise CorruptFileError(f"{arch}: sources disagree on {name}: {old!r} vs {value!r}")

    def add_run(self, run) -> None:
        """All curves and costs of a :class:`~nbx11_data.builder.sources.Run`."""
        row = int(self.rows([run.arch], run.seed, run.budget)[0])
        for name, values in run.curves.items():
            self.put_curve(row, name, values)
        for name, value in run.costs.items():
            self.set_cost([run.arch], name, [value])

    def to_table(self) -> pa.Table:
        """Identity, curve and cost columns (in that order), rows sorted by (index or id, budget, seed)."""
        keys = list(self._keys)
        archs = sorted({arch for arch, _, _ in keys})
        ids = {arch: self.space.arch_id(arch) for arch in archs}
        index = {arch: self.space.arch_index(arch) for arch in archs} if self.space.HAS_ARCH_INDEX else {}
        order = sorted(range(len(keys)), key=lambda i: (
            index.get(keys[i][0], -1), ids[keys[i][0]], keys[i][2], keys[i][1] is not None, keys[i][1] or 0))
        new_row = np.empty(len(keys), dtype=np.int64)
        new_row[order] = np.arange(len(keys))
        ordered = [keys[i] for i in order]
        columns = {
            "arch_id": pa.array([ids[a] for a, _, _ in ordered], pa.string()),
            "arch": pa.array([a for a, _, _ in ordered], pa.string()),
            "arch_index": pa.array([index.get(a) for a, _, _ in ordered], pa.int32()),
            "seed": pa.array([s for _, s, _ in ordered], pa.int32()),
            "budget": pa.array([b for _, _, b in ordered], pa.int32()),
            "source": pa.array([self._sources[i] for i in order], pa.string()),
        }
        for name, parts in self._points.items():
            columns[name] = self._dense(name, parts, new_row, ordered)
        for name, table in self._costs.items():
            columns[name] = pa.array([table.get(a) for a, _, _ in ordered], pa.float64())
        return pa.table(columns)

    def _dense(self, name: str, parts: list, new_row: np.ndarray, ordered: list) -> pa.Array:
        dense = np.full((len(new_row), self.epochs), np.nan, dtype=np.float32)
        if parts:
            rows = new_row[np.concatenate([p[0] for p in parts]).astype(np.int64)]
            positions = np.concatenate([p[1] for p in parts]).astype(np.int64)
            values = np.concatenate([p[2] for p in parts])
            cells = rows * self.epochs + positions
            order = np.argsort(cells, kind="stable")
            cells, values = cells[order], values[order]
            same = cells[1:] == cells[:-1]
            clash = same & ~np.isclose(values[1:], values[:-1], rtol=1e-9, atol=0)
            if clash.any():
                at = int(np.flatnonzero(clash)[0])
                arch, seed, budget = ordered[cells[at] // self.epochs]
                raise CorruptFileError(f"sources disagree on {name} of {arch} seed {seed} budget {budget} at epoch"
                                       f" {cells[at] % self.epochs + 1}: {values[at]!r} vs {values[at + 1]!r}")
            dense.reshape(-1)[cells] = values.astype(np.float32)
        return pa.FixedSizeListArray.from_arrays(pa.array(dense.reshape(-1)), self.epochs)
