"""The column store of a benchmark: shard files opened once (footer checked against the manifest, page
checksums verified on every read), curve columns read one row group at a time.

A single curve decodes only the row group that holds it (row groups are sized so that one curve column's
group is about 1 MB, see :func:`nbx11_data.builder.shards.row_group_rows`); a batch, or a session that has
touched many row groups, decodes the whole column once into a :class:`~.curve_store.CurveStore`.

Example:
    >>> import nbx11_data
    >>> store = nbx11_data.open("nb201").store
    >>> store.curve("cifar100", "valid_accuracy", 0, 200).shape
    (200,)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nbx11_data import manifest as manifest_io
from nbx11_data.errors import CorruptFileError
from nbx11_data.readers.curve_store import CurveStore

BLOCKS_BEFORE_WHOLE = 4  # row groups of one column decoded singly before the whole column is decoded
SMALL_BATCH = 16  # a batch of at most this many rows reads row groups singly


class ColumnStore:
    """Reads the shards of one benchmark folder; see the module docstring."""

    def __init__(self, folder: Path, manifest: dict, datasets: list[str], name: str) -> None:
        self.folder, self.manifest, self.name = folder, manifest, name
        self.shards = {d: [s for s in manifest["shards"] if s["partition"]["dataset"] == d] for d in datasets}
        self._starts = {d: np.cumsum([0, *(s["rows"] for s in shards)]) for d, shards in self.shards.items()}
        self._files: dict[str, object] = {}
        self._groups: dict[str, np.ndarray] = {}  # shard path -> first row of each row group (+ end)
        self._blocks: dict[tuple, np.ndarray] = {}  # (dataset, metric, shard, group) -> (rows, E)
        self._whole: dict[tuple[str, str], CurveStore] = {}
        self._scalars: dict[tuple[str, str, str], np.ndarray] = {}

    def rows(self, dataset: str) -> int:
        """Number of rows of ``dataset``."""
        return int(self._starts[dataset][-1])

    def curve(self, dataset: str, metric: str, row: int, stop: int) -> np.ndarray:
        """Epochs ``1..stop`` of one row (a new float32 array)."""
        whole = self._whole.get((dataset, metric))
        if whole is not None:
            return whole.row(row, stop)
        block, at = self._block(dataset, metric, row)
        return block[at, :stop].copy()

    def curves(self, dataset: str, metric: str, rows: np.ndarray, stop: int) -> np.ndarray:
        """(len(rows), stop) float32: epochs ``1..stop`` of each of ``rows`` (all valid)."""
        whole = self._whole.get((dataset, metric))
        if whole is None and len(rows) <= SMALL_BATCH:
            out = np.empty((len(rows), stop), dtype=np.float32)
            for i, row in enumerate(rows.tolist()):
                block, at = self._block(dataset, metric, row)
                out[i] = block[at, :stop]
            return out
        return self._whole_column(dataset, metric).take(rows, stop)

    def scalar(self, dataset: str, column: str, dtype) -> np.ndarray:
        """Scalar column ``column`` of ``dataset`` in table order (NaN = NULL)."""
        key = (dataset, column, np.dtype(dtype).str)
        values = self._scalars.get(key)
        if values is None:
            parts = [self.read(s, [column]).column(0).to_numpy().astype(dtype) for s in self.shards[dataset]]
            values = self._scalars[key] = np.concatenate(parts) if parts else np.empty(0, dtype)
        return values

    def read(self, shard: dict, columns: list[str]):
        """``columns`` of a shard as a pyarrow Table (one thread: as fast on few cores, less memory)."""
        try:
            return self.file(shard).read(columns, use_threads=False)
        except CorruptFileError:
            raise
        except Exception as err:  # pyarrow raises several types for damaged pages
            raise self._unreadable(shard, err) from None

    def file(self, shard: dict):
        """The shard's ``ParquetFile``, opened on first use with its footer checked against the manifest."""
        parquet = self._files.get(shard["path"])
        if parquet is None:
            parquet = manifest_io.open_shard(self.folder, shard, self.manifest, memory_map=True)
            self._files[shard["path"]] = parquet
        return parquet

    def _block(self, dataset: str, metric: str, row: int) -> tuple[np.ndarray, int]:
        """The decoded row group of ``metric`` holding ``row`` of ``dataset``, and the row's place in it."""
        i = int(np.searchsorted(self._starts[dataset], row, side="right")) - 1
        shard, local = self.shards[dataset][i], row - int(self._starts[dataset][i])
        groups = self._row_groups(shard)
        group = int(np.searchsorted(groups, local, side="right")) - 1
        key = (dataset, metric, i, group)
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = self._decode(shard, group, metric)
            if sum(k[:2] == (dataset, metric) for k in self._blocks) > BLOCKS_BEFORE_WHOLE:
                self._whole_column(dataset, metric)
        return block, local - int(groups[group])

    def _row_groups(self, shard: dict) -> np.ndarray:
        groups = self._groups.get(shard["path"])
        if groups is None:
            meta = self.file(shard).metadata
            sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
            groups = self._groups[shard["path"]] = np.cumsum([0, *sizes])
        return groups

    def _whole_column(self, dataset: str, metric: str) -> CurveStore:
        """Curve column ``metric`` of ``dataset``, every row group decoded once (cached blocks reused)."""
        store = self._whole.get((dataset, metric))
        if store is None:
            def blocks():
                for i, shard in enumerate(self.shards[dataset]):
                    for group in range(len(self._row_groups(shard)) - 1):
                        block = self._blocks.pop((dataset, metric, i, group), None)
                        yield self._decode(shard, group, metric) if block is None else block
            store = self._whole[(dataset, metric)] = CurveStore(blocks())
        return store

    def _decode(self, shard: dict, group: int, metric: str) -> np.ndarray:
        """Row group ``group`` of curve column ``metric`` of ``shard`` as a (rows, E) float32 array."""
        try:
            column = self.file(shard).read_row_group(group, [metric], use_threads=False).column(0)
        except CorruptFileError:
            raise
        except Exception as err:  # pyarrow raises several types for damaged pages
            raise self._unreadable(shard, err) from None
        return _curve_block(column)

    def _unreadable(self, shard: dict, err: Exception) -> CorruptFileError:
        return CorruptFileError(f"{self.folder / shard['path']}: shard is not readable ({err});"
                                f" run `nbx11 verify {self.name}`")



def _curve_block(column) -> np.ndarray:
    """A ``fixed_size_list<float32>`` column as a read-only (rows, E) numpy view of its Arrow buffers (the
    values have no nulls; ``to_numpy``/``flatten`` would import pandas and pyarrow.compute)."""
    parts = []
    for chunk in column.chunks:
        size, values = chunk.type.list_size, chunk.values
        flat = np.frombuffer(values.buffers()[1], np.float32, values.offset + len(values))[values.offset:]
        parts.append(flat[chunk.offset * size:(chunk.offset + len(chunk)) * size].reshape(len(chunk), size))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
