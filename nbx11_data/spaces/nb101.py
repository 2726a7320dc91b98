"""NAS-Bench-101: cells that are DAGs of at most 7 vertices and 9 edges (423,624 unique graphs).

Vertex 0 is ``input``, the last vertex ``output``, every other vertex one of
:data:`OPS`. Graphs are pruned exactly as NAS-Bench-101's ``ModelSpec`` does
(vertices not on an input-to-output path are dropped; a graph without such a
path is invalid), then the vertex-count and edge-count limits apply to the
pruned graph, as in ``NASBench._check_spec``. Stricter than NAS-Bench-101:
every op name, even of a pruned vertex, must be known, and entries must be 0/1.

Accepted representations:

- the canonical string (see :func:`format`): adjacency rows, ``|``, op names,
  e.g. ``"011,001,000|input,conv3x3-bn-relu,output"``,
- ``(matrix, ops)`` (a ``[matrix, ops]`` list or a JSON string of one too);
  ``matrix`` a nested sequence or numpy array, ``ops`` op names or NB101
  hash labels (``-1`` input, ``-2`` output, ``0..2`` = :data:`OPS`), the
  layout of ``generated_graphs.json``,
- ``{"matrix": ..., "ops": ...}`` (NB101 ``ModelSpec`` / NASLib spec dicts,
  or their JSON string),
- any object with ``.original_matrix``/``.original_ops`` (an NB101
  ``ModelSpec``) or ``.matrix``/``.ops``,
- NASLib's flat tuple: ``n*n`` matrix entries then ``n`` indices into
  ``(input, output, maxpool3x3, conv1x1-bn-relu, conv3x3-bn-relu)``,
- a 32-hex NAS-Bench-101 module hash (looked up in the shipped, memory-mapped hash index),
- an :class:`NB101Arch`.

Every architecture is stored in **canonical vertex order**: of all vertex
orders of the pruned graph that keep the matrix upper-triangular, the one with
the smallest NB101 edge bitmask, then the smallest op labelling. That is the
graph NAS-Bench-101's ``generate_graphs.py`` meets first, i.e. the
``module_adjacency``/``module_operations`` stored in the NB101 dataset. So
isomorphic graphs parse to equal architectures and the same canonical string.

Example:
    >>> arch = parse(([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "maxpool3x3", "output"]))
    >>> format(arch)
    '011,001,000|input,maxpool3x3,output'
    >>> arch_id(arch)  # the NAS-Bench-101 module hash
    '6f6257bc3b12d87b8736e81cd4b7ed8b'
"""

from __future__ import annotations

import builtins
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from nbx11_data.errors import CorruptFileError, InvalidArchitectureError
from nbx11_data.spaces import _moves
from nbx11_data.spaces._inputs import loads_json, short as _short

NAME = "nb101"
FINITE = True
HAS_ARCH_INDEX = False
HAS_MOVES = False  # neighbours and mutate raise UnknownNameError
INPUT, OUTPUT = "input", "output"
# NAS-Bench-101's config['available_ops'], in order: their index is the op's hash label.
OPS = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
MAX_VERTICES = 7
MAX_EDGES = 9
SIZE = 423_624
# NASLib's op order in its flat spec tuples.
NASLIB_OPS = (INPUT, OUTPUT, "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
_LABEL = {op: i for i, op in builtins.enumerate(OPS)}
_NAME_OF_LABEL = {-1: INPUT, -2: OUTPUT, 0: OPS[0], 1: OPS[1], 2: OPS[2]}
_HASH_RE = re.compile(r"[0-9a-f]{32}\Z")
_HASH_INDEX = Path(__file__).parent / "data" / "nb101_hash_index.npy"


@dataclass(frozen=True, slots=True)
class NB101Arch:
    """A pruned NB101 cell in canonical vertex order; build it with :func:`parse`.

    ``matrix`` is the upper-triangular 0/1 adjacency (tuple of row tuples), ``ops``
    the vertex op names, ``ops[0] == "input"`` and ``ops[-1] == "output"``. ``key`` is
    (vertices, NB101 edge bitmask, op code), set by :func:`parse`; an instance built
    without it is re-parsed wherever it is used.
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]
    key: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return format(self)

    @property
    def n_vertices(self) -> int:
        return len(self.ops)

    def numpy(self) -> np.ndarray:
        """The adjacency matrix as an int8 array."""
        return np.array(self.matrix, dtype=np.int8)


# --- bit layout -------------------------------------------------------------------------------
# An n-vertex upper-triangular matrix is an int with bit x + y*(y-1)/2 set for each edge x -> y,
# the layout of NAS-Bench-101's generate_graphs.py; interior labels are a base-3 ``code`` with
# vertex 1 the most significant digit (the order of its itertools.product over labellings).


def _edge_bit(x: int, y: int) -> int:
    return x + y * (y - 1) // 2


@lru_cache(maxsize=None)
def _edges(n: int) -> tuple[tuple[int, int], ...]:
    """(x, y) of each bit index for ``n`` vertices."""
    pairs = sorted(((x, y) for y in range(n) for x in range(y)), key=lambda e: _edge_bit(*e))
    return tuple(pairs)


@lru_cache(maxsize=None)
def _perms(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(inverse permutations, edge-bit targets) over all orders of the interior vertices.

    ``targets[k, i]`` is the bit index of edge ``i`` after vertex ``v`` moves to ``perm[k][v]``,
    or -1 when that edge would point backwards (the order is not topological).
    """
    perms = np.array([(0, *p, n - 1) for p in itertools.permutations(range(1, n - 1))], dtype=np.int64)
    perms = perms.reshape(-1, n)
    inverse = np.argsort(perms, axis=1)
    edges = _edges(n)
    targets = np.full((len(perms), len(edges)), -1, dtype=np.int64)
    for i, (x, y) in builtins.enumerate(edges):
        px, py = perms[:, x], perms[:, y]
        ok = px < py
        targets[ok, i] = px[ok] + py[ok] * (py[ok] - 1) // 2
    return inverse, targets


@lru_cache(maxsize=None)
def _pow3(n: int) -> np.ndarray:
    return 3 ** np.arange(n - 3, -1, -1, dtype=np.int64) if n > 2 else np.zeros(0, dtype=np.int64)


def _code(labels) -> int:
    value = 0
    for label in labels:
        value = value * 3 + label
    return value


@lru_cache(maxsize=None)
def _labels_of_code(n: int, code: int) -> tuple[int, ...]:
    digits = []
    for _ in range(n - 2):
        code, digit = divmod(code, 3)
        digits.append(digit)
    return tuple(reversed(digits))


@lru_cache(maxsize=None)
def _structure(n: int, bits: int) -> tuple[tuple[tuple[int, ...], ...], tuple, tuple]:
    """(matrix rows, in-neighbours, out-neighbours) of an n-vertex bitmask."""
    rows = [[0] * n for _ in range(n)]
    for i, (x, y) in builtins.enumerate(_edges(n)):
        if bits >> i & 1:
            rows[x][y] = 1
    ins = tuple(tuple(w for w in range(n) if rows[w][v]) for v in range(n))
    outs = tuple(tuple(w for w in range(n) if rows[v][w]) for v in range(n))
    return tuple(map(tuple, rows)), ins, outs


@lru_cache(maxsize=None)
def _ops_of_code(n: int, code: int) -> tuple[str, ...]:
    return (INPUT, *(OPS[d] for d in _labels_of_code(n, code)), OUTPUT)


def _arch(n: int, bits: int, code: int) -> NB101Arch:
    return NB101Arch(_structure(n, bits)[0], _ops_of_code(n, code), (n, bits, code))


def _parsed(arch) -> NB101Arch:
    """``arch`` itself when it came from :func:`parse`, else its parse."""
    return arch if type(arch) is NB101Arch and arch.key is not None else parse(arch)


@lru_cache(maxsize=1 << 16)
def _smallest_orders(n: int, bits: int) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """(smallest bitmask over the topological vertex orders of a structure, the orders giving it).

    Each order is given as, for each new interior position, the old interior index it takes.
    """
    inverse, targets = _perms(n)
    present = [i for i in range(targets.shape[1]) if bits >> i & 1]
    moved = targets[:, present]
    new_bits = np.left_shift(1, np.maximum(moved, 0)).sum(axis=1)
    new_bits[(moved < 0).any(axis=1)] = np.iinfo(np.int64).max
    best = new_bits.min()
    orders = inverse[new_bits == best][:, 1:-1] - 1
    return int(best), tuple(map(tuple, orders.tolist()))


def _canonical(n: int, bits: int, labels: tuple[int, ...]) -> tuple[int, int]:
    """(bits, code) of the smallest topological vertex order of a pruned graph."""
    if n <= 3:
        return bits, _code(labels)
    best, orders = _smallest_orders(n, bits)
    return best, min(_code(labels[i] for i in order) for order in orders)


# --- parsing and validation -------------------------------------------------------------------


def _fail(message: str) -> InvalidArchitectureError:
    return InvalidArchitectureError(f"nb101: {message}")


def _op_name(vertex: int, op) -> str:
    if isinstance(op, str):
        return op
    if isinstance(op, (int, np.integer)) and not isinstance(op, (bool, np.bool_)) and int(op) in _NAME_OF_LABEL:
        return _NAME_OF_LABEL[int(op)]
    raise _fail(
        f"op {_short(op)} of vertex {vertex} is neither an op name ({INPUT}, {', '.join(OPS)}, {OUTPUT})"
        " nor an NB101 label (-1 input, -2 output, 0-2)"
    )


def _matrix_rows(matrix) -> list | tuple:
    """A square 0/1 matrix as a list (or the given tuple) of rows, or an error naming what is wrong."""
    if isinstance(matrix, np.ndarray):
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise _fail(f"the adjacency matrix must be square, got shape {matrix.shape}")
        if matrix.dtype.kind not in "biuf":
            raise _fail(f"the adjacency matrix must hold 0/1 numbers, got dtype {matrix.dtype}")
        if not np.isin(matrix, (0, 1)).all():
            raise _fail("the adjacency matrix may only hold 0 and 1")
        return matrix.astype(np.int64).tolist()
    if isinstance(matrix, (str, bytes)) or not isinstance(matrix, (list, tuple)):
        raise _fail(f"the adjacency matrix must be a list of rows or a numpy array, got {type(matrix).__name__}")
    n = len(matrix)
    if all(type(row) in (list, tuple) and len(row) == n for row in matrix):  # fast path: plain 0/1 ints
        flat = [value for row in matrix for value in row]
        if set(map(type, flat)) <= {int, bool} and set(flat) <= {0, 1}:
            return matrix
    rows = []
    for r, row in builtins.enumerate(matrix):
        if isinstance(row, np.ndarray):
            row = row.tolist()
        if not isinstance(row, (list, tuple)) or len(row) != n:
            raise _fail(f"the adjacency matrix must be square ({n}x{n}); row {r} is {_short(row)}")
        for c, value in builtins.enumerate(row):
            if not isinstance(value, (int, np.integer, float, np.floating)) or value not in (0, 1):
                raise _fail(f"adjacency entry [{r}][{c}] is {_short(value)}; entries must be 0 or 1")
        rows.append(row)
    return rows


def _from_matrix_ops(matrix, ops) -> NB101Arch:
    rows = _matrix_rows(matrix)
    n = len(rows)
    if isinstance(ops, (str, bytes)) or not isinstance(ops, (list, tuple, np.ndarray)):
        raise _fail(f"ops must be a list of op names, got {type(ops).__name__}")
    if isinstance(ops, np.ndarray):
        if ops.ndim != 1:
            raise _fail(f"ops must be a 1-d list of op names, got an array of shape {ops.shape}")
        ops = ops.tolist()
    names = [op if type(op) is str else _op_name(v, op) for v, op in builtins.enumerate(ops)]
    if len(names) != n:
        raise _fail(f"{len(names)} ops for a {n}x{n} matrix; give one op per vertex")
    if n < 2:
        raise _fail(f"a cell needs at least the input and output vertices, got {n} vertices")
    if names[0] != INPUT:
        raise _fail(f"the first op must be {INPUT!r}, got {_short(names[0])}")
    if names[-1] != OUTPUT:
        raise _fail(f"the last op must be {OUTPUT!r}, got {_short(names[-1])}")
    for v in range(1, n - 1):
        if names[v] not in _LABEL:
            raise _fail(f"vertex {v} has unknown op {_short(names[v])}; allowed: {', '.join(OPS)}")
    ins, outs = [0] * n, [0] * n  # bitmasks of in- and out-neighbours
    for x, row in builtins.enumerate(rows):
        for y, edge in builtins.enumerate(row):
            if edge:
                if y <= x:
                    _raise_not_upper_triangular(rows, x, y)
                outs[x] |= 1 << y
                ins[y] |= 1 << x
    keep = _on_a_path(ins, outs)
    if not keep:
        raise _fail("no path from input to output (the pruned graph is empty)")
    m = len(keep)
    if m > MAX_VERTICES:
        raise _fail(f"{m} vertices after pruning; at most {MAX_VERTICES} are allowed")
    bits, n_edges = 0, 0
    for j in range(1, m):
        sources = ins[keep[j]]
        for i in range(j):
            if sources >> keep[i] & 1:
                bits |= 1 << _edge_bit(i, j)
                n_edges += 1
    if n_edges > MAX_EDGES:
        raise _fail(f"{n_edges} edges after pruning; at most {MAX_EDGES} are allowed")
    bits, code = _canonical(m, bits, tuple(_LABEL[names[v]] for v in keep[1:-1]))
    return _arch(m, bits, code)


def _raise_not_upper_triangular(rows: list | tuple, x: int, y: int) -> None:
    kind = "a self-loop" if x == y else ("a cycle" if _reaches(rows, y, x) else "a backward edge")
    raise _fail(
        f"edge {x}->{y} is {kind}: the matrix must be strictly upper-triangular"
        " (an acyclic graph with vertices in topological order)"
    )


def _reaches(rows: list | tuple, source: int, target: int) -> bool:
    seen, frontier = {source}, [source]
    while frontier:
        v = frontier.pop()
        for w, edge in builtins.enumerate(rows[v]):
            if edge and w not in seen:
                if w == target:
                    return True
                seen.add(w)
                frontier.append(w)
    return False


def _on_a_path(ins: list[int], outs: list[int]) -> list[int]:
    """Vertices on some input-to-output path (NB101 ``ModelSpec._prune``); empty when there is none."""
    n = len(ins)
    forward = 1
    for y in range(1, n):
        if ins[y] & forward:
            forward |= 1 << y
    backward = 1 << (n - 1)
    for x in range(n - 2, -1, -1):
        if outs[x] & backward:
            backward |= 1 << x
    live = forward & backward
    return [v for v in range(n) if live >> v & 1] if live & 1 else []


def _parse_canonical_string(text: str) -> NB101Arch:
    matrix_part, sep, ops_part = text.partition("|")
    rows = matrix_part.split(",")
    if not sep or any(not row or row.strip("01") for row in rows):
        raise _fail(
            f"cannot parse {_short(text)}; expected adjacency rows of 0/1 digits, '|', op names,"
            " like '011,001,000|input,conv3x3-bn-relu,output', or JSON [matrix, ops]"
        )
    return _from_matrix_ops([[int(c) for c in row] for row in rows], ops_part.split(","))


def _from_naslib_tuple(values) -> NB101Arch:
    n = int(round((-1 + (1 + 4 * len(values)) ** 0.5) / 2))
    if n * (n + 1) != len(values) or n < 2:
        raise _fail(f"a flat NASLib spec has n*n + n entries, got {len(values)}")
    ops = []
    for v, index in builtins.enumerate(values[n * n :]):
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)) or not 0 <= index < 5:
            raise _fail(f"op index {_short(index)} of vertex {v} is outside 0..4 ({', '.join(NASLIB_OPS)})")
        ops.append(NASLIB_OPS[index])
    matrix = [list(values[r * n : (r + 1) * n]) for r in range(n)]
    return _from_matrix_ops(matrix, ops)


def parse(representation) -> NB101Arch:
    """Parse any accepted representation (see the module docstring) into a canonical :class:`NB101Arch`."""
    if isinstance(representation, NB101Arch):
        return _from_matrix_ops(representation.matrix, representation.ops)
    if isinstance(representation, str):
        text = representation.strip()
        if text[:1] in ("[", "{"):
            return parse(loads_json(text, NAME))
        if _HASH_RE.match(text):
            return from_hash(text)
        return _parse_canonical_string(text)
    if isinstance(representation, dict):
        if "matrix" not in representation or "ops" not in representation:
            raise _fail(f"a spec dict needs 'matrix' and 'ops', got keys {sorted(map(str, representation))}")
        return _from_matrix_ops(representation["matrix"], representation["ops"])
    if isinstance(representation, (list, tuple)):
        if len(representation) == 2 and not isinstance(representation[0], (int, np.integer)):
            return _from_matrix_ops(*representation)
        if all(isinstance(v, (int, np.integer)) for v in representation):
            return _from_naslib_tuple(representation)
        raise _fail("expected (matrix, ops) or a flat NASLib tuple of ints")
    for matrix_attr, ops_attr in (("original_matrix", "original_ops"), ("matrix", "ops")):
        if hasattr(representation, matrix_attr) and hasattr(representation, ops_attr):
            return _from_matrix_ops(getattr(representation, matrix_attr), getattr(representation, ops_attr))
    raise _fail(f"cannot parse a {type(representation).__name__} as an architecture")


def validate(arch) -> None:
    """Raise :class:`InvalidArchitectureError` unless ``arch`` is a valid NB101 cell (any representation)."""
    parse(arch)


def format(arch) -> str:  # noqa: A001 - the interface's name
    """The canonical string: adjacency rows joined by ',', then '|', then the op names joined by ','."""
    arch = _parsed(arch)
    rows = ",".join("".join("1" if e else "0" for e in row) for row in arch.matrix)
    return f"{rows}|{','.join(arch.ops)}"


# --- the NAS-Bench-101 module hash --------------------------------------------------------------


@lru_cache(maxsize=None)
def _initial_hash(out_degree: int, in_degree: int, label: int) -> str:
    return hashlib.md5(str((out_degree, in_degree, label)).encode("utf-8")).hexdigest()


def _module_hash(n: int, bits: int, labels: tuple[int, ...]) -> str:
    """NAS-Bench-101's ``graph_util.hash_module`` (Weisfeiler-Lehman-style md5 refinement)."""
    _, ins, outs = _structure(n, bits)
    full = (-1, *labels, -2)
    hashes = [_initial_hash(len(outs[v]), len(ins[v]), full[v]) for v in range(n)]
    plan = tuple(zip(range(n), ins, outs))
    md5 = hashlib.md5
    for _ in range(n):
        new = []
        for v, in_v, out_v in plan:  # a single neighbour needs no sort: the common case
            a = hashes[in_v[0]] if len(in_v) == 1 else "".join(sorted([hashes[w] for w in in_v]))
            b = hashes[out_v[0]] if len(out_v) == 1 else "".join(sorted([hashes[w] for w in out_v]))
            new.append(md5(f"{a}|{b}|{hashes[v]}".encode("utf-8")).hexdigest())
        hashes = new
    return md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1 << 16)
def _hash_of_key(n: int, bits: int, code: int) -> str:
    return _module_hash(n, bits, _labels_of_code(n, code))


def arch_id(arch) -> str:
    """The NAS-Bench-101 module hash (32 hex digits), as in the NB101 dataset's keys."""
    return _hash_of_key(*_parsed(arch).key)  # type: ignore[misc]  # parse sets key (a cast costs time here)


# --- enumeration ---------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _graphs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(bits, codes) of every unique valid n-vertex graph, in NB101 generation order.

    Unlabelled structures are deduplicated first (keep a bitmask only if no topological vertex
    order gives a smaller one), then a labelling is kept only if no automorphism of the structure
    maps it to a smaller code. The result is the first graph of each isomorphism class that
    NAS-Bench-101's ``generate_graphs.py`` meets.
    """
    edges = _edges(n)
    masks = np.arange(1 << len(edges), dtype=np.int64)
    n_edges = np.zeros(len(masks), dtype=np.int64)
    has_out = np.zeros((n, len(masks)), dtype=bool)
    has_in = np.zeros((n, len(masks)), dtype=bool)
    for i, (x, y) in builtins.enumerate(edges):
        bit = (masks >> i & 1).astype(bool)
        n_edges += bit
        has_out[x] |= bit
        has_in[y] |= bit
    full_dag = has_out[:-1].all(axis=0) & has_in[1:].all(axis=0) & (n_edges <= MAX_EDGES)
    masks = masks[full_dag]
    inverse, targets = _perms(n)
    moved = np.zeros((len(masks), len(targets)), dtype=np.int64)
    valid = np.ones((len(masks), len(targets)), dtype=bool)
    for i in range(len(edges)):
        bit = (masks >> i & 1).astype(bool)[:, None]
        valid &= ~(bit & (targets[:, i] < 0))
        moved |= np.where(bit & (targets[:, i] >= 0), 1 << np.maximum(targets[:, i], 0), 0)
    moved = np.where(valid, moved, np.iinfo(np.int64).max)
    canonical = moved.min(axis=1) == masks
    codes = np.arange(3 ** (n - 2), dtype=np.int64)
    digits = (codes[:, None] // _pow3(n)) % 3
    out_bits, out_codes = [], []
    for mask, row in zip(masks[canonical], moved[canonical]):
        automorphisms = inverse[row == mask][:, 1:-1] - 1
        permuted = digits[:, automorphisms] @ _pow3(n) if n > 2 else np.zeros((1, 1), dtype=np.int64)
        kept = codes[(permuted >= codes[:, None]).all(axis=1)]
        out_bits.append(np.full(len(kept), mask, dtype=np.int64))
        out_codes.append(kept)
    return np.concatenate(out_bits), np.concatenate(out_codes)


def _check_max_vertices(max_vertices: int) -> None:
    if isinstance(max_vertices, bool) or not isinstance(max_vertices, int) or not 2 <= max_vertices <= MAX_VERTICES:
        raise _fail(f"max_vertices must be an int in 2..{MAX_VERTICES}, got {_short(max_vertices)}")


def enumerate(max_vertices: int = MAX_VERTICES) -> Iterator[NB101Arch]:  # noqa: A001 - the interface's name
    """Every unique valid graph with at most ``max_vertices`` vertices, once, in NB101 generation order.

    Example:
        >>> sum(1 for _ in enumerate(max_vertices=4))
        91
    """
    _check_max_vertices(max_vertices)
    for n in range(2, max_vertices + 1):
        bits, codes = _graphs(n)
        for b, c in zip(bits.tolist(), codes.tolist()):
            yield _arch(n, b, c)


@lru_cache(maxsize=None)
def hash_table(max_vertices: int = MAX_VERTICES) -> dict[str, NB101Arch]:
    """NAS-Bench-101 module hash -> architecture, for every graph with at most ``max_vertices`` vertices.

    Example:
        >>> len(hash_table(5))
        2532
    """
    _check_max_vertices(max_vertices)
    table = dict(hash_table(max_vertices - 1)) if max_vertices > 2 else {}
    bits, codes = _graphs(max_vertices)
    for b, c in zip(bits.tolist(), codes.tolist()):
        table[_module_hash(max_vertices, b, _labels_of_code(max_vertices, c))] = _arch(max_vertices, b, c)
    return table


def pack_key(n: int, bits: int, code: int) -> int:
    """A graph's key (vertices, edge bitmask, op code) packed in 32 bits, as the hash index stores it."""
    return n << 29 | bits << 8 | code


def _unpack_key(packed: int) -> tuple[int, int, int]:
    return packed >> 29, packed >> 8 & 0x1FFFFF, packed & 0xFF


@lru_cache(maxsize=1)
def _hash_index() -> np.ndarray:
    """The shipped (2, 423,624) index of hash prefixes and packed keys (see builder/nb101_index.py), mmapped."""
    try:
        index = np.load(_HASH_INDEX, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise CorruptFileError(f"nb101: cannot read the hash index {_HASH_INDEX}: {err}") from None
    if index.dtype != np.uint32 or index.shape != (2, SIZE):
        raise CorruptFileError(
            f"nb101: the hash index {_HASH_INDEX} has {index.dtype} {index.shape}, not uint32 (2, {SIZE})"
        )
    return index


def from_hash(module_hash: str, max_vertices: int = MAX_VERTICES) -> NB101Arch:
    """The architecture whose NAS-Bench-101 module hash is ``module_hash`` (32 lowercase hex digits).

    A binary search in the shipped hash index, then the candidate's full hash is confirmed:
    about a millisecond, also in a new process.

    Example:
        >>> format(from_hash("6f6257bc3b12d87b8736e81cd4b7ed8b"))
        '011,001,000|input,maxpool3x3,output'
    """
    _check_max_vertices(max_vertices)
    if not isinstance(module_hash, str) or not _HASH_RE.match(module_hash):
        raise _fail(f"a module hash is 32 lowercase hex digits, got {_short(module_hash)}")
    prefixes, keys = _hash_index()
    prefix = int(module_hash[:8], 16)
    lo, hi = np.searchsorted(prefixes, prefix, side="left"), np.searchsorted(prefixes, prefix, side="right")
    for packed in keys[lo:hi].tolist():
        n, bits, code = _unpack_key(packed)
        if n <= max_vertices and _hash_of_key(n, bits, code) == module_hash:
            return _arch(n, bits, code)
    raise _fail(f"{_short(module_hash)} is not the module hash of any NB101 graph with at most {max_vertices} vertices")


# --- encoding and sampling -----------------------------------------------------------------------

# NAS-Bench-x11's NB111 "adj" encoding gives each op one number.
_X11_OP_VALUE = {"conv1x1-bn-relu": 0.0, "conv3x3-bn-relu": 0.5, "maxpool3x3": 1.0}
_UPPER = [(x, y) for x in range(MAX_VERTICES - 1) for y in range(x + 1, MAX_VERTICES)]


def encode(archs) -> np.ndarray:
    """NAS-Bench-x11's NB111 ``adj`` encoding, shape (n, 26) float32.

    The canonical graph is padded to 7 vertices as x11's ``convert_to_cell`` does (the output
    moves to vertex 6, empty slots get ``conv3x3-bn-relu`` and no edges); features are the 21
    upper-triangular entries (row-major) then one number per interior op: conv1x1 0, conv3x3 0.5,
    maxpool 1. (x11 appends 4 learning-curve features from data; that is the surrogate's job.)
    """
    out = np.zeros((len(archs), len(_UPPER) + MAX_VERTICES - 2), dtype=np.float32)
    for row, arch in zip(out, archs):
        arch = _parsed(arch)
        n = len(arch.ops)
        slot = list(range(n - 1)) + [MAX_VERTICES - 1]
        padded = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
        for x in range(n):
            for y in range(n):
                if arch.matrix[x][y]:
                    padded[slot[x]][slot[y]] = 1
        row[: len(_UPPER)] = [padded[x][y] for x, y in _UPPER]
        ops = list(arch.ops[1:-1]) + [OPS[0]] * (MAX_VERTICES - n)
        row[len(_UPPER) :] = [_X11_OP_VALUE[op] for op in ops]
    return out


@lru_cache(maxsize=None)
def _all_keys(max_vertices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = [(np.full(len(_graphs(n)[0]), n), *_graphs(n)) for n in range(2, max_vertices + 1)]
    sizes, bits, codes = (np.concatenate(p) for p in zip(*parts))
    return sizes, bits, codes


def sample(n: int, seed: int, max_vertices: int = MAX_VERTICES, *, encodable: bool = False) -> list[NB101Arch]:
    """``n`` graphs drawn uniformly (with replacement) from the unique graphs, reproducible from ``seed``.

    Every graph fits :func:`encode`, so ``encodable`` changes nothing.
    """
    _check_max_vertices(max_vertices)
    sizes, bits, codes = _all_keys(max_vertices)
    picks = np.random.Generator(np.random.PCG64(seed)).integers(0, len(bits), size=n)
    return [_arch(int(sizes[i]), int(bits[i]), int(codes[i])) for i in picks]


# --- moves ---------------------------------------------------------------------------------------


def neighbours(arch) -> list[NB101Arch]:
    """NB101 has no moves (:data:`HAS_MOVES`): raises :class:`~nbx11_data.errors.UnknownNameError` for a valid
    ``arch`` (and :class:`InvalidArchitectureError` for an invalid one, as every space).

    Example:
        >>> neighbours("011,001,000|input,maxpool3x3,output")
        Traceback (most recent call last):
        ...
        nbx11_data.errors.UnknownNameError: unknown search space with mutations 'nb101'; allowed: darts, nb201, nlp
    """
    parse(arch)
    raise _moves.unsupported(NAME)


def mutate(arch, rng: np.random.Generator) -> NB101Arch:
    """NB101 has no moves: raises as :func:`neighbours` does."""
    parse(arch)
    raise _moves.unsupported(NAME)
