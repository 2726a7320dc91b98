"""Reproducible noise streams: a counter-based generator keyed by what is being drawn.

The stream of (checkpoint, arch_id, seed, metric) is Philox4x32-10 (Salmon et al., SC 2011,
the Random123 reference) with the first 64 bits of a BLAKE2b hash of those four values as the
key, the next 64 bits in the upper counter words, and the block number in the lower ones. So a
curve's noise does not depend on batch order, batch composition, process, or which other
metrics are asked for, and the global numpy random state is never touched. All rows are
generated at once with numpy (no per-row Python loop): one uniform from 53 random bits, then
normals by the Box-Muller transform.

Example:
    >>> a = draws("ck-v1", "0" * 32, [7, 8], "val", 3)
    >>> b = draws("ck-v1", "0" * 32, [8], "val", 3)
    >>> bool((a[1] == b[0]).all())
    True
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LOW = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def philox4x32(counter: np.ndarray, key: np.ndarray, rounds: int = 10) -> np.ndarray:
    """Philox4x32 blocks: ``counter`` (..., 4) uint32, ``key`` (..., 2) uint32 -> (..., 4) uint32."""
    c0, c1, c2, c3 = (counter[..., i].astype(np.uint64) for i in range(4))
    k0, k1 = key[..., 0].astype(np.uint64), key[..., 1].astype(np.uint64)
    for r in range(rounds):
        if r:
            k0 = (k0 + _W0) & _LOW
            k1 = (k1 + _W1) & _LOW
        p0 = c0 * _M0
        p1 = c2 * _M1
        c0 = (p1 >> _S32) ^ c1 ^ k0
        c2 = (p0 >> _S32) ^ c3 ^ k1
        c1 = p1 & _LOW
        c3 = p0 & _LOW
    return np.stack([c0, c1, c2, c3], axis=-1).astype(np.uint32)


def _digest(checkpoint_id: str, arch_id: str, seed: int, metric: str) -> bytes:
    return hashlib.blake2b(f"{checkpoint_id}\x00{arch_id}\x00{int(seed)}\x00{metric}".encode(), digest_size=16).digest()


def key(checkpoint_id: str, arch_id: str, seed: int, metric: str) -> np.ndarray:
    """The stream's 128-bit identity as 4 x uint32: Philox key (2 words), then upper counter words (2)."""
    return np.frombuffer(_digest(checkpoint_id, arch_id, seed, metric), dtype="<u4").astype(np.uint32)


def draws(checkpoint_id: str, arch_ids, seeds: Sequence[int], metric: str, n_epochs: int) -> np.ndarray:
    """Per row ``i``: one uniform in [0, 1) then ``n_epochs`` standard normals, shape (n, 1 + n_epochs).

    ``arch_ids`` is one id for all rows or a sequence of ids (one per row).
    """
    n = len(seeds)
    if isinstance(arch_ids, str):
        arch_ids = [arch_ids] * n
    digests = b"".join(_digest(checkpoint_id, a, s, metric) for a, s in zip(arch_ids, seeds))
    ids = np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(n, 4)
    pairs = (n_epochs + 1) // 2
    words = 2 + 2 * pairs  # 2 words for the uniform, then 2 per normal pair
    blocks = (words + 3) // 4
    counter = np.zeros((n, blocks, 4), dtype=np.uint32)
    counter[:, :, 0] = np.arange(blocks, dtype=np.uint32)
    counter[:, :, 2:] = ids[:, None, 2:]
    bits = philox4x32(counter, np.broadcast_to(ids[:, None, :2], (n, blocks, 2))).reshape(n, -1)[:, :words]
    bits = bits.astype(np.float64)
    out = np.empty((n, 1 + n_epochs), dtype=np.float64)
    out[:, 0] = (np.floor(bits[:, 0] / 32.0) * 67108864.0 + np.floor(bits[:, 1] / 64.0)) / 9007199254740992.0
    u1 = (bits[:, 2::2] + 0.5) / 4294967296.0  # in (0, 1): the log is finite
    u2 = bits[:, 3::2] / 4294967296.0
    radius = np.sqrt(-2.0 * np.log(u1))
    angle = 2.0 * np.pi * u2
    normals = np.empty((n, 2 * pairs))
    normals[:, 0::2] = radius * np.cos(angle)
    normals[:, 1::2] = radius * np.sin(angle)
    out[:, 1:] = normals[:, :n_epochs]
    return out
