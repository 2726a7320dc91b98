"""YAHPO Gym's NB301 surrogate (``yahpo-nb301/model_v2.onnx``) as a teacher of 98-epoch DARTS curves.

The ONNX model takes ``x_cat`` int32 (rows, 34) (:func:`nbx11_data.spaces.darts.encode_yahpo`)
and ``x_cont`` float32 (rows, 1), the epoch 1..98, and returns float32 (rows, 4) per epoch:
validation accuracy as a fraction, validation cross-entropy, cumulative runtime (s) and
runtime increase (s per epoch); see the darts space module. It is deterministic (a mean curve,
no seed noise). :class:`Teacher` asks it one row per (architecture, epoch), in batches, and
returns whole curves in x11's units (accuracy in percent).

onnxruntime is imported lazily: ``pip install "nbx11-data[build]"``.

Example:
    >>> teacher = Teacher("../shared/data/yahpo-nb301")  # doctest: +SKIP
    >>> teacher.curves(darts.sample(2, seed=0))["val_accuracy"].shape  # doctest: +SKIP
    (2, 98)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nbx11_data.errors import CorruptFileError, MissingDependencyError
from nbx11_data.io import sha256_file
from nbx11_data.spaces import darts

MODEL = "model_v2.onnx"
EPOCHS = 98
#: our metric name -> (output column, scale to x11's unit)
OUTPUTS = {"val_accuracy": (0, 100.0), "val_cross_entropy": (1, 1.0), "runtime": (2, 1.0),
           "runtime_per_epoch": (3, 1.0)}


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise MissingDependencyError('the YAHPO teacher needs onnxruntime: pip install "nbx11-data[build]"') from err
    return onnxruntime


class Teacher:
    """An onnxruntime session of the YAHPO NB301 model in ``folder`` (``threads`` defaults to the cores)."""

    def __init__(self, folder, threads: int | None = None):
        self.path = Path(folder) / MODEL
        if not self.path.is_file():
            raise CorruptFileError(f"{self.path}: not found; --source must be the yahpo-nb301 folder holding {MODEL}")
        rt = _onnxruntime()
        options = rt.SessionOptions()
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        try:
            self.session = rt.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types on a bad file
            raise CorruptFileError(f"{self.path}: not a loadable ONNX model ({err})") from err
        self.sha256 = sha256_file(self.path)
        self.epochs = np.arange(1, EPOCHS + 1, dtype=np.float32)

    def raw(self, x_cat: np.ndarray, batch_archs: int = 1000) -> np.ndarray:
        """Teacher outputs (n, 98, 4) for encoded architectures ``x_cat`` (n, 34), ``batch_archs`` at a time."""
        n = len(x_cat)
        out = np.empty((n, EPOCHS, 4), dtype=np.float32)
        for start in range(0, n, batch_archs):
            block = x_cat[start:start + batch_archs]
            rows = np.repeat(block, EPOCHS, axis=0)
            epoch = np.tile(self.epochs, len(block))[:, None]
            y = self.session.run(None, {"x_cat": rows, "x_cont": epoch})[0]
            out[start:start + len(block)] = y.reshape(len(block), EPOCHS, 4)
        return out

    def curves(self, archs, metrics=tuple(OUTPUTS), batch_archs: int = 1000) -> dict[str, np.ndarray]:
        """``{metric: (n, 98) float64}`` of the DARTS architectures ``archs`` (any darts representation)."""
        raw = self.raw(darts.encode_yahpo(archs), batch_archs)
        return {m: raw[:, :, OUTPUTS[m][0]].astype(np.float64) * OUTPUTS[m][1] for m in metrics}
