"""YAHPO Gym's NB301 surrogate (``yahpo-nb301/model_v2.onnx``) as a teacher of 98-epoch DARTS curves.

The ONNX model takes ``x_cat`` int32 (rows, 34) (:func:`nbx11_data.spaces.darts.encode_yahpo`)
and ``x_cont`` float32 (rows, 1), the epoch 1..98, and returns float32 (rows, 4) per epoch:
validation accuracy as a fraction, validation cross-entropy, cumulative runtime (s) and
runtime increase (s per epoch); see the darts space module. It is deterministic (a mean curve,
no seed noise). :class:`Teacher` asks it one row per (architecture, epoch), in batches, and
returns whole curves in x11's units (accuracy in percent).

onnxruntime is imported lazily: ``pip install "nbx11-data[build]"``.

Example:
    >>> teacher = Teacher("../shared/data/yahpo-nb301")
    >>> teacher.curves(darts.sample(2, seed=0))["val_accuracy"].shape
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
#: YAHPO's names of the network's four output columns (accuracy as a fraction; runtime cumulative, not monotone)
OUTPUT_COLUMNS = ("val_accuracy", "val_cross_entropy", "runtime", "runtime_increase")


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


#: the arithmetic steps :func:`network` follows from the sigmoid's outputs and from the epoch input
_STEP_OPS = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min", "Exp": "exp"}


def _steps(graph, start: str) -> list[list]:
    """The chain of constant steps from value ``start`` to the next Unsqueeze (Casts to float skipped)."""
    consumers: dict[str, list] = {}
    for node in graph.nodes:
        for name in node.inputs:
            consumers.setdefault(name, []).append(node)
    steps, value = [], start
    while True:
        (node,) = consumers[value]
        if node.op == "Unsqueeze":
            return steps
        if node.op == "Cast":
            if node.attrs.get("to") != 1:
                raise CorruptFileError(f"teacher graph: a Cast to type {node.attrs.get('to')} after {start}")
        elif node.op == "Exp":
            steps.append(["exp", 0.0])
        elif node.op in _STEP_OPS:
            first, second = node.inputs
            const_first = graph.constant(first)
            const = const_first if const_first is not None and first != value else graph.constant(second)
            if const is None or const.size != 1:
                raise CorruptFileError(f"teacher graph: {node.op} after {start} is not a step by a constant")
            op = _STEP_OPS[node.op]
            if first != value and op in ("sub", "div"):
                if op == "div":
                    raise CorruptFileError(f"teacher graph: a constant divided by {start} is not supported")
                op = "rsub"
            steps.append([op, float(const.reshape(()))])
        else:
            raise CorruptFileError(f"teacher graph: unexpected {node.op} after {start}")
        value = node.outputs[0]


def _fold(gamma, beta, mean, var, eps):
    scale = gamma / np.sqrt(var + eps)
    return scale, beta - mean * scale


def network(folder) -> tuple[dict[str, np.ndarray], dict]:
    """The teacher's weights, BatchNorms folded, as ``net.*`` arrays for a checkpoint, and their metadata.

    Read from ``folder/model_v2.onnx`` with the small protobuf reader :mod:`.onnx_graph` (no onnx package);
    :class:`nbx11_data.surrogate.yahpo_net.YahpoNet` runs them. Folding is done in float64, stored as float32.
    """
    from nbx11_data.builder.sources import onnx_graph
    from nbx11_data.surrogate.yahpo_net import apply_steps

    path = Path(folder) / MODEL
    graph = onnx_graph.read(path)
    w = {k: v.astype(np.float64) for k, v in graph.initializers.items()}
    columns = len(darts.YAHPO_COLUMNS)
    embeddings = [w[f"embds_fct.{j}.weight"] for j in range(columns)]
    first = w["first_layer.weight"]
    widths = np.cumsum([0] + [e.shape[1] for e in embeddings])
    if first.shape[1] != widths[-1] + 1:
        raise CorruptFileError(f"{path}: first layer takes {first.shape[1]} inputs, not 34 embeddings + the epoch")
    codes = max(e.shape[0] for e in embeddings)
    code_rows = np.zeros((columns, codes, first.shape[0]))
    for j, e in enumerate(embeddings):
        code_rows[j, : len(e)] = e @ first[:, widths[j]:widths[j + 1]].T
    epoch_gather = next(n.outputs[0] for n in graph.nodes if n.op == "Gather" and n.inputs[0] == "x_cont")
    epoch_feature = apply_steps(np.arange(1, EPOCHS + 1, dtype=np.float32), _steps(graph, epoch_gather))
    arrays = {"net.code_rows": code_rows, "net.first_bias": w["first_layer.bias"], "net.epoch_weight": first[:, -1],
              "net.epoch_feature": epoch_feature}
    blocks = 0
    while f"layers.{blocks}.norm.weight" in w:
        p = f"layers.{blocks}."
        scale, shift = _fold(w[p + "norm.weight"], w[p + "norm.bias"], w[p + "norm.running_mean"],
                             w[p + "norm.running_var"], _epsilon(graph, p + "norm.weight"))
        w0, b0 = w[p + "linear0.weight"], w[p + "linear0.bias"]
        arrays.update({f"net.block{blocks}.w0": (w0 * scale[None, :]).T, f"net.block{blocks}.b0": b0 + w0 @ shift,
                       f"net.block{blocks}.w1": w[p + "linear1.weight"].T, f"net.block{blocks}.b1": w[p + "linear1.bias"]})
        blocks += 1
    scale, shift = _fold(w["last_normalization.weight"], w["last_normalization.bias"],
                         w["last_normalization.running_mean"], w["last_normalization.running_var"],
                         _epsilon(graph, "last_normalization.weight"))
    arrays.update({"net.last_scale": scale, "net.last_shift": shift, "net.head_weight": w["head.weight"].T,
                   "net.head_bias": w["head.bias"]})
    sigmoid = next(n.outputs[0] for n in graph.nodes if n.op == "Sigmoid")
    gathers = sorted((int(graph.constant(n.inputs[1]).reshape(())), n.outputs[0]) for n in graph.nodes
                     if n.op == "Gather" and n.inputs[0] == sigmoid)
    output_steps = [_steps(graph, name) for _, name in gathers]
    meta = {"blocks": blocks, "output_steps": output_steps, "outputs": list(OUTPUT_COLUMNS),
            "weights": int(sum(a.size for a in graph.initializers.values()))}
    return {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}, meta


def _epsilon(graph, weight: str) -> float:
    node = next(n for n in graph.nodes if n.op == "BatchNormalization" and n.inputs[1] == weight)
    return float(node.attrs.get("epsilon", 1e-5))
