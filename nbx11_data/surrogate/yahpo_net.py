"""YAHPO Gym's NB301 network in numpy: the teacher's own arithmetic, read from a checkpoint's arrays.

The network (copied from ``model_v2.onnx`` at build time, :func:`nbx11_data.builder.sources.yahpo.network`):
34 categorical embeddings and the epoch feed a 128-unit first layer; 5 residual blocks
``x + W1 (a * relu(b))`` with ``[a, b] = W0 BN(x)`` (684 -> 2 x 342); a last BatchNorm, ReLU,
a 4-output head with a sigmoid, then each output's own rescaling (a chain of constant steps).
Here every BatchNorm before a linear layer is folded into it, the first layer is split into a
per-cell part (a sum of per-code rows, computed once per cell) and a per-epoch part, and all
work is float32, as in onnxruntime. Every matrix product runs on row blocks of a fixed size, so a
row's result never depends on which other rows share its batch (the table and a live lookup agree
bit for bit).

Example:
    >>> from nbx11_data import locations
    >>> from nbx11_data.spaces import darts
    >>> from nbx11_data.surrogate import checkpoint
    >>> ck = checkpoint.read(locations.find_checkpoint("nb311-yahpo-v3"))
    >>> net = YahpoNet.from_arrays(ck.arrays, ck.meta["network"])
    >>> archs = darts.sample(3, seed=0)
    >>> net.outputs(darts.encode_yahpo(archs), [1, 98]).shape
    (3, 2, 4)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from nbx11_data.surrogate.model import THREADS

BLOCK_ROWS = 128  # rows per matrix product; a fixed shape for every block (the last one is padded)
_STEPS: dict[str, Callable[[np.ndarray, np.float32], np.ndarray]] = {
    "add": lambda x, c: x + c, "sub": lambda x, c: x - c, "rsub": lambda x, c: c - x,
    "mul": lambda x, c: x * c, "div": lambda x, c: x / c, "max": np.maximum, "min": np.minimum,
    "exp": lambda x, c: np.exp(x),
}


def _one_blas_thread():
    """BLAS held to one thread while blocks run on our own threads (threadpoolctl, where installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with the surrogate extra
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def row_blocks(x: np.ndarray, fn, rows: int = BLOCK_ROWS, workers: int | None = None) -> np.ndarray:
    """``fn`` applied to ``x`` in blocks of exactly ``rows`` rows (the last one padded with zeros), stacked.

    A matrix product's bits may depend on its shape; with one block shape, row ``i``'s result depends on
    row ``i`` only. Blocks run on ``workers`` threads (default :data:`~nbx11_data.surrogate.model.THREADS`),
    each with a one-thread BLAS, so the results do not depend on the thread count either.
    Example: ``row_blocks(np.eye(3), lambda b: b * 2).tolist()[0] == [2.0, 0.0, 0.0]``.
    """
    n = len(x)
    starts = list(range(0, max(n, 1), rows))

    def one(start: int) -> np.ndarray:
        block = np.zeros((rows, *x.shape[1:]), dtype=x.dtype)
        block[: min(rows, n - start)] = x[start:start + rows]
        return fn(block)[: min(rows, n - start)]

    workers = min(THREADS if workers is None else workers, len(starts))
    with _one_blas_thread():
        if workers <= 1:
            parts = [one(s) for s in starts]
        else:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(one, starts))
    return np.concatenate(parts) if n else parts[0][:0]


def apply_steps(x: np.ndarray, steps) -> np.ndarray:
    """``x`` through a chain of ``[op, constant]`` steps (ops: add sub rsub mul div max min exp), float32.

    Example: ``apply_steps(np.float32([0.5]), [["sub", 0.5], ["exp", 0]])`` -> ``[1.0]``.
    """
    x = np.asarray(x, dtype=np.float32)
    for op, constant in steps:
        x = _STEPS[op](x, np.float32(constant)).astype(np.float32, copy=False)
    return x


class YahpoNet:
    """The folded network: ``outputs(x_cat, epochs)`` -> the teacher's (n, E, 4) float32 outputs."""

    def __init__(self, code_rows, first_bias, epoch_weight, epoch_feature, blocks, last_scale, last_shift,
                 head_weight, head_bias, output_steps):
        self.code_rows = code_rows  # (34, codes, 128): each (column, code)'s share of the first layer
        self.first_bias = first_bias  # (128,)
        self.epoch_weight = epoch_weight  # (128,): the first layer's weight of the epoch feature
        self.epoch_feature = epoch_feature  # (98,): the feature of epoch e at e - 1
        self.blocks = blocks  # [(W0 (128, 684) with the block's BatchNorm folded in, b0, W1 (342, 128), b1)]
        self.last_scale, self.last_shift = last_scale, last_shift  # the last BatchNorm as x * scale + shift
        self.head_weight, self.head_bias = head_weight, head_bias  # (128, 4), (4,)
        self.output_steps = output_steps  # per output column, its chain of steps after the sigmoid
        self._columns = np.arange(code_rows.shape[0])

    @classmethod
    def from_arrays(cls, arrays: dict, meta: dict) -> "YahpoNet":
        """The network stored under ``net.*`` in a checkpoint's arrays, with ``meta`` = its ``network`` entry."""
        f32 = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items() if k.startswith("net.")}
        blocks = [(f32[f"net.block{i}.w0"], f32[f"net.block{i}.b0"], f32[f"net.block{i}.w1"], f32[f"net.block{i}.b1"])
                  for i in range(int(meta["blocks"]))]
        return cls(f32["net.code_rows"], f32["net.first_bias"], f32["net.epoch_weight"], f32["net.epoch_feature"],
                   blocks, f32["net.last_scale"], f32["net.last_shift"], f32["net.head_weight"], f32["net.head_bias"],
                   meta["output_steps"])

    def cell_part(self, x_cat: np.ndarray) -> np.ndarray:
        """The first layer's per-cell part (n, 128): its bias plus the rows of the cell's 34 codes, in column order."""
        part = np.broadcast_to(self.first_bias, (len(x_cat), self.first_bias.size)).copy()
        for j in self._columns:
            part += self.code_rows[j, x_cat[:, j]]
        return part

    def outputs(self, x_cat: np.ndarray, epochs) -> np.ndarray:
        """The teacher's outputs (n, len(epochs), 4) float32 for x_cat codes (n, 34) at the given epochs 1..98."""
        x_cat = np.asarray(x_cat, dtype=np.int64)
        epochs = np.asarray(epochs, dtype=np.int64)
        n, e = len(x_cat), len(epochs)
        epoch_part = self.epoch_feature[epochs - 1, None] * self.epoch_weight[None, :]  # (E, 128)
        hidden = (self.cell_part(x_cat)[:, None, :] + epoch_part[None, :, :]).reshape(n * e, self.first_bias.size)
        return row_blocks(hidden, self._rest).reshape(n, e, self.head_bias.size)

    def _rest(self, x: np.ndarray) -> np.ndarray:
        """Residual blocks, last norm, head and output steps on one block of first-layer rows."""
        for w0, b0, w1, b1 in self.blocks:
            gate = x @ w0
            gate += b0
            half = w1.shape[0]
            a, b = gate[:, :half], gate[:, half:]
            np.maximum(b, 0, out=b)
            a *= b
            x = x + (a @ w1 + b1)
        y = np.maximum(x * self.last_scale + self.last_shift, 0) @ self.head_weight + self.head_bias
        y = (1.0 / (1.0 + np.exp(-y))).astype(np.float32)
        return np.stack([apply_steps(y[:, k], steps) for k, steps in enumerate(self.output_steps)], axis=1)
