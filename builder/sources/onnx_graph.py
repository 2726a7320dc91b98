"""A minimal reader of ONNX files: the graph's nodes and initializers, from the protobuf wire format.

Only what :mod:`.yahpo` needs to copy YAHPO's NB301 network into a checkpoint: node op types,
inputs, outputs and attributes, and the float/int initializer tensors. No onnx or protobuf package
is needed (field numbers from onnx.proto: ModelProto.graph 7; GraphProto node 1, initializer 5;
NodeProto input 1, output 2, op_type 4, attribute 5; TensorProto dims 1, data_type 2,
float_data 4, int64_data 7, name 8, raw_data 9; AttributeProto name 1, f 2, i 3, t 5).

Example:
    >>> g = read("../shared/data/yahpo-nb301/model_v2.onnx")
    >>> g.initializers["first_layer.weight"].shape
    (128, 169)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nbx11_data.errors import CorruptFileError

_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 11: np.float64}


@dataclass
class Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict


@dataclass
class Graph:
    nodes: list[Node]
    initializers: dict[str, np.ndarray]

    def producer(self) -> dict[str, Node]:
        """Each value name -> the node that outputs it."""
        return {out: node for node in self.nodes for out in node.outputs}

    def constant(self, name: str) -> np.ndarray | None:
        """The value of ``name`` if it is an initializer or a ``Constant`` node's output, else None."""
        if name in self.initializers:
            return self.initializers[name]
        node = self.producer().get(name)
        if node is not None and node.op == "Constant":
            return node.attrs["value"]
        return None


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(data: bytes):
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"protobuf wire type {wire}")
        yield number, wire, value


def _ints(wire: int, value) -> list[int]:
    if wire != 2:
        return [_signed(value)]
    out, i = [], 0
    while i < len(value):
        item, i = _varint(value, i)
        out.append(_signed(item))
    return out


def _tensor(data: bytes) -> tuple[str, np.ndarray]:
    dims, dtype, name, raw, floats, ints = [], 1, "", None, [], []
    for number, wire, value in _fields(data):
        if number == 1:
            dims += _ints(wire, value)
        elif number == 2:
            dtype = value
        elif number == 4:
            floats.append(np.frombuffer(value, "<f4"))
        elif number == 7:
            ints += _ints(wire, value)
        elif number == 8:
            name = value.decode()
        elif number == 9:
            raw = value
    if dtype not in _DTYPES:
        raise ValueError(f"tensor {name!r}: ONNX data type {dtype} is not read here")
    if raw is not None:
        array = np.frombuffer(raw, np.dtype(_DTYPES[dtype]).newbyteorder("<")).astype(_DTYPES[dtype])
    elif floats:
        array = np.concatenate(floats).astype(np.float32)
    else:
        array = np.array(ints, dtype=_DTYPES[dtype])
    return name, array.reshape(dims)


def _attribute(data: bytes) -> tuple[str, object]:
    name, value = "", None
    for number, wire, item in _fields(data):
        if number == 1:
            name = item.decode()
        elif number == 2:
            value = struct.unpack("<f", item)[0]
        elif number == 3:
            value = _signed(item)
        elif number == 5:
            value = _tensor(item)[1]
    return name, value


def _node(data: bytes) -> Node:
    node = Node("", [], [], {})
    for number, _, value in _fields(data):
        if number == 1:
            node.inputs.append(value.decode())
        elif number == 2:
            node.outputs.append(value.decode())
        elif number == 4:
            node.op = value.decode()
        elif number == 5:
            key, item = _attribute(value)
            node.attrs[key] = item
    return node


def read(path) -> Graph:
    """The graph of the ONNX file at ``path``; :class:`CorruptFileError` if it is not one."""
    path = Path(path)
    try:
        model = path.read_bytes()
        graph = next(value for number, wire, value in _fields(model) if number == 7 and wire == 2)
        nodes, initializers = [], {}
        for number, wire, value in _fields(graph):
            if number == 1:
                nodes.append(_node(value))
            elif number == 5:
                name, array = _tensor(value)
                initializers[name] = array
    except (OSError, StopIteration, ValueError, IndexError, UnicodeDecodeError, struct.error) as err:
        raise CorruptFileError(f"{path}: not a readable ONNX model ({err or 'no graph'})") from err
    if not nodes:
        raise CorruptFileError(f"{path}: an ONNX model without nodes")
    return Graph(nodes, initializers)
