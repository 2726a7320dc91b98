"""Derive the NB201 ``arch_index`` table from NATS-Bench's ``meta.pickle.pbz2``.

NATS-Bench numbers its 15,625 topologies in a shuffled order, so the index of
an architecture cannot be computed from its ops; it is looked up in a table.
This script writes that table as ``nbx11_data/spaces/data/nb201_index.npy``:
``codes[i]`` is the base-5 code (first edge most significant) of the
architecture whose NATS index is ``i``. The pickle is read here, at build
time, from a trusted source; users only ever load the ``.npy``
(``allow_pickle=False``).

Example:
    python -m nbx11_data.builder.nb201_index ../shared/data/nats-tss-fixture/meta.pickle.pbz2
"""

from __future__ import annotations

import argparse
import io
import bz2
import pickle
from pathlib import Path

import numpy as np

from nbx11_data.io import atomic_write_bytes
from nbx11_data.spaces import nb201

TABLE = Path(nb201.__file__).parent / "data" / "nb201_index.npy"


def codes_from_meta(meta_path: str | Path) -> np.ndarray:
    """Return the uint16 code of every architecture, in NATS index order."""
    meta = pickle.loads(bz2.decompress(Path(meta_path).read_bytes()))
    archs = [nb201.parse_arch_string(s) for s in meta["meta_archs"]]
    return np.array([nb201.code(a) for a in archs], dtype=np.uint16)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("meta", help="path to NATS-Bench's meta.pickle.pbz2")
    args = parser.parse_args(argv)
    codes = codes_from_meta(args.meta)

    buffer = io.BytesIO()
    np.save(buffer, codes, allow_pickle=False)
    atomic_write_bytes(TABLE, buffer.getvalue())
    print(f"wrote {TABLE} ({len(codes)} architectures)")


if __name__ == "__main__":
    main()
