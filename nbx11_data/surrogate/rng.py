"""Reproducible noise streams: a counter-based generator keyed by what is being drawn.

The stream of (checkpoint, arch_id, seed, metric) is numpy's Philox with a 128-bit key taken
from a BLAKE2b hash of those four values and the counter at zero. So a curve's noise does not
depend on batch order, batch composition, process, or which other metrics are asked for, and
the global numpy random state is never touched.

Example:
    >>> a = draws("ck-v1", "0" * 32, [7, 8], "val", 3)
    >>> b = draws("ck-v1", "0" * 32, [8], "val", 3)
    >>> bool((a[1] == b[0]).all())
    True
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any, Sequence

import numpy as np


def key(checkpoint_id: str, arch_id: str, seed: int, metric: str) -> np.ndarray:
    """The Philox key (2 x uint64) of one stream."""
    return np.array(_key(checkpoint_id, arch_id, seed, metric), dtype=np.uint64)


def _key(checkpoint_id: str, arch_id: str, seed: int, metric: str) -> tuple[int, int]:
    text = f"{checkpoint_id}\x00{arch_id}\x00{int(seed)}\x00{metric}".encode()
    return _TWO_U64.unpack(hashlib.blake2b(text, digest_size=16).digest())


_TWO_U64 = struct.Struct("<2Q")


def draws(checkpoint_id: str, arch_ids, seeds: Sequence[int], metric: str, n_epochs: int) -> np.ndarray:
    """Per row ``i``: one uniform then ``n_epochs`` standard normals, shape (n, 1 + n_epochs).

    ``arch_ids`` is one id for all rows or a sequence of ids (one per row).
    """
    n = len(seeds)
    if isinstance(arch_ids, str):
        arch_ids = [arch_ids] * n
    out = np.empty((n, 1 + n_epochs), dtype=np.float64)
    bit_generator = np.random.Philox(key=0)
    generator = np.random.Generator(bit_generator)
    fresh: Any = bit_generator.state  # counter 0, empty buffer: the state of a new Philox(key=...)
    fresh["state"]["counter"], fresh["buffer"] = [0] * 4, [0] * 4  # plain ints: a faster state setter
    stream = fresh["state"]
    for row, (arch_id, seed) in enumerate(zip(arch_ids, seeds)):
        stream["key"] = _key(checkpoint_id, arch_id, seed, metric)
        bit_generator.state = fresh
        out[row, 0] = generator.random()
        generator.standard_normal(n_epochs, out=out[row, 1:])
    return out
