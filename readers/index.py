"""The table's index: architecture -> position -> row, stored beside the shards and memory-mapped.

Positions number the table's distinct architectures in ``arch_id`` order. The index is a handful of
arrays in one file (``index/arrays.bin``, its sha256 in the manifest's ``files``; each array's offset,
dtype and shape in the manifest's ``index``), memory-mapped one by one when first used:

- ``ids`` (S32, sorted): position -> arch_id; a lookup by id is a binary search;
- ``name_hash`` (uint64, sorted) and ``name_order`` (position of each hash); ``name_offsets`` + ``names``
  (UTF-8 bytes): position -> canonical string; a lookup by string hashes it (:func:`string_key`), searches,
  and compares the stored string;
- ``by_index`` (int32): ``arch_index`` -> position (-1 none), where the space enumerates its architectures;
- ``rows`` (int32, keys x positions): the row (within its dataset) of each position for each
  (dataset, budget, seed) key of ``meta["keys"]``, -1 where the table has none;
- ``position_of_row`` (int32, one per table row) and ``source_codes`` (uint8, into ``meta["sources"]``).

Schema-1 tables have no stored index: :func:`compute` builds the same arrays from the identity columns
(the builder writes exactly those). Opening memory-maps; nothing passes over every row in Python.

Example:
    >>> import pyarrow as pa
    >>> ids = pa.table({"arch_id": ["b" * 32, "a" * 32], "arch": ["B", "A"], "arch_index": [1, 0],
    ...                 "seed": [None, None], "budget": [3, 3], "source": ["measured"] * 2})
    >>> index = Index(*compute(ids, {"toy": 2}, enumerable=True))
    >>> index.position("A"), index.position("b" * 32), int(index.by_index[1])
    (0, 1, 1)
    >>> index.rows_of("toy", 3, None).tolist()
    [1, 0]
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from nbx11_data.errors import CorruptFileError

FILE = "index/arrays.bin"
ALIGN = 64  # each array starts at a multiple of this many bytes
IDENTITY = ["arch_id", "arch", "arch_index", "seed", "budget", "source"]
HOT_FRACTION = 32  # after positions // HOT_FRACTION string lookups, a session builds dicts of every key


def string_key(text: str) -> int:
    """The stored 64-bit key of a canonical string: the first 8 bytes of its BLAKE2b digest, little-endian."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def compute(table, counts: dict[str, int], enumerable: bool) -> tuple[dict, dict]:
    """``(arrays, meta)`` of the index of the identity columns ``table`` (all rows, datasets in the order of
    ``counts``: ``{dataset: rows}``); ``enumerable``: the space has ``arch_index``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arch_id = table.column("arch_id").cast(pa.string()).combine_chunks()
    ids = pc.unique(arch_id).sort()
    position_of_row = pc.index_in(arch_id, ids).to_numpy().astype(np.int32)
    first_row = np.unique(position_of_row, return_index=True)[1]
    names = table.column("arch").cast(pa.large_string()).take(pa.array(first_row)).combine_chunks()
    hashes = np.fromiter(map(string_key, names.to_pylist()), np.uint64, len(names))
    name_order = np.argsort(hashes, kind="stable").astype(np.int32)
    arrays = {"ids": np.array(ids.to_pylist(), dtype="S32"), "name_hash": hashes[name_order],
              "name_order": name_order,
              "name_offsets": np.frombuffer(names.buffers()[1], np.int64, len(names) + 1, names.offset * 8).copy(),
              "names": np.frombuffer(names.buffers()[2], np.uint8).copy() if names.buffers()[2] else np.empty(0, np.uint8)}
    arrays["name_offsets"] -= arrays["name_offsets"][0]
    arch_index = table.column("arch_index").take(pa.array(first_row))
    if enumerable and len(arch_index) and not arch_index.null_count:
        arch_index = arch_index.to_numpy().astype(np.int64)
        arrays["by_index"] = np.full(arch_index.max() + 1, -1, dtype=np.int32)
        arrays["by_index"][arch_index] = np.arange(len(arch_index), dtype=np.int32)
    budgets = table.column("budget").to_numpy().astype(np.int64)
    seed = table.column("seed").cast(pa.int32())
    null_seed = seed.is_null().to_numpy(zero_copy_only=False)
    seeds = seed.fill_null(0).to_numpy().astype(np.int64)
    codes = (budgets << 33) + np.where(null_seed, 0, seeds + 2**31 + 1)  # one int per (budget, seed)
    keys, rows, start = [], [], 0
    for dataset, count in counts.items():
        part, positions = codes[start:start + count], position_of_row[start:start + count]
        for code in np.unique(part):
            mask = part == code
            lookup = np.full(len(ids), -1, dtype=np.int32)
            lookup[positions[mask]] = np.flatnonzero(mask)
            low = int(code) & (2**33 - 1)
            keys.append([dataset, int(code) >> 33, None if low == 0 else low - 2**31 - 1])
            rows.append(lookup)
        start += count
    arrays["rows"] = np.stack(rows) if rows else np.empty((0, len(ids)), np.int32)
    arrays["position_of_row"] = position_of_row
    source = table.column("source").combine_chunks().dictionary_encode()
    sources = source.dictionary.to_pylist()
    if len(sources) > 255:
        raise CorruptFileError(f"{len(sources)} distinct source labels; the index holds at most 255")
    arrays["source_codes"] = source.indices.to_numpy(zero_copy_only=False).astype(np.uint8)
    offsets = dict(zip(counts, np.cumsum([0, *counts.values()])[:-1].tolist()))
    return arrays, {"positions": len(ids), "keys": keys, "sources": sources, "offsets": offsets}


def compute_from_shards(folder: Path, manifest: dict) -> tuple[dict, dict]:
    """:func:`compute` over the identity columns of every shard ``manifest`` lists."""
    import pyarrow as pa

    from nbx11_data import spaces
    from nbx11_data.manifest import open_shard

    order = {d: [s for s in manifest["shards"] if s["partition"]["dataset"] == d] for d in manifest["datasets"]}
    tables = [open_shard(folder, s, manifest).read(IDENTITY, use_threads=False) for d in order for s in order[d]]
    table = pa.concat_tables(tables) if tables else pa.table({n: pa.array([], pa.string()) for n in IDENTITY})
    return compute(table, {d: sum(s["rows"] for s in shards) for d, shards in order.items()},
                   enumerable=spaces.get(manifest["space"]).HAS_ARCH_INDEX)


def check(folder: Path, manifest: dict) -> None:
    """Raise :class:`CorruptFileError` unless the stored index equals the one computed from the shards."""
    arrays, meta = compute_from_shards(folder, manifest)
    stored = load(folder, manifest["index"])
    for name, array in arrays.items():
        if not np.array_equal(stored.arrays[name], array):
            raise CorruptFileError(f"{folder / FILE}: array {name} differs from the index of the shards")
    if {k: manifest["index"][k] for k in meta} != json_like(meta):
        raise CorruptFileError(f"{folder}/manifest.json: its index entry differs from the index of the shards")


def json_like(value):
    """``value`` as it reads back from JSON (tuples as lists, keys as strings)."""
    import json

    return json.loads(json.dumps(value))


def write(folder: Path, manifest: dict) -> tuple[dict, list[dict]]:
    """Compute the index of the shards ``manifest`` lists, write ``index/arrays.bin`` atomically; return the
    manifest's ``index`` entry and the ``files`` entries (path, sha256) of the arrays."""

    from nbx11_data.io import atomic_write_bytes, sha256_file

    arrays, meta = compute_from_shards(folder, manifest)
    parts, layout, at = [], {}, 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        layout[name] = {"offset": at, "dtype": array.dtype.str, "shape": list(array.shape)}
        padded = data + b"\0" * (-len(data) % ALIGN)
        parts.append(padded)
        at += len(padded)
    atomic_write_bytes(folder / FILE, b"".join(parts))
    for stale in (folder / FILE).parent.iterdir():
        if stale.name != Path(FILE).name:
            stale.unlink()
    entry = {"path": FILE, "sha256": sha256_file(folder / FILE)}
    return {**meta, "file": FILE, "bytes": at, "arrays": layout}, [entry]


def load(folder: Path, meta: dict) -> "Index":
    """The stored index of ``folder``; each array is memory-mapped when first used (the file's size checked
    against ``meta``)."""
    return Index(_Stored(folder, meta), meta)


class _Stored(dict):
    """Index arrays memory-mapped from the one index file on first access (a lookup touches only what it needs)."""

    def __init__(self, folder: Path, meta: dict) -> None:
        super().__init__()
        self.path, self.layout, self.size = folder / meta["file"], meta["arrays"], meta["bytes"]
        self._checked = False

    def get(self, name, default=None):
        return self[name] if name in self.layout else default

    def __missing__(self, name: str) -> np.ndarray:
        if name not in self.layout:
            raise KeyError(name)
        if not self._checked:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                raise CorruptFileError(f"{self.path}: index file listed in the manifest is missing") from None
            if size != self.size:
                raise CorruptFileError(f"{self.path}: {size} bytes, the manifest says {self.size}; run `nbx11 verify`")
            self._checked = True
        entry = self.layout[name]
        shape = tuple(entry["shape"])
        array = (np.memmap(self.path, np.dtype(entry["dtype"]), "r", entry["offset"], shape).view(np.ndarray)
                 if all(shape) else np.empty(shape, np.dtype(entry["dtype"])))  # a plain view: no memmap overhead
        self[name] = array
        return array


class Index:
    """Lookups over the index arrays (memory-mapped or computed); see the module docstring."""

    def __init__(self, arrays: dict, meta: dict) -> None:
        self.arrays = arrays
        self.positions = int(meta["positions"])
        self.offsets = {d: int(v) for d, v in meta["offsets"].items()}
        self.sources = list(meta["sources"])
        self.keys = {(d, int(b), s): k for k, (d, b, s) in enumerate(meta["keys"])}
        self._names: Any = None  # pyarrow LargeStringArray over the names bytes, made on first use
        self._by_name: dict[str, int] | None = None  # every canonical string -> position, once a session has
        # made enough string lookups to pay for it (arch_ids are searched in the sorted ``ids`` either way)
        self._lookups = 0
        self._rows: dict[int, np.ndarray] = {}

    @cached_property
    def by_index(self) -> np.ndarray | None:
        """``arch_index`` -> position (-1: none), or None where the space does not enumerate."""
        return self.arrays.get("by_index")

    @property
    def position_of_row(self) -> np.ndarray:
        """Position of every table row (datasets in manifest order; ``offsets`` says where each starts)."""
        return self.arrays["position_of_row"]

    @property
    def source_codes(self) -> np.ndarray:
        """Per table row: its stored ``source``, as a number into ``sources``."""
        return self.arrays["source_codes"]

    def rows_of(self, dataset: str, budget: int, seed) -> np.ndarray | None:
        """Row (within ``dataset``) of each position for (dataset, budget, seed); None if the table has none."""
        k = self.keys.get((dataset, budget, seed))
        if k is None:
            return None
        rows = self._rows.get(k)
        if rows is None:
            rows = self._rows[k] = self.arrays["rows"][k]
        return rows

    def position(self, text: str) -> int:
        """Position of a canonical string or arch_id of the table; -1 if it is neither."""
        by_name = self._by_name
        if by_name is None:
            self._lookups += 1
            if self._lookups <= self.positions // HOT_FRACTION:
                return self._search(text)
            by_name = self._hot()
        position = by_name.get(text)
        return self.id_position(text) if position is None else position

    def quick_position(self, arch) -> int:
        """Position of ``arch`` where it is a canonical string, arch_id or ``arch_index`` int of the table; -1
        for anything else (which the caller may parse)."""
        if type(arch) is str:
            return self.position(arch)
        if type(arch) is int:
            by_index = self.by_index
            if by_index is not None and 0 <= arch < len(by_index):
                return int(by_index[arch])
        return -1

    def positions_of(self, archs: list) -> np.ndarray:
        """Positions of each string of ``archs`` that is a canonical string or arch_id of the table; -1 for
        anything else (other strings, other types)."""
        by_name = self._by_name
        if by_name is None:
            self._lookups += len(archs)
            if self._lookups <= self.positions // HOT_FRACTION:
                return np.fromiter((self._search(a) if isinstance(a, str) else -1 for a in archs), np.int64, len(archs))
            by_name = self._hot()
        try:
            found = list(map(by_name.get, archs))  # None where not a canonical string
        except TypeError:  # an unhashable architecture (a list, a dict): not a canonical string
            found = [by_name.get(a) if isinstance(a, str) else None for a in archs]
        try:
            return np.array(found, dtype=np.int64)  # every one found: the common case, one C-level pass
        except TypeError:
            out = np.array([-1 if p is None else p for p in found], dtype=np.int64)
        strings = [i for i in np.flatnonzero(out < 0).tolist() if isinstance(archs[i], str)]
        if strings:  # arch_ids, or strings that are neither
            out[strings] = self.id_positions([archs[i] for i in strings])
        return out

    def names(self, positions: np.ndarray) -> list[str]:
        """Canonical strings of ``positions``."""
        import pyarrow as pa

        if self._names is None:
            offsets, data = self.arrays["name_offsets"], self.arrays["names"]
            self._names = pa.LargeStringArray.from_buffers(self.positions, pa.py_buffer(offsets), pa.py_buffer(data))
        return self._names.take(pa.array(np.asarray(positions, dtype=np.int64))).to_pylist()

    def arch_ids(self, positions: np.ndarray) -> list[str]:
        """arch_ids of ``positions``."""
        return self.arrays["ids"][np.asarray(positions, dtype=np.int64)].astype("U32").tolist()

    def _search(self, text: str) -> int:
        """Position of ``text`` as a canonical string, else as an arch_id; -1 if neither."""
        key = np.uint64(string_key(text))
        hashes = self.arrays["name_hash"]
        at = int(np.searchsorted(hashes, key))
        while at < self.positions and hashes[at] == key:
            position = int(self.arrays["name_order"][at])
            if self._name(position) == text:
                return position
            at += 1
        return self.id_position(text)

    def id_position(self, text: str) -> int:
        """Position of an arch_id of the table; -1 if it is not one."""
        if len(text) != 32 or not text.isascii():
            return -1
        raw, ids = text.encode(), self.arrays["ids"]
        at = int(np.searchsorted(ids, raw))
        return at if at < self.positions and ids[at] == raw else -1

    def id_positions(self, arch_ids: list[str]) -> np.ndarray:
        """:meth:`id_position` of each of ``arch_ids``, in one search where all are 32 ASCII characters."""
        if not self.positions or set(map(len, arch_ids)) - {32} or not all(map(str.isascii, arch_ids)):
            return np.fromiter(map(self.id_position, arch_ids), np.int64, len(arch_ids))
        wanted, ids = np.array(arch_ids, dtype="S32"), self.arrays["ids"]
        at = np.minimum(np.searchsorted(ids, wanted), self.positions - 1)
        return np.where(ids[at] == wanted, at, -1).astype(np.int64)

    def _name(self, position: int) -> str:
        offsets = self.arrays["name_offsets"]
        return bytes(self.arrays["names"][offsets[position]:offsets[position + 1]]).decode("utf-8")

    def _hot(self) -> dict[str, int]:
        """Make the dict of every canonical string (once lookups have paid for it) and return it."""
        self._by_name = dict(zip(self.names(np.arange(self.positions)), range(self.positions)))
        return self._by_name
