"""YAHPO Gym's NB301 network in numpy: the teacher's own arithmetic, read from a checkpoint's arrays.

The network (copied from ``model_v2.onnx`` at build time, :func:`nbx11_data.builder.sources.yahpo.network`):
34 categorical embeddings and the epoch feed a 128-unit first layer; 5 residual blocks
``x + W1 (a * relu(b))`` with ``[a, b] = W0 BN(x)`` (684 -> 2 x 342); a last BatchNorm, ReLU,
a 4-output head with a sigmoid, then each output's own rescaling (a chain of constant steps).
Here every BatchNorm before a linear layer is folded into it, the first layer is split into a
per-cell part (a sum of per-code rows, computed once per cell) and a per-epoch part. Values are
float32 between steps, as in onnxruntime; matrix products are exact (:class:`ExactProduct`) and ``exp``
is computed in float64 from + - * alone (:func:`exp`), so a row's bits depend on nothing but the row: not on the CPU,
the BLAS kernel, the batch or the row's place in it (the table and a live lookup agree bit for bit on
any machine).

Example:
    >>> from nbx11_data import locations
    >>> from nbx11_data.spaces import darts
    >>> from nbx11_data.surrogate import checkpoint
    >>> ck = checkpoint.read(locations.find_checkpoint("nb311-yahpo-v4"))
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

BLOCK_ROWS = 256  # rows per block of work (blocks run on threads)
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = HI + LO; k * HI is exact
_EXP_TAYLOR = [1.0 / np.prod(np.arange(1, n + 1, dtype=np.float64)) for n in range(14)]  # 1/n!, n = 0..13


def exp(x) -> np.ndarray:
    """``e ** x`` in float64 from + - * and powers of two alone, so that every CPU gives the same bits (numpy's
    ``exp`` picks a SIMD routine per CPU, whose last bits differ); accurate to a few float64 ulp.

    Example: ``round(float(exp(1.0)), 12) == 2.718281828459``.
    """
    x = np.clip(np.asarray(x, dtype=np.float64), -745.0, 709.0)
    k = np.rint(x * 1.4426950408889634)  # x / ln 2
    r = (x - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2) / 2
    p = np.full_like(r, _EXP_TAYLOR[-1])
    for c in _EXP_TAYLOR[-2::-1]:
        p = p * r + c
    return np.ldexp(p, k.astype(np.int32))


def integer_form(x: np.ndarray, axis: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as integers of at most ``bits`` bits (in float64) and one power-of-two shift per slice along
    ``axis``: ``x ~= q * 2.0 ** -shift``, each slice's largest value kept to ``bits`` significant bits.

    Example: ``integer_form(np.array([[0.75, 0.1]]), 1, 4)`` -> ``([[12., 2.]], [[4]])`` (0.1 ~= 2/16).
    """
    biggest = np.abs(x).max(axis=axis, keepdims=True)
    shift = bits - np.frexp(biggest)[1]
    return np.rint(np.ldexp(np.asarray(x, dtype=np.float64), shift)), shift


class ExactProduct:
    """``x @ weight`` with the same bits on every CPU and BLAS kernel, for any batch and row order.

    The weight (per column) and each row of ``x`` are rounded to integers times a power of two, with so few
    bits (21-23 here) that every product and every partial sum is an integer below 2**53: float64 sums them
    exactly in whatever order a BLAS kernel chooses. The rounding costs about 2**-bits of a row's largest value
    (float32 keeps 2**-24 of each value).

    Example: ``ExactProduct(np.eye(2, dtype=np.float32))(np.float32([[1, 2]])).tolist() == [[1.0, 2.0]]``.
    """

    def __init__(self, weight: np.ndarray) -> None:
        terms = weight.shape[0]
        self.bits = (52 - (terms - 1).bit_length()) // 2  # terms * (2**bits)**2 <= 2**52
        self.q, shift = integer_form(weight, 0, self.bits)
        self.column_scale = np.ldexp(1.0, -shift)
        self.shape = weight.shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``x @ weight`` (float64) for ``x`` of shape (rows, terms)."""
        q, shift = integer_form(x, 1, self.bits)
        product = q @ self.q
        product *= np.ldexp(1.0, -shift)  # scaling by powers of two is exact
        product *= self.column_scale
        return product


_STEPS: dict[str, Callable[[np.ndarray, np.float32], np.ndarray]] = {
    "add": lambda x, c: x + c, "sub": lambda x, c: x - c, "rsub": lambda x, c: c - x,
    "mul": lambda x, c: x * c, "div": lambda x, c: x / c, "max": np.maximum, "min": np.minimum,
    "exp": lambda x, c: exp(x),
}


def _one_blas_thread():
    """BLAS held to one thread while blocks run on our own threads (threadpoolctl, where installed)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with the surrogate extra
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def row_blocks(x: np.ndarray, fn, rows: int = BLOCK_ROWS, workers: int | None = None) -> np.ndarray:
    """``fn`` applied to ``x`` in blocks of ``rows`` rows, stacked; ``fn`` treats rows independently.

    Blocks run on ``workers`` threads (default :data:`~nbx11_data.surrogate.model.THREADS`), each with a
    one-thread BLAS; with :class:`ExactProduct` inside ``fn``, the bits depend on neither.
    Example: ``row_blocks(np.eye(3), lambda b: b * 2).tolist()[0] == [2.0, 0.0, 0.0]``.
    """
    starts = list(range(0, max(len(x), 1), rows))
    workers = min(THREADS if workers is None else workers, len(starts))
    with _one_blas_thread():
        if workers <= 1:
            parts = [fn(x[s:s + rows]) for s in starts]
        else:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(lambda s: fn(x[s:s + rows]), starts))
    return np.concatenate(parts)


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
        self._products = [(ExactProduct(w0), ExactProduct(w1)) for w0, _, w1, _ in blocks]
        self._head = ExactProduct(head_weight)
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
        for (w0, w1), (_, b0, _, b1) in zip(self._products, self.blocks):
            gate = w0(x).astype(np.float32)
            gate += b0
            half = w1.shape[0]
            a, b = gate[:, :half], gate[:, half:]
            np.maximum(b, 0, out=b)
            a *= b
            x = x + (w1(a).astype(np.float32) + b1)
        y = self._head(np.maximum(x * self.last_scale + self.last_shift, 0)).astype(np.float32) + self.head_bias
        y = (1.0 / (1.0 + exp(-y))).astype(np.float32)
        return np.stack([apply_steps(y[:, k], steps) for k, steps in enumerate(self.output_steps)], axis=1)
