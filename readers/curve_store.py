"""One curve column in memory, compact where its rows are mostly NaN.

A row with at most one measured epoch (most of nb201's rows hold only the final value) is kept as
``(epoch position, value)``; the other rows as dense float32 rows. A column whose rows are all dense keeps
one matrix. Built block by block (a few thousand rows at a time), so the full (rows, E) matrix of a
mostly-NaN column is never held.

Example:
    >>> nan = np.nan
    >>> store = CurveStore([np.array([[nan, 1.0, nan], [2.0, 3.0, 4.0], [nan, nan, nan]], np.float32)])
    >>> store.take(np.array([1, 0, 2]), 2).tolist()
    [[2.0, 3.0], [nan, 1.0], [nan, nan]]
    >>> store.row(0, 3).tolist(), store.dense.shape
    ([nan, 1.0, nan], (1, 3))
"""

from __future__ import annotations

from typing import Iterable

import numpy as np


class CurveStore:
    """Rows of one (dataset, curve column) in table order; see the module docstring."""

    def __init__(self, blocks: Iterable[np.ndarray]) -> None:
        dense, slot, at, value, held = [], [], [], [], 0
        for block in blocks:  # (r, E) float32
            measured = ~np.isnan(block)
            single = measured.sum(axis=1) <= 1
            slot.append(np.where(single, -1, held + np.cumsum(~single) - 1).astype(np.int32))
            held += int((~single).sum())
            dense.append(block if not single.any() else block[~single])
            position = np.where(single & measured.any(axis=1), measured.argmax(axis=1), -1)
            at.append(position.astype(np.int32))
            value.append(block[np.arange(len(block)), np.maximum(position, 0)])
        self.dense = np.concatenate(dense) if len(dense) > 1 else dense[0]
        self.slot, self.at, self.value = (np.concatenate(parts) for parts in (slot, at, value))
        self.all_dense = held == len(self.slot)
        self.width = self.dense.shape[1]
        self._nan = np.full(self.width, np.nan, dtype=np.float32)

    def take(self, rows: np.ndarray, stop: int) -> np.ndarray:
        """(len(rows), stop) float32: epochs ``1..stop`` of each row in ``rows`` (all must be valid rows)."""
        if self.all_dense:
            return self.dense.take(rows, axis=0) if stop == self.dense.shape[1] else self.dense[rows, :stop]
        out = np.full((len(rows), stop), np.nan, dtype=np.float32)
        at = self.at[rows]
        single = np.flatnonzero((at >= 0) & (at < stop))
        out[single, at[single]] = self.value[rows[single]]
        slot = self.slot[rows]
        dense = np.flatnonzero(slot >= 0)
        if len(dense):
            out[dense] = self.dense[slot[dense], :stop]
        return out

    def row(self, row: int, stop: int) -> np.ndarray:
        """Epochs ``1..stop`` of one row (a new array)."""
        slot = self.slot[row]
        if slot >= 0:
            return self.dense[slot].copy() if stop == self.width else self.dense[slot, :stop].copy()
        out = self._nan[:stop].copy()
        at = self.at[row]
        if 0 <= at < stop:
            out[at] = self.value[row]
        return out
