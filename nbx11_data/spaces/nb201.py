"""NAS-Bench-201: a cell of 4 nodes, 6 edges, 5 ops per edge (15,625 architectures).

Accepted representations:

- the arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` (canonical form),
- a sequence of 6 op names or of 6 op indices (0-4), in arch-string edge order,
- a 6-digit string of op indices such as ``"421211"`` (the layout of the
  ``nb201-finals`` data),
- an ``int``, or a string of at most 5 digits: the NATS-Bench ``arch_index``
  (0-15,624; never ambiguous with the 6-digit form),
- an :class:`NB201Arch`.

Example:
    >>> arch = parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    >>> arch_index(arch)
    1
    >>> parse(1) == arch
    True
"""

from __future__ import annotations

import builtins
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from nbx11_data.errors import InvalidArchitectureError
from nbx11_data.spaces import _moves
from nbx11_data.spaces._inputs import short as _short

NAME = "nb201"
FINITE = True
HAS_ARCH_INDEX = True
HAS_MOVES = True
OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
N_EDGES = 6
SIZE = len(OPS) ** N_EDGES
# (target node, input node) of each edge, in arch-string order.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
_OP_INDEX = {op: i for i, op in builtins.enumerate(OPS)}
_INDEX_TABLE = Path(__file__).parent / "data" / "nb201_index.npy"


@dataclass(frozen=True)
class NB201Arch:
    """An NB201 cell: the op name of each of the 6 edges, in arch-string order."""

    ops: tuple[str, ...]

    def __str__(self) -> str:
        return format(self)


def code(arch: NB201Arch) -> int:
    """Base-5 code of the ops (first edge most significant), 0..15,624."""
    value = 0
    for op in arch.ops:
        value = value * len(OPS) + _OP_INDEX[op]
    return value


def from_code(value: int) -> NB201Arch:
    """Inverse of :func:`code`."""
    digits = []
    for _ in range(N_EDGES):
        value, digit = divmod(value, len(OPS))
        digits.append(OPS[digit])
    return NB201Arch(tuple(reversed(digits)))


@lru_cache(maxsize=1)
def _index_tables() -> tuple[np.ndarray, np.ndarray]:
    """(codes in NATS index order, NATS index of each code)."""
    codes = np.load(_INDEX_TABLE, allow_pickle=False).astype(np.int64)
    index_of_code = np.empty(SIZE, dtype=np.int64)
    index_of_code[codes] = np.arange(SIZE)
    return codes, index_of_code


def arch_index(arch) -> int:
    """The NATS-Bench/NAS-Bench-201 index of ``arch`` (any representation)."""
    return int(_index_tables()[1][code(parse(arch))])


def validate(arch: NB201Arch) -> None:
    """Raise :class:`InvalidArchitectureError` unless ``arch`` is a valid NB201 cell."""
    if not isinstance(arch, NB201Arch):
        raise InvalidArchitectureError(f"nb201: expected an NB201Arch, got {type(arch).__name__}")
    if not isinstance(arch.ops, tuple) or len(arch.ops) != N_EDGES:
        raise InvalidArchitectureError(f"nb201: a cell has exactly {N_EDGES} edges, got {_short(arch.ops)}")
    for edge, op in builtins.enumerate(arch.ops):
        if op not in _OP_INDEX:
            raise InvalidArchitectureError(
                f"nb201: edge {edge} (node {EDGES[edge][0]} <- {EDGES[edge][1]}) has unknown op {_short(op)};"
                f" allowed: {', '.join(OPS)}"
            )


def parse_arch_string(text: str) -> NB201Arch:
    """Parse ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``."""
    nodes = text.strip().split("+")
    if len(nodes) != 3:
        raise InvalidArchitectureError(
            f"nb201: arch string {_short(text)} must have 3 nodes separated by '+'"
            " like |op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
        )
    ops = []
    for node, part in builtins.enumerate(nodes, start=1):
        if not (part.startswith("|") and part.endswith("|")):
            raise InvalidArchitectureError(f"nb201: node {node} {_short(part)} must be enclosed in '|'")
        edges = part[1:-1].split("|")
        if len(edges) != node:
            raise InvalidArchitectureError(f"nb201: node {node} must have {node} input edges, got {_short(part)}")
        for source, edge in builtins.enumerate(edges):
            op, sep, src = edge.partition("~")
            if sep != "~" or src != str(source):
                raise InvalidArchitectureError(
                    f"nb201: edge {_short(edge)} of node {node} must be written op~{source}"
                )
            ops.append(op)
    arch = NB201Arch(tuple(ops))
    validate(arch)
    return arch


def parse(representation) -> NB201Arch:
    """Parse any accepted representation (see the module docstring) into a valid :class:`NB201Arch`."""
    if isinstance(representation, NB201Arch):
        validate(representation)
        return representation
    if isinstance(representation, (bool, np.bool_)):
        raise InvalidArchitectureError(
            "nb201: a bool is not an architecture; expected an arch string, 6 ops or an arch_index int"
        )
    if isinstance(representation, (int, np.integer)):
        if not 0 <= representation < SIZE:
            raise InvalidArchitectureError(f"nb201: arch_index {representation} is outside 0..{SIZE - 1}")
        return from_code(int(_index_tables()[0][representation]))
    if isinstance(representation, str):
        text = representation.strip()
        digits = text.isascii() and text.isdigit()  # str.isdigit alone accepts '²' and other non-ASCII digits
        if digits and len(text) == N_EDGES:
            return parse([int(c) for c in text])
        if digits and len(text) < N_EDGES:
            return parse(int(text))
        if text.startswith("|"):
            return parse_arch_string(text)
        raise InvalidArchitectureError(
            f"nb201: cannot parse {_short(representation)}; expected an arch string"
            " |op~0|+|op~0|op~1|+|op~0|op~1|op~2| or 6 op digits like '421211'"
        )
    if isinstance(representation, (bytes, bytearray, memoryview)):
        raise InvalidArchitectureError(
            f"nb201: cannot parse {type(representation).__name__} as an architecture; decode it to a str first"
        )
    if isinstance(representation, np.ndarray) and representation.ndim != 1:
        raise InvalidArchitectureError(
            f"nb201: an array of ops must be 1-dimensional with {N_EDGES} entries, got shape {representation.shape}"
        )
    if isinstance(representation, Sequence) or isinstance(representation, np.ndarray):
        if len(representation) != N_EDGES:
            raise InvalidArchitectureError(f"nb201: expected {N_EDGES} ops, got {len(representation)}")
        items = list(representation)
        ops = []
        for edge, item in builtins.enumerate(items):
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                if not 0 <= item < len(OPS):
                    raise InvalidArchitectureError(
                        f"nb201: op index {item} on edge {edge} is outside 0..{len(OPS) - 1} ({', '.join(OPS)})"
                    )
                ops.append(OPS[item])
            elif isinstance(item, str):
                ops.append(item)
            else:
                raise InvalidArchitectureError(
                    f"nb201: edge {edge} must be an op name or index, got {type(item).__name__}"
                )
        arch = NB201Arch(tuple(ops))
        validate(arch)
        return arch
    raise InvalidArchitectureError(f"nb201: cannot parse a {type(representation).__name__} as an architecture")


def format(arch) -> str:  # noqa: A001 - the interface's name
    """The canonical arch string."""
    ops = parse(arch).ops
    return f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|{ops[5]}~2|"


def arch_id(arch) -> str:
    """md5 hex digest of the canonical arch string."""
    return hashlib.md5(format(arch).encode()).hexdigest()


def encode(archs) -> np.ndarray:
    """One-hot encoding, shape (n, 30): 6 edges x 5 ops, float32."""
    codes = np.array([code(parse(a)) for a in archs], dtype=np.int64)
    digits = (codes[:, None] // len(OPS) ** np.arange(N_EDGES - 1, -1, -1)) % len(OPS)
    out = np.zeros((len(codes), N_EDGES, len(OPS)), dtype=np.float32)
    out[np.arange(len(codes))[:, None], np.arange(N_EDGES), digits] = 1.0
    return out.reshape(len(codes), -1)


def sample(n: int, seed: int, *, encodable: bool = False) -> list[NB201Arch]:
    """``n`` architectures drawn uniformly (with replacement), reproducible from ``seed``.

    Every architecture fits :func:`encode`, so ``encodable`` changes nothing.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    return [from_code(int(c)) for c in rng.integers(0, SIZE, size=n)]


def enumerate() -> Iterator[NB201Arch]:  # noqa: A001 - the interface's name
    """All 15,625 architectures in NATS-Bench index order."""
    for value in _index_tables()[0]:
        yield from_code(int(value))


def neighbours(arch) -> list[NB201Arch]:
    """The 24 architectures with the op of one edge changed, in edge order then :data:`OPS` order.

    Example:
        >>> [format(n) for n in neighbours("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")][:1]
        ['|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|']
    """
    arch = parse(arch)
    return _moves.neighbours(arch, _candidates(arch), parse, format)


def mutate(arch, rng: np.random.Generator) -> NB201Arch:
    """One of :func:`neighbours`, drawn uniformly with ``rng``."""
    arch = parse(arch)
    return _moves.mutate(arch, list(_candidates(arch)), parse, format, rng)


def _candidates(arch: NB201Arch) -> Iterator[NB201Arch]:
    for edge, current in builtins.enumerate(arch.ops):
        for op in OPS:
            if op != current:
                yield NB201Arch(arch.ops[:edge] + (op,) + arch.ops[edge + 1:])
