"""Write the NB101 module-hash index: every one of the 423,624 graphs, sorted by hash.

``nbx11_data/spaces/data/nb101_hash_index.npy`` is a uint32 array of shape
(2, 423,624): row 0 holds the first 8 hex digits of each graph's NAS-Bench-101
module hash, row 1 its compact key ``n << 29 | bits << 8 | code`` (vertices,
edge bitmask, base-3 op code; see :mod:`nbx11_data.spaces.nb101`), columns
sorted by (prefix, key). ``nb101.from_hash`` memory-maps it, finds the columns
with the hash's prefix and confirms the full hash of each candidate, so a
lookup costs one binary search and one hash. The table is derived from the
enumeration alone and rebuilds bit-identically (about a minute of CPU).

Example:
    python -m nbx11_data.builder.nb101_index
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np

from nbx11_data.io import atomic_write_bytes
from nbx11_data.spaces import nb101

TABLE = Path(nb101.__file__).parent / "data" / "nb101_hash_index.npy"


def build_index() -> np.ndarray:
    """The (2, 423,624) uint32 index: hash prefixes and compact keys, sorted by (prefix, key)."""
    prefixes, keys = [], []
    for n in range(2, nb101.MAX_VERTICES + 1):
        bits, codes = nb101._graphs(n)
        for b, c in zip(bits.tolist(), codes.tolist()):
            prefixes.append(int(nb101._hash_of_key(n, b, c)[:8], 16))
            keys.append(nb101.pack_key(n, b, c))
    prefixes, keys = np.array(prefixes, dtype=np.uint32), np.array(keys, dtype=np.uint32)
    order = np.lexsort((keys, prefixes))
    return np.stack([prefixes[order], keys[order]])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(TABLE), help=f"where to write the table (default {TABLE})")
    args = parser.parse_args(argv)
    index = build_index()
    buffer = io.BytesIO()
    np.save(buffer, index, allow_pickle=False)
    atomic_write_bytes(Path(args.out), buffer.getvalue())
    print(f"wrote {args.out} ({index.shape[1]} graphs, {len(buffer.getvalue())} bytes)")


if __name__ == "__main__":
    main()
