"""A SYNTHETIC curve pool for tests and examples: made-up curves, never measured data.

:func:`nb201_subspace_pool` enumerates the 729 NAS-Bench-201 cells whose edges use only
``skip_connect``, ``nor_conv_1x1`` and ``nor_conv_3x3`` (real architectures, real encodings from
:mod:`nbx11_data.spaces.nb201`), and gives each one invented learning curves: a final accuracy from a
fixed additive-plus-interaction score of its ops, a learning speed that is *anti*-correlated with the
final accuracy for some cells (so early epochs can mislead, as in real curves), curve shapes from the
parametric families, small seeded noise, and epoch runtimes that grow with the number of convolutions.
The pool's name says ``synthetic`` so no result can be mistaken for a benchmark's.

Example:
    >>> pool = nb201_subspace_pool(seed=0)
    >>> len(pool), pool.epochs, pool.name
    (729, 50, 'synthetic-nb201-subspace')
"""

from __future__ import annotations

import itertools

import numpy as np

from nbx11_data import spaces
from nbx11_data.nas.objective import CurvePool

OPS = ("skip_connect", "nor_conv_1x1", "nor_conv_3x3")


def nb201_subspace_pool(seed: int = 0, epochs: int = 50, n_ops: int = 3) -> CurvePool:
    """The synthetic pool of the ``n_ops ** 6`` cells over the first ``n_ops`` of :data:`OPS` (2 or 3)."""
    if n_ops not in (2, 3):
        raise ValueError(f"n_ops must be 2 or 3, got {n_ops}")
    nb201 = spaces.get("nb201")
    rng = np.random.Generator(np.random.PCG64(seed))
    archs = [nb201.NB201Arch(ops) for ops in itertools.product(OPS[:n_ops], repeat=6)]
    choice = np.array([[OPS.index(op) for op in arch.ops] for arch in archs])  # (729, 6) in 0..2
    edge_value = rng.uniform(0.5, 2.0, size=(6, 3)) * np.array([0.0, 1.0, 1.6])  # conv3x3 > conv1x1 > skip
    pair = rng.normal(0, 0.4, size=(6, 6, 3, 3))
    score = edge_value[np.arange(6), choice].sum(axis=1)
    for i, j in itertools.combinations(range(6), 2):
        score += pair[i, j, choice[:, i], choice[:, j]]
    final = 70.0 + 24.0 * (score - score.min()) / (score.max() - score.min())  # percent, 70..94
    speed = 0.05 + 0.25 * rng.random(len(archs)) + 0.1 * (final < 85)  # weaker cells often learn fast
    x = np.arange(1, epochs + 1)
    shape = rng.integers(0, 3, size=len(archs))
    rate = speed[:, None] * x[None, :]
    curves = np.where(shape[:, None] == 0, 1 - np.exp(-rate),
                      np.where(shape[:, None] == 1, rate / (1 + rate), 1 - (1 + rate) ** -1.5))
    val = 10.0 + (final[:, None] - 10.0) * curves / curves[:, -1:]
    val += rng.normal(0, 0.15, size=val.shape)
    test = val - 0.5 + rng.normal(0, 0.3, size=val.shape)
    convs = np.count_nonzero(choice > 0, axis=1)
    epoch_seconds = np.repeat((20.0 + 12.0 * convs + 8.0 * np.count_nonzero(choice == 2, axis=1))[:, None],
                              epochs, axis=1)
    return CurvePool([nb201.format(a) for a in archs], nb201.encode(archs), val, test, epoch_seconds,
                     name="synthetic-nb201-subspace" if n_ops == 3 else f"synthetic-nb201-subspace-{n_ops ** 6}")
