"""DARTS / NAS-Bench-301 cells: a normal and a reduction cell, ~10^18 architectures.

In each cell, the intermediate nodes 2..5 read two distinct earlier nodes (0 and 1 are the cell's inputs),
each through one op of :data:`OPS`. :func:`parse` takes a :class:`Genotype` or its string, a genotype mapping,
the NB301 ConfigSpace dict (also YAHPO's ``_COLON_`` keys) or NASLib's compact form; the canonical form is the
genotype string with each node's two pairs sorted by input. The representations, identity and moves in
detail: ``docs/spaces.md`` (section darts).

Example:
    >>> arch = parse(to_genotype(sample(1, seed=0)[0]))
    >>> parse(to_config(arch)) == parse(to_compact(arch)) == parse(format(arch)) == arch
    True
"""

from __future__ import annotations

import builtins
import hashlib
import math
import re
from collections import namedtuple
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

import numpy as np

from nbx11_data.errors import InvalidArchitectureError, UnknownNameError
from nbx11_data.spaces import _moves
from nbx11_data.spaces._inputs import short as _short

NAME = "darts"
FINITE = False
HAS_ARCH_INDEX = False
HAS_MOVES = True
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5")
CELLS = ("normal", "reduce")
NODES = (2, 3, 4, 5)
N_PAIRS = 2 * len(NODES)  # (op, input) pairs per cell
N_EDGES = sum(NODES)  # 14 possible edges per cell in NB301's numbering
CONCAT = (2, 3, 4, 5)
# Concats accepted on input: DARTS' range(2, 6) and what NASLib / the x11 README write.
ALLOWED_CONCATS = frozenset({(2, 3, 4, 5), (2, 3, 4, 5, 6), (4, 5, 6)})
REPRESENTATION_KINDS = ("genotype", "configspace", "compact", "BANANAS", "arch_str")
SIZE = (len(OPS) ** N_PAIRS * math.prod(math.comb(n, 2) for n in NODES)) ** 2

Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")

_OP_INDEX = {op: i for i, op in builtins.enumerate(OPS)}
# NB301 edge k of a cell: node n's edges start at EDGE_OFFSET[n]; edge = offset + input.
EDGE_OFFSET = {2: 0, 3: 2, 4: 5, 5: 9}
# inputs_node_{cell}_{n} choices "i_j", in ConfigSpace order (also YAHPO's code order).
INPUT_CHOICES = {n: tuple(f"{i}_{j}" for i, j in combinations(range(n), 2)) for n in NODES[1:]}
_SOURCES = {n: {c: tuple(map(int, c.split("_"))) for c in cs} for n, cs in INPUT_CHOICES.items()}
_PAIR_INDEX = {n: {pair: k for k, pair in builtins.enumerate(d.values())} for n, d in _SOURCES.items()}

_CS = "NetworkSelectorDatasetInfo:darts:"
_ARCH_KEY = re.compile(r"NetworkSelectorDatasetInfo(?::|_COLON_)darts(?::|_COLON_)(?:edge|inputs_node)_")


def edge_index(node: int, source: int) -> int:
    """NB301's number (0..13) of the edge from ``source`` into intermediate ``node``."""
    return EDGE_OFFSET[node] + source


def _key_table() -> dict[str, tuple[str, int, int]]:
    """Every architecture key (both spellings) -> (kind, cell index, edge number or node)."""
    table = {}
    for c, cell in builtins.enumerate(CELLS):
        names = [(f"edge_{cell}_{k}", ("edge", c, k)) for k in range(N_EDGES)]
        names += [(f"inputs_node_{cell}_{n}", ("inputs", c, n)) for n in NODES[1:]]
        for name, value in names:
            table[_CS + name] = value
            table[(_CS + name).replace(":", "_COLON_")] = value
    return table


_KEYS = _key_table()
_LATE_EDGES = sorted(range(2, N_EDGES), key=str)  # ConfigSpace sorts conditional edges by name: 10, 11, ..., 2, ...
# Column order of x11's NB301 vector (ConfigSpace's sorted order, architecture part).
X11_COLUMNS = tuple(
    [_CS + f"edge_{c}_{k}" for c in CELLS for k in (0, 1)]
    + [_CS + f"inputs_node_{c}_{n}" for c in CELLS for n in NODES[1:]]
    + [_CS + f"edge_{c}_{k}" for c in CELLS for k in _LATE_EDGES]
)
# Column order of YAHPO's x_cat (yahpo_gym benchmarks/nb301.py cat_names).
YAHPO_COLUMNS = tuple(
    [f"{_CS}edge_{c}_{k}".replace(":", "_COLON_") for c in CELLS for k in range(N_EDGES)]
    + [f"{_CS}inputs_node_{c}_{n}".replace(":", "_COLON_") for c in CELLS for n in NODES[1:]]
)
_PAIR_TEXT = {(op, src): f"('{op}', {src})" for op in OPS for src in range(max(NODES))}
# YAHPO's integer codes (encoding_v2.json): 0 = '#na#', then the sorted category names from 1.
YAHPO_OP_CODE = {op: i + 1 for i, op in builtins.enumerate(sorted(OPS))}


def _is_seq(value) -> bool:
    """A list-like value (not a string): what len() and indexing are tried on."""
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


@dataclass(frozen=True)
class DartsArch:
    """A DARTS architecture: 8 ``(op, input)`` pairs per cell, node by node, each node's pair sorted by input.

    Build it with :func:`parse`, which puts the pairs in this canonical order.
    """

    normal: tuple[tuple[str, int], ...]
    reduce: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        return format(self)

    @cached_property
    def _canonical(self) -> str:
        cells = [", ".join(map(_PAIR_TEXT.__getitem__, cell)) for cell in (self.normal, self.reduce)]
        return (
            f"Genotype(normal=[{cells[0]}], normal_concat=[2, 3, 4, 5],"
            f" reduce=[{cells[1]}], reduce_concat=[2, 3, 4, 5])"
        )


def _fail(message: str) -> InvalidArchitectureError:
    return InvalidArchitectureError(f"darts: {message}")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


# The valid canonical ((op, a), (op, b)) pairs of each node (a < b < node).
_VALID_NODES = tuple(
    frozenset(((op_a, a), (op_b, b)) for a, b in combinations(range(node), 2) for op_a in OPS for op_b in OPS)
    for node in NODES
)


def _node_pairs_ok(cell) -> bool:
    """Each node's two pairs are valid, with distinct inputs in ascending order (no type checks)."""
    return ((cell[0], cell[1]) in _VALID_NODES[0] and (cell[2], cell[3]) in _VALID_NODES[1]
            and (cell[4], cell[5]) in _VALID_NODES[2] and (cell[6], cell[7]) in _VALID_NODES[3])


def _cell_ok(cell) -> bool:
    """Fast check of one cell: 8 (str op, int input) tuples, valid, each node's inputs distinct and ascending."""
    if type(cell) is not tuple or len(cell) != N_PAIRS:
        return False
    for pair in cell:
        if not (type(pair) is tuple and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is int):
            return False
    return _node_pairs_ok(cell)


def validate(arch: DartsArch) -> None:
    """Raise :class:`InvalidArchitectureError` unless ``arch`` is a valid, canonically ordered cell pair."""
    if not isinstance(arch, DartsArch):
        raise _fail(f"expected a DartsArch, got {type(arch).__name__}")
    if arch.__dict__.get("_valid"):
        return
    for name in CELLS:
        cell = getattr(arch, name)
        if not _cell_ok(cell):
            _explain(name, cell)
    arch.__dict__["_valid"] = True  # fields are immutable: validate once


def _explain(name: str, cell) -> None:
    """Raise the error that says why :func:`_cell_ok` rejected ``cell``."""
    if not isinstance(cell, tuple) or len(cell) != N_PAIRS:
        count = len(cell) if _is_seq(cell) else type(cell).__name__
        raise _fail(f"{name} cell must be a tuple of exactly {N_PAIRS} edges (2 per node 2..5), got {count}")
    for k, pair in builtins.enumerate(cell):
        node = NODES[k // 2]
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise _fail(f"{name} cell, node {node}: edge {_short(pair)} must be an (op, input) pair")
        op, source = pair
        if not isinstance(op, str) or op not in _OP_INDEX:
            raise _fail(f"{name} cell, node {node}: unknown op {_short(op)}; allowed: {', '.join(OPS)}")
        if type(source) is not int:
            raise _fail(f"{name} cell, node {node}: input {_short(source)} must be an int")
        if not 0 <= source < node:
            raise _fail(f"{name} cell, node {node}: input {source} is not an earlier node; allowed: 0..{node - 1}")
    for k in range(0, N_PAIRS, 2):
        first, second = cell[k][1], cell[k + 1][1]
        if first == second:
            raise _fail(f"{name} cell, node {NODES[k // 2]}: duplicate input {first}; the two inputs must differ")
        if first > second:
            raise _fail(f"{name} cell, node {NODES[k // 2]}: pairs not in canonical order; build it with parse()")
    raise _fail(f"{name} cell {_short(cell)} is invalid")


def _cell_from_pairs(name: str, pairs) -> tuple[tuple[str, int], ...]:
    """Sort each node's two (op, input) pairs by input; the result is validated by the caller."""
    if not _is_seq(pairs):
        raise _fail(f"{name} cell must be a list of {N_PAIRS} (op, input) pairs, got {type(pairs).__name__}")
    if len(pairs) != N_PAIRS:
        raise _fail(f"{name} cell must have exactly {N_PAIRS} edges (2 per node 2..5), got {len(pairs)}")
    out: list[tuple[str, int]] = []
    for k in range(0, N_PAIRS, 2):
        a, b = pairs[k], pairs[k + 1]
        if not (type(a) is tuple and type(b) is tuple and len(a) == len(b) == 2 and type(a[1]) is type(b[1]) is int):
            a, b = (_as_pair(name, NODES[k // 2], p) for p in (a, b))
        out.extend((a, b) if a[1] <= b[1] else (b, a))
    return tuple(out)


def _as_pair(name: str, node: int, pair) -> tuple[str, int]:
    """An (op, input) pair from a tuple or list, the input made a plain int."""
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise _fail(f"{name} cell, node {node}: edge {_short(pair)} must be an (op, input) pair")
    if not _is_int(pair[1]):
        raise _fail(f"{name} cell, node {node}: input {_short(pair[1])} must be an int")
    return (pair[0], int(pair[1]))


def _build(normal, reduce) -> DartsArch:
    arch = DartsArch(_cell_from_pairs("normal", normal), _cell_from_pairs("reduce", reduce))
    validate(arch)
    return arch


def _check_concat(name: str, concat) -> None:
    values = list(concat) if isinstance(concat, (list, tuple, range)) else None
    if values is not None and all(_is_int(v) for v in values) and tuple(sorted(map(int, values))) in ALLOWED_CONCATS:
        return
    raise _fail(f"{name} {_short(concat)} is not a valid concat; allowed: [2, 3, 4, 5] (range(2, 6)) or NASLib's"
                " [2, 3, 4, 5, 6] / [4, 5, 6]")


def from_genotype(genotype) -> DartsArch:
    """A :class:`Genotype` (any object or mapping with normal/reduce and optional concats) -> arch."""
    get = genotype.get if isinstance(genotype, Mapping) else lambda key, default=None: getattr(genotype, key, default)
    missing = [name for name in CELLS if get(name) is None]
    if missing:
        raise _fail(f"a genotype needs the fields normal and reduce; missing {', '.join(missing)}")
    for name in ("normal_concat", "reduce_concat"):
        concat = get(name)
        if concat is not None:
            _check_concat(name, concat)
    return _build(get("normal"), get("reduce"))


# Possessive quantifiers (``*+``, ``++``): whitespace runs are never re-split, so matching is linear in the text.
_PAIR_RE = re.compile(r"""\(\s*+(['"])(\w++)\1\s*+,\s*+(\d++)\s*+\)""")
_PAIR_NC = r"""\(\s*+(?:'\w++'|"\w++")\s*+,\s*+\d++\s*+\)"""
_CELL_LIST = rf"\[\s*+(?:{_PAIR_NC}\s*+,\s*+)*+(?:{_PAIR_NC})?+\s*+,?+\s*+\]"
_CONCAT = r"\[[\d\s,]*+\]|\([\d\s,]*+\)|range\(\s*+\d++\s*+,\s*+\d++\s*+\)"
_GENOTYPE_RE = re.compile(
    rf"Genotype\(\s*+normal\s*+=\s*+({_CELL_LIST})\s*+,\s*+normal_concat\s*+=\s*+({_CONCAT})\s*+,"
    rf"\s*+reduce\s*+=\s*+({_CELL_LIST})\s*+,\s*+reduce_concat\s*+=\s*+({_CONCAT})\s*+,?+\s*+\)"
)


def _concat_values(text: str):
    if text in _CONCAT_TEXT:
        return _CONCAT_TEXT[text]
    numbers = [int(v) for v in re.findall(r"\d+", text)]
    return range(*numbers) if text.startswith("range") else numbers


_CONCAT_TEXT = {"[2, 3, 4, 5]": [2, 3, 4, 5], "range(2, 6)": range(2, 6), "[2, 3, 4, 5, 6]": [2, 3, 4, 5, 6], "[4, 5, 6]": [4, 5, 6]}


def parse_genotype_string(text: str) -> DartsArch:
    """Parse ``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)``."""
    match = _GENOTYPE_RE.fullmatch(text.replace("\\\n", " ").strip())
    if match is None:
        raise _fail(
            f"cannot parse {_short(text)}: expected a genotype string like \"Genotype(normal=[('sep_conv_3x3', 0),"
            " ...8 (op, input) pairs], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[2, 3, 4, 5])\""
        )
    normal, normal_concat, reduce, reduce_concat = match.groups()
    for name, concat in (("normal_concat", normal_concat), ("reduce_concat", reduce_concat)):
        if concat not in _CONCAT_TEXT:
            _check_concat(name, _concat_values(concat))
    cells = [[(op, int(src)) for _, op, src in _PAIR_RE.findall(cell)] for cell in (normal, reduce)]
    if len(cells[0]) == len(cells[1]) == N_PAIRS:  # fast path: sort each node's pairs, check by set lookup
        for cell in cells:
            for k in range(0, N_PAIRS, 2):
                if cell[k][1] > cell[k + 1][1]:
                    cell[k], cell[k + 1] = cell[k + 1], cell[k]
        if _node_pairs_ok(cells[0]) and _node_pairs_ok(cells[1]):
            arch = DartsArch(tuple(cells[0]), tuple(cells[1]))
            arch.__dict__["_valid"] = True
            return arch
    return _build(*cells)  # raises the error that names the offending part


def from_config(config) -> DartsArch:
    """The NB301 ConfigSpace dict (``:`` or YAHPO's ``_COLON_`` spelling) -> arch.

    Inactive edges must be absent (or ``None``/``'#na#'``); keys that are not
    architecture hyperparameters are ignored.
    """
    if hasattr(config, "get_dictionary") and not isinstance(config, Mapping):
        config = config.get_dictionary()
    if not isinstance(config, Mapping):
        raise _fail(f"a configspace representation must be a dict, got {type(config).__name__}")
    edges: list[dict[int, tuple[str, object]]] = [dict(), dict()]
    inputs: list[dict[int, tuple[str, object]]] = [dict(), dict()]
    for key, value in config.items():
        where = _KEYS.get(key) if isinstance(key, str) else None
        if where is None:
            if isinstance(key, str) and _ARCH_KEY.match(key):
                raise _fail(f"unknown architecture hyperparameter {_short(key)}; edges are numbered 0..{N_EDGES - 1},"
                            f" inputs_node_* exists for nodes {', '.join(map(str, NODES[1:]))}")
            continue
        if value is None or (isinstance(value, str) and value == "#na#"):
            continue
        kind, cell, index = where
        (edges if kind == "edge" else inputs)[cell][index] = (key, value)
    cells = []
    for c, name in builtins.enumerate(CELLS):
        pairs, read = [], {}
        for node in NODES:
            sources: tuple[int, ...] | None
            if node == 2:
                sources = (0, 1)
            else:
                key, choice = inputs[c].get(node, (None, None))
                sources = _SOURCES[node].get(choice) if isinstance(choice, str) else None
                if sources is None:
                    what = "is missing" if key is None else f"is {_short(choice)}"
                    raise _fail(f"inputs_node_{name}_{node} {what}; allowed: {', '.join(INPUT_CHOICES[node])}")
            read[node] = sources
            for source in sources:
                key, op = edges[c].pop(EDGE_OFFSET[node] + source, (None, None))
                if key is None:
                    raise _fail(f"edge_{name}_{EDGE_OFFSET[node] + source} (node {node} <- {source}) is missing")
                pairs.append((op, source))
        for k in edges[c]:  # what is left is not read by its node
            node = max(n for n in NODES if EDGE_OFFSET[n] <= k)
            raise _fail(f"edge_{name}_{k} is set but inactive: node {node} reads inputs {read[node]}")
        cells.append(pairs)
    return _build(*cells)


def from_compact(compact) -> DartsArch:
    """NASLib's compact form: two cells of 8 ``(input, op_index)`` pairs (op_index 0-based) -> arch."""
    if not _is_seq(compact) or len(compact) != 2:
        raise _fail("a compact architecture is (normal, reduce), each 8 (input, op_index) pairs")
    cells = []
    for name, cell in zip(CELLS, compact):
        if not _is_seq(cell):
            raise _fail(f"{name} cell must be a list of {N_PAIRS} (input, op_index) pairs")
        pairs = []
        for pair in cell:
            if not (_is_seq(pair) and len(pair) == 2):
                raise _fail(f"{name} cell: {_short(pair)} is not an (input, op_index) pair")
            source, op = pair
            if not _is_int(op):
                raise _fail(f"{name} cell: op index {_short(op)} must be an int; compact pairs are (input, op_index)")
            if not 0 <= op < len(OPS):
                raise _fail(f"{name} cell: op index {_short(op)} is outside 0..{len(OPS) - 1} ({', '.join(OPS)})")
            pairs.append((OPS[op], source))
        cells.append(pairs)
    return _build(*cells)


def _is_genotype_cells(value) -> bool:
    """A pair of cells written as (op, input) pairs: [[('sep_conv_3x3', 0), ...], [...]]."""
    try:
        return isinstance(value[0][0][0], str)
    except (TypeError, IndexError, KeyError):
        return False


def parse(representation, representation_kind: str | None = None) -> DartsArch:
    """Parse any accepted representation (see ``docs/spaces.md``) into a valid :class:`DartsArch`.

    ``representation_kind`` is x11's ``representation=`` name; ``None`` detects it.
    """
    if representation_kind is not None:
        return _parse_kind(representation, representation_kind)
    if isinstance(representation, DartsArch):
        if representation.__dict__.get("_valid") or (_cell_ok(representation.normal) and _cell_ok(representation.reduce)):
            representation.__dict__["_valid"] = True
            return representation
        return _build(representation.normal, representation.reduce)  # re-sorts each node's pairs
    if isinstance(representation, str):
        return parse_genotype_string(representation)
    if hasattr(representation, "normal") and hasattr(representation, "reduce"):
        return from_genotype(representation)
    if isinstance(representation, Mapping):
        return from_genotype(representation) if "normal" in representation else from_config(representation)
    if hasattr(representation, "get_dictionary"):
        return from_config(representation)
    if _is_seq(representation):
        if len(representation) == 2 and _is_genotype_cells(representation):
            return _build(*representation)
        return from_compact(representation)
    raise _fail(f"cannot parse a {type(representation).__name__} as an architecture")


def _parse_kind(representation, kind: str) -> DartsArch:
    if kind in ("genotype", "arch_str"):
        if isinstance(representation, str):
            return parse_genotype_string(representation)
        if isinstance(representation, DartsArch):
            return parse(representation)
        if isinstance(representation, Mapping) or hasattr(representation, "normal"):
            return from_genotype(representation)
        raise _fail(f"representation {_short(kind)} expects a Genotype or its string, got {type(representation).__name__}")
    if kind == "configspace":
        if isinstance(representation, Mapping) or hasattr(representation, "get_dictionary"):
            return from_config(representation)
        raise _fail(f"representation 'configspace' expects a dict, got {type(representation).__name__}")
    if kind in ("compact", "BANANAS"):
        return from_compact(representation)
    raise UnknownNameError("darts representation", kind, REPRESENTATION_KINDS)


def format(arch) -> str:  # noqa: A001 - the interface's name
    """The canonical genotype string (pairs of each node sorted by input, concats [2, 3, 4, 5])."""
    return parse(arch)._canonical


def arch_id(arch) -> str:
    """md5 hex digest of the canonical genotype string."""
    return hashlib.md5(format(arch).encode()).hexdigest()


def to_genotype(arch) -> Genotype:
    """The DARTS :class:`Genotype` (lists of (op, input) tuples, concats ``[2, 3, 4, 5]``)."""
    arch = parse(arch)
    return Genotype(list(arch.normal), list(CONCAT), list(arch.reduce), list(CONCAT))


def to_config(arch, colon: str = ":") -> dict[str, str]:
    """The NB301 ConfigSpace dict (active hyperparameters only); ``colon="_COLON_"`` gives YAHPO's keys."""
    arch = parse(arch)
    prefix = _CS.replace(":", colon)
    config = {}
    for name, cell in zip(CELLS, (arch.normal, arch.reduce)):
        for k, node in builtins.enumerate(NODES):
            (op_a, a), (op_b, b) = cell[2 * k], cell[2 * k + 1]
            config[f"{prefix}edge_{name}_{edge_index(node, a)}"] = op_a
            config[f"{prefix}edge_{name}_{edge_index(node, b)}"] = op_b
            if node > 2:
                config[f"{prefix}inputs_node_{name}_{node}"] = f"{a}_{b}"
    return config


def to_compact(arch) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """NASLib's compact form: per cell 8 (input, op_index) pairs."""
    arch = parse(arch)
    normal, reduce = (tuple((src, _OP_INDEX[op]) for op, src in cell) for cell in (arch.normal, arch.reduce))
    return normal, reduce


def _codes(arch: DartsArch):
    """Per cell: op index of each of the 14 NB301 edges (-1 inactive), and the inputs choice index of nodes 3..5."""
    out = []
    for cell in (arch.normal, arch.reduce):
        ops = [-1] * N_EDGES
        choices = []
        for k, node in builtins.enumerate(NODES):
            (op_a, a), (op_b, b) = cell[2 * k], cell[2 * k + 1]
            ops[EDGE_OFFSET[node] + a] = _OP_INDEX[op_a]
            ops[EDGE_OFFSET[node] + b] = _OP_INDEX[op_b]
            if node > 2:
                choices.append(_PAIR_INDEX[node][a, b])
        out.append((ops, choices))
    return out


_YAHPO_OP = [YAHPO_OP_CODE[op] for op in OPS] + [0]  # index -1 (inactive) -> 0 ('#na#')


def encode(archs) -> np.ndarray:
    """x11's NB301 feature vector, float32 (n, 34), columns :data:`X11_COLUMNS`.

    NAS-Bench-x11 encodes a DARTS arch as ConfigSpace's ``get_array()`` of the
    NB301 config with NaN (inactive edge) replaced by -1: categorical values
    are the index into the choices (:data:`OPS`; ``"i_j"`` in
    :data:`INPUT_CHOICES` order), in ConfigSpace's sorted column order. Only the
    34 architecture columns are kept; x11's vector also holds the fixed
    training hyperparameters, which are constant for every architecture.
    """
    rows = []
    for arch in archs:
        (n_ops, n_in), (r_ops, r_in) = _codes(parse(arch))
        rows.append(n_ops[:2] + r_ops[:2] + n_in + r_in + [n_ops[k] for k in _LATE_EDGES] + [r_ops[k] for k in _LATE_EDGES])
    return np.array(rows, dtype=np.float32).reshape(len(rows), len(X11_COLUMNS))


def encode_yahpo(archs) -> np.ndarray:
    """YAHPO Gym's NB301 ``x_cat`` input, int32 (n, 34), columns :data:`YAHPO_COLUMNS`.

    Codes follow YAHPO's ``encoding_v2.json``: 0 = ``#na#`` (inactive edge),
    ops 1..7 in alphabetical order (:data:`YAHPO_OP_CODE`), ``inputs_node``
    choices 1.. in ``"i_j"`` order. The ONNX model's other input, ``x_cont``, is
    the epoch (float32 [n, 1], 1..98). Its output (float32 [n, 4], deterministic,
    checked in tests/test_space_darts.py) is, per epoch: validation accuracy as
    a *fraction* (~0.55 at epoch 1, ~0.92 at 98; x11 uses percent), validation
    cross-entropy, cumulative runtime in seconds (~epoch x the next column),
    and runtime_increase, the seconds per epoch (~40-80).
    """
    rows = []
    for arch in archs:
        (n_ops, n_in), (r_ops, r_in) = _codes(parse(arch))
        rows.append([_YAHPO_OP[o] for o in n_ops + r_ops] + [c + 1 for c in n_in + r_in])
    return np.array(rows, dtype=np.int32).reshape(len(rows), len(YAHPO_COLUMNS))


def sample(n: int, seed: int, *, encodable: bool = False) -> list[DartsArch]:
    """``n`` architectures drawn as NB301's random configurations, reproducible from ``seed``.

    Per cell and node: a uniformly random pair of distinct inputs (node 2 always
    reads 0 and 1), and a uniformly random op on each of its two edges. Draws,
    from ``numpy.random.Generator(PCG64(seed))``: the input-pair index of nodes
    3..5 for every (arch, cell), then the 16 op indices of every arch. Every architecture fits
    :func:`encode`, so ``encodable`` changes nothing.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    highs = np.array([len(INPUT_CHOICES[node]) for node in NODES[1:]])
    pair_index = rng.integers(0, highs, size=(n, 2, len(highs)))
    op_index = rng.integers(0, len(OPS), size=(n, 2, N_PAIRS))
    sources = [[(0, 1)]] + [list(_SOURCES[node].values()) for node in NODES[1:]]
    archs = []
    for pair_row, op_row in zip(pair_index.tolist(), op_index.tolist()):
        cells = []
        for pairs, ops in zip(pair_row, op_row):
            reads = [sources[0][0]] + [sources[k + 1][p] for k, p in builtins.enumerate(pairs)]
            cells.append(tuple((OPS[ops[2 * k + j]], reads[k][j]) for k in range(len(NODES)) for j in (0, 1)))
        arch = DartsArch(*cells)
        arch.__dict__["_valid"] = True  # valid by construction (tests check it)
        archs.append(arch)
    return archs


def neighbours(arch) -> list[DartsArch]:
    """NASLib's NB301 neighbourhood, 120 architectures: in one cell, the op of one of the 8 (input, op) pairs
    changed, or the input of one pair moved to another earlier node that its node's other pair does not read.

    Example:
        >>> len(neighbours(sample(1, seed=0)[0]))
        120
    """
    arch = parse(arch)
    return _moves.neighbours(arch, _candidates(arch), from_compact, format)


def mutate(arch, rng: np.random.Generator) -> DartsArch:
    """One of :func:`neighbours`, from a move drawn uniformly with ``rng``."""
    arch = parse(arch)
    return _moves.mutate(arch, list(_candidates(arch)), from_compact, format, rng)


def _candidates(arch: DartsArch) -> Iterator[list[list[tuple[int, int]]]]:
    """The moves of :func:`neighbours` in compact form, cell by cell and pair by pair."""
    compact = [list(map(list, cell)) for cell in to_compact(arch)]
    for c, cell in builtins.enumerate(compact):
        for p, (source, op) in builtins.enumerate(cell):
            sibling = cell[p + 1 if p % 2 == 0 else p - 1][0]
            for other in range(len(OPS)):
                if other != op:
                    yield _replaced(compact, c, p, (source, other))
            for node_input in range(p // 2 + 2):
                if node_input not in (source, sibling):
                    yield _replaced(compact, c, p, (node_input, op))


def _replaced(compact: list[list[list[int]]], c: int, p: int, pair: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """``compact`` with pair ``p`` of cell ``c`` replaced by ``pair``."""
    cells = [[(x[0], x[1]) for x in cell] for cell in compact]
    cells[c][p] = pair
    return cells
