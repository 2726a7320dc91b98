"""NAS-Bench-NLP: recurrent cells given as a "recipe", a small DAG of ops.

A recipe maps node names to ``{"op": OP, "input": [names...]}``; inputs are ``x``, ``h_prev_0..h_prev_{k-1}``
or other nodes, the outputs are the nodes ``h_new_0..h_new_{k-1}`` (``k`` is 1 to 3). :func:`parse` takes the
recipe dict, its JSON string, a log record (recipe JSON under ``"recepie"``), the canonical string or an
:class:`NLPArch`. The canonical string, and so ``arch_id`` (its md5), does not depend on node names, key order
or the input order of commutative ops. Ops, validity, identity, the x11 encoding, the sampler and the moves in
detail: ``docs/spaces.md`` (section nlp).

Example:
    >>> rnn = {"f": {"op": "linear", "input": ["h_prev_0", "x"]},
    ...        "h_new_0": {"op": "activation_tanh", "input": ["f"]}}
    >>> format(rnn)
    'node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)'
    >>> arch_id(rnn) == arch_id('h_new_0=activation_tanh(a);a=linear(x,h_prev_0)')
    True
"""

from __future__ import annotations

import builtins
import hashlib
import itertools
import json
import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nbx11_data.errors import InvalidArchitectureError, UnknownNameError
from nbx11_data.spaces import _moves
from nbx11_data.spaces._inputs import short as _short

NAME = "nlp"
FINITE = False
HAS_ARCH_INDEX = False
HAS_MOVES = True

#: op -> allowed input counts
ARITY = {
    "linear": (2, 3),
    "blend": (3,),
    "elementwise_prod": (2,),
    "elementwise_sum": (2,),
    "activation_tanh": (1,),
    "activation_sigm": (1,),
    "activation_leaky_relu": (1,),
}
OPS = tuple(ARITY)
#: ops whose value does not depend on the order of their inputs
COMMUTATIVE = frozenset({"linear", "elementwise_prod", "elementwise_sum"})
MAX_HIDDEN = 3
#: the most nodes NAS-Bench-NLP's generator makes (3 hidden + 21 intermediate, +1 activation after a last linear)
MAX_NODES = 25
INPUTS = ("x",) + tuple(f"h_prev_{i}" for i in range(MAX_HIDDEN))
OUTPUTS = tuple(f"h_new_{i}" for i in range(MAX_HIDDEN))

#: x11's op codes (NASLib ``convert_recipe_to_compact``); 0 marks inputs and padding
X11_OP_CODE = {
    "activation_sigm": 1,
    "activation_tanh": 2,
    "activation_leaky_relu": 3,
    "elementwise_sum": 4,
    "elementwise_prod": 5,
    "linear": 6,
    "blend": 7,
}
#: x11's ``nlp_max_nodes``: the 4 input slots plus at most 8 cell nodes
ENCODING_MAX_NODES = 12
ENCODING_DIM = (ENCODING_MAX_NODES + 1) ** 2 + (ENCODING_MAX_NODES + 1) + MAX_HIDDEN

# NAS-Bench-NLP's generator settings (search_space.py and search_space_examples.ipynb)
GEN_HIDDEN_SIZES = (1, 2, 3)
GEN_INTERMEDIATE = (7, 14, 21)
GEN_MAIN_OPS = ("linear", "blend", "elementwise_prod", "elementwise_sum")
GEN_MAIN_WEIGHTS = (3.0, 1.0, 1.0, 1.0)
GEN_ACTIVATIONS = ("activation_tanh", "activation_sigm", "activation_leaky_relu")  # equally likely
GEN_LINEAR_INPUTS = (2, 3)
GEN_LINEAR_WEIGHTS = (4.0, 1.0)
_GEN_MAIN_CUMULATIVE = tuple(float(c) for c in np.cumsum(GEN_MAIN_WEIGHTS[:-1]) / sum(GEN_MAIN_WEIGHTS)) + (2.0,)
_GEN_LINEAR_CUMULATIVE = tuple(float(c) for c in np.cumsum(GEN_LINEAR_WEIGHTS[:-1]) / sum(GEN_LINEAR_WEIGHTS)) + (2.0,)

_INPUT_SET = frozenset(INPUTS)
_OUTPUT_SET = frozenset(OUTPUTS)
# Sort keys of the named nodes (x < h_prev_i < h_new_j); intermediate nodes get "9" + a structural digest.
_NAMED_KEY = {name: str(rank) for rank, name in builtins.enumerate(INPUTS + OUTPUTS)}
_STATEMENT = re.compile(r"\s*([^=;(),\s]+)\s*=\s*([a-z_]+)\s*\(([^()]*)\)\s*")


@dataclass(frozen=True)
class NLPArch:
    """A NAS-Bench-NLP cell, held as its canonical string (see :func:`format`).

    Make one with :func:`parse`, which canonicalises any representation;
    :attr:`nodes` gives the structure.
    """

    canonical: str

    def __str__(self) -> str:
        return self.canonical

    @cached_property
    def nodes(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """``(name, op, inputs)`` of every node, in canonical (topological) order."""
        nodes = []
        for statement in self.canonical.split(";"):
            name, _, rest = statement.partition("=")
            op, _, args = rest[:-1].partition("(")
            nodes.append((name, op, tuple(args.split(","))))
        return tuple(nodes)

    @property
    def hidden_size(self) -> int:
        """The number of hidden states ``k`` (outputs ``h_new_0..h_new_{k-1}``)."""
        return sum(1 for name, _, _ in self.nodes if name in _OUTPUT_SET)


_CANONICAL: weakref.WeakSet = weakref.WeakSet()  # NLPArch objects made by this module (canonical)

Spec = dict  # {name: (op, inputs tuple)}


def _error(message: str) -> InvalidArchitectureError:
    return InvalidArchitectureError(f"nlp: {message}")


# ---------------------------------------------------------------- checking


def _recipe_nodes(recipe: Mapping) -> Iterator[tuple[object, object, object]]:
    """``(name, op, inputs)`` of each node of a recipe dict, checking the node's own layout."""
    for name, node in recipe.items():
        if type(node) is not dict and not isinstance(node, Mapping):
            raise _error(f"node {_short(name)} must be a dict with 'op' and 'input', got {type(node).__name__}")
        if len(node) != 2 or "op" not in node or "input" not in node:
            raise _error(f"node {_short(name)} must have exactly the keys 'op' and 'input', got {sorted(map(str, node))}")
        yield name, node["op"], node["input"]


def _check(nodes: Iterable[tuple[object, object, object]], size: int) -> tuple[Spec, int]:
    """Type, name, op, arity and reference checks of ``size`` nodes; returns ({name: (op, inputs)}, k)."""
    if size == 0:
        raise _error("the recipe is empty; a cell needs at least the output h_new_0")
    if size > MAX_NODES:
        raise _error(f"the recipe has {size} nodes; at most {MAX_NODES} are allowed")
    spec: Spec = {}
    outputs = []
    for name, op, inputs in nodes:
        if type(name) is not str and not isinstance(name, str) or not name:
            raise _error(f"node names must be non-empty strings, got {_short(name)}")
        if name in _OUTPUT_SET:
            outputs.append(name)
        elif name in _INPUT_SET or name.startswith("h_prev_") and name[7:].isdigit():
            raise _error(f"node {_short(name)} redefines a cell input; x and h_prev_i are inputs, not nodes")
        elif name.startswith("h_new_") and name[6:].isdigit():
            raise _error(f"output {_short(name)} is not allowed; outputs are {', '.join(OUTPUTS)}")
        if name in spec:
            raise _error(f"node {_short(name)} is defined twice")
        arity = ARITY.get(op) if type(op) is str or isinstance(op, str) else None
        if arity is None:
            raise _error(f"node {_short(name)} has unknown op {_short(op)}; allowed: {', '.join(OPS)}")
        if type(inputs) is not list and type(inputs) is not tuple:
            if not isinstance(inputs, (list, tuple, np.ndarray)):
                raise _error(f"node {_short(name)}: 'input' must be a list of node names, got {_short(inputs)}")
            inputs = list(inputs.tolist() if isinstance(inputs, np.ndarray) else inputs)
        for source in inputs:
            if type(source) is not str and not isinstance(source, str):
                raise _error(f"node {_short(name)}: 'input' must be a list of node names, got {_short(inputs)}")
        if len(inputs) not in arity:
            raise _error(f"node {_short(name)} ({op}) has {len(inputs)} inputs; {op} takes {' or '.join(map(str, arity))}")
        if len(set(inputs)) != len(inputs):
            raise _error(f"node {_short(name)} ({op}) repeats an input in {_short(list(inputs))}")
        spec[name] = (op, tuple(inputs))
    k = len(outputs)
    if k == 0 or max(outputs) != OUTPUTS[k - 1]:
        missing = [o for o in OUTPUTS[: max(k, 1)] if o not in spec] or ["h_new_0"]
        raise _error(
            f"outputs must be h_new_0..h_new_{{k-1}} with 1 <= k <= {MAX_HIDDEN}; missing {', '.join(missing)}"
        )
    allowed = INPUTS[: k + 1]
    for name, (op, inputs) in spec.items():
        for source in inputs:
            if source not in spec and source not in allowed:
                if source in _INPUT_SET:
                    raise _error(
                        f"node {_short(name)} reads {_short(source)} but the cell has {k} hidden state(s)"
                        f" (outputs h_new_0..h_new_{k - 1}); it may read {', '.join(allowed)}"
                    )
                raise _error(
                    f"node {_short(name)} reads {_short(source)}, which is neither a node nor an input ({', '.join(allowed)})"
                )
    return spec, k


def _canonicalize(spec: Spec, k: int) -> NLPArch:
    """The canonical cell: input orders fixed by structural keys, nodes named in DFS post-order.

    One DFS from the outputs finds cycles and dead nodes and gives every node a
    structural (Merkle) key, invariant to intermediate names and commutative input
    order; commutative inputs are sorted by key. Where inputs have equal keys the
    smallest string over their orders is kept (:func:`_smallest_serialization`).
    """
    key = dict(_NAMED_KEY)
    chosen: dict[str, tuple[str, ...]] = {}
    ties: list[str] = []
    path: list[str] = []

    def visit(name: str) -> None:
        path.append(name)
        op, inputs = spec[name]
        for child in inputs:
            if child in spec and child not in chosen:
                if child in path:
                    raise _error(f"the recipe has a cycle: {' <- '.join(path[path.index(child):] + [child])}")
                visit(child)
        path.pop()
        if op in COMMUTATIVE:
            inputs = tuple(sorted(inputs, key=key.__getitem__))
            if len({key[i] for i in inputs}) < len(inputs):
                ties.append(name)
        chosen[name] = inputs
        if name not in _OUTPUT_SET:
            key[name] = "9" + hashlib.md5(f"{op}({','.join([key[i] for i in inputs])})".encode()).hexdigest()

    for root in OUTPUTS[:k]:
        if root not in chosen:
            visit(root)
    if len(chosen) < len(spec):
        dead = next(name for name in spec if name not in chosen)
        raise _error(f"node {_short(dead)} does not lead to any output h_new_*; remove it")
    if ties:
        options = {name: _tie_orders(chosen[name], key) for name in ties}
        canonical = _smallest_serialization(spec, chosen, options, k)
    else:
        canonical = _serialize(spec, chosen, k)
    arch = NLPArch(canonical)
    _CANONICAL.add(arch)
    return arch


def _tie_orders(inputs: tuple[str, ...], key: dict[str, str]) -> list[tuple[str, ...]]:
    """Every order of ``inputs`` (sorted by key) that permutes only inputs with equal keys."""
    groups = [list(g) for _, g in itertools.groupby(inputs, key=key.__getitem__)]
    return [tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*map(itertools.permutations, groups))]


#: statements the tie search may write before it gives up (a cell of 25 nodes needs a few thousand at most)
MAX_TIE_WORK = 200_000
_COUNT = ""  # key of the naming state that holds the next node_i number (node names are non-empty)


def _smallest_serialization(spec: Spec, chosen: dict[str, tuple[str, ...]], options: dict, k: int) -> str:
    """The smallest :func:`_serialize` string over every input order in ``options`` (tied nodes), found
    without trying every combination.

    The DFS runs once; at a tied node each order is followed and only the orders whose text so far is
    smallest survive, each with its naming state. No statement is a prefix of another and every
    alternative at a point writes the same number of them, so the smallest string is the smallest
    statement sequence, decided block by block. Two states that give the same names to the nodes still
    to be read (by a statement not yet written) write the same rest, so only one of them is kept.
    """
    work = [0]
    readers: dict[str, list[str]] = {}
    for name, inputs in chosen.items():
        for source in inputs:
            readers.setdefault(source, []).append(name)

    def merge_key(state: dict) -> tuple:
        live = [(n, v) for n, v in state.items() if n in spec and any(r not in state for r in readers.get(n, ()))]
        return state[_COUNT], tuple(sorted(live))

    def keep_smallest(grown: list) -> list:
        best = min(segment for _, segment in grown)
        kept: dict[tuple, tuple[dict, tuple[str, ...]]] = {}
        for state, segment in grown:
            if segment == best:
                kept.setdefault(merge_key(state), (state, segment))
        return list(kept.values())

    def visit(name: str, state: dict) -> tuple[tuple[str, ...], list[dict]]:
        best: tuple[str, ...] | None = None
        winners: dict[tuple, dict] = {}
        for order in options.get(name, (chosen[name],)):
            partial = [(state, ())]
            for child in order:
                if child not in partial[0][0]:  # every alternative has named the same nodes so far
                    partial = keep_smallest([(s, segment + sub) for s0, segment in partial
                                             for sub, states in [visit(child, s0)] for s in states])
            for done, segment in partial:
                done = dict(done)
                if name in _OUTPUT_SET:
                    done[name] = name
                else:
                    done[name], done[_COUNT] = f"node_{done[_COUNT]}", done[_COUNT] + 1
                full = segment + (f"{done[name]}={spec[name][0]}({','.join([done[i] for i in order])})",)
                work[0] += 1
                if work[0] > MAX_TIE_WORK:
                    raise _error(f"the cell has too many interchangeable inputs to canonicalise (over"
                                 f" {MAX_TIE_WORK} steps); NAS-Bench-NLP's cells need far fewer")
                if best is None or full < best:
                    best, winners = full, {}
                if full == best:
                    winners.setdefault(merge_key(done), done)
        assert best is not None  # options hold at least one order
        return best, list(winners.values())

    start: dict[str, str | int] = {name: name for name in INPUTS}
    start[_COUNT] = 0
    partial = [(start, ())]
    for root in OUTPUTS[:k]:
        if root not in partial[0][0]:
            partial = keep_smallest([(s, segment + sub) for s0, segment in partial
                                     for sub, states in [visit(root, s0)] for s in states])
    return ";".join(partial[0][1])


def _serialize(spec: Spec, chosen: dict[str, tuple[str, ...]], k: int) -> str:
    """DFS post-order from h_new_0.. along the chosen input orders; intermediates renamed node_i."""
    names = {name: name for name in INPUTS}
    parts: list[str] = []
    counter = itertools.count()

    def visit(name: str) -> None:
        inputs = chosen[name]
        for child in inputs:
            if child not in names:
                visit(child)
        names[name] = name if name in _OUTPUT_SET else f"node_{next(counter)}"
        parts.append(f"{names[name]}={spec[name][0]}({','.join([names[i] for i in inputs])})")

    for root in OUTPUTS[:k]:
        if root not in names:
            visit(root)
    return ";".join(parts)


# ---------------------------------------------------------------- interface


def parse_string(text: str) -> NLPArch:
    """Parse ``name=op(in1,in2);...`` (statements in any order, any node names)."""
    statements = text.split(";")
    return _canonicalize(*_check(map(_statement, statements, [text] * len(statements)), len(statements)))


def _statement(statement: str, text: str) -> tuple[str, str, list[str]]:
    match = _STATEMENT.fullmatch(statement)
    if match is None:
        raise _error(
            f"cannot parse {_short(statement.strip())} in {_short(text)}; expected name=op(input,...) statements"
            " joined by ';' like node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"
        )
    name, op, args = match.groups()
    return name, op, [a.strip() for a in args.split(",")] if args.strip() else []


def parse_recipe(recipe: Mapping) -> NLPArch:
    """Parse a recipe dict ``{name: {"op": ..., "input": [...]}}``."""
    return _canonicalize(*_check(_recipe_nodes(recipe), len(recipe)))


def parse(representation) -> NLPArch:
    """Parse any accepted representation (see ``docs/spaces.md``) into a canonical :class:`NLPArch`."""
    if isinstance(representation, NLPArch):
        if representation in _CANONICAL:
            return representation
        if not isinstance(representation.canonical, str):
            raise _error(f"NLPArch.canonical must be a string, got {type(representation.canonical).__name__}")
        return parse_string(representation.canonical)
    if isinstance(representation, Mapping):
        if isinstance(representation.get("recepie"), str):
            return parse(representation["recepie"])
        return parse_recipe(representation)
    if isinstance(representation, str):
        text = representation.strip()
        if text.startswith("{"):
            try:
                decoded = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as err:
                raise _error(f"invalid recipe JSON: {err}") from None
            if not isinstance(decoded, dict):
                raise _error(f"recipe JSON must be an object, got {type(decoded).__name__}")
            return parse(decoded)
        return parse_string(text)
    raise _error(
        f"cannot parse a {type(representation).__name__} as an architecture;"
        " expected a recipe dict, its JSON string or the canonical string"
    )


def validate(arch: NLPArch) -> None:
    """Raise :class:`InvalidArchitectureError` unless ``arch`` is a valid cell in canonical form."""
    if not isinstance(arch, NLPArch):
        raise _error(f"expected an NLPArch, got {type(arch).__name__}")
    if arch not in _CANONICAL and parse(arch) != arch:
        raise _error(f"{_short(arch.canonical)} is valid but not canonical; make NLPArch objects with nlp.parse(...)")


def format(arch) -> str:  # noqa: A001 - the interface's name
    """The canonical string, e.g. ``node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)``."""
    return parse(arch).canonical


def arch_id(arch) -> str:
    """md5 hex digest of the canonical string."""
    return hashlib.md5(format(arch).encode()).hexdigest()


def to_recipe(arch) -> dict:
    """The canonical cell as a NAS-Bench-NLP recipe dict (what its ``CustomRNN`` takes)."""
    return {name: {"op": op, "input": list(inputs)} for name, op, inputs in parse(arch).nodes}


#: the encodings :func:`encode` makes (``kind=``); "x11" is the default
ENCODINGS = ("x11", "stats")
#: column names of ``encode(archs, kind="stats")``; path lengths count nodes, -1 where there is no path
STATS_FEATURES = (
    ("nodes", "hidden", "edges")
    + tuple(f"count_{op}" for op in OPS)
    + ("linear_inputs", "linear_3_inputs", "x_reads", "h_prev_reads", "max_fan_out", "outputs_read",
       "x_to_h0_longest", "x_to_h0_shortest", "x_to_h0_fewest_linear", "depth",
       "recurrent_paths", "recurrent_shortest", "recurrent_longest", "recurrent_fewest_squashing",
       "recurrent_fewest_linear")
    + tuple(f"h{i}_{what}" for i in range(MAX_HIDDEN) for what in ("op", "fan_in", "input_ops"))
)


def encode(archs, kind: str = "x11") -> np.ndarray:
    """Feature matrix of ``archs``, float32: ``kind="x11"`` (default) or ``kind="stats"``.

    ``"x11"``: x11's fixed-size encoding (see ``docs/spaces.md``), shape (n, 185); cells of
    more than 8 nodes raise :class:`InvalidArchitectureError`.

    ``"stats"``: architecture statistics that every valid cell has, shape (n, 34), columns
    :data:`STATS_FEATURES`: sizes (nodes, hidden states, edges, nodes per op, inputs of
    ``linear`` nodes = weight matrices, ``linear`` nodes with 3 inputs), reads (of ``x``, of
    any ``h_prev_i``, the largest fan-out, outputs read inside the cell), paths in
    nodes (``x`` to ``h_new_0``: longest, shortest, fewest ``linear``; the longest input-to-output
    path; the recurrent paths ``h_prev_i`` to ``h_new_i``: how many exist, shortest, longest,
    fewest squashing ``linear``/activation nodes, fewest ``linear``), and per output ``h_new_i``
    its x11 op code, its fan-in and the x11 op codes of its cell-node inputs, sorted and packed
    as base-8 digits (0 for absent outputs and for ``x``/``h_prev_*`` inputs). Not injective:
    1 of the 235 WikiText-2 cells and 4 of 1,716 sampled ones share their row with another cell.
    Chosen for ``nbnlp11-wt2`` by cross-validation (see that checkpoint's REPORT.md).

    Example:
        >>> encode(["node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"], kind="stats")[0, :3].tolist()
        [2.0, 1.0, 3.0]
    """
    if kind == "stats":
        return np.array([_statistics(parse(a)) for a in archs], dtype=np.float32).reshape(-1, len(STATS_FEATURES))
    if kind != "x11":
        raise UnknownNameError("nlp encoding", kind, ENCODINGS)
    archs = [parse(a) for a in archs]
    size = ENCODING_MAX_NODES + 1
    out = np.zeros((len(archs), ENCODING_DIM), dtype=np.float32)
    for row, arch in builtins.enumerate(archs):
        count = len(INPUTS) + len(arch.nodes)
        if count > ENCODING_MAX_NODES:
            raise _error(
                f"x11's NLP encoding holds at most {ENCODING_MAX_NODES - len(INPUTS)} cell nodes"
                f" ({ENCODING_MAX_NODES} with the 4 inputs); this cell has {len(arch.nodes)}: {format(arch)}"
            )
        index = {name: i for i, name in builtins.enumerate(INPUTS)}
        index.update({name: len(INPUTS) + i for i, (name, _, _) in builtins.enumerate(arch.nodes)})
        last = count - 1
        slot = {name: (ENCODING_MAX_NODES if i == last else i) for name, i in index.items()}
        adjacency = out[row, : size * size].reshape(size, size)
        for name, op, inputs in arch.nodes:
            for source in inputs:
                adjacency[slot[source], slot[name]] = 1.0
            out[row, size * size + slot[name]] = X11_OP_CODE[op]
        hidden = sorted(index[name] for name, _, _ in arch.nodes if name in OUTPUTS)
        out[row, size * size + size : size * size + size + len(hidden)] = hidden
    return out


def _statistics(arch: NLPArch) -> list[int]:
    """One row of ``encode(..., kind="stats")`` (columns :data:`STATS_FEATURES`)."""
    nodes = arch.nodes
    spec = {name: (op, inputs) for name, op, inputs in nodes}
    k = arch.hidden_size
    readers: dict[str, int] = {}
    for _, _, inputs in nodes:
        for source in inputs:
            readers[source] = readers.get(source, 0) + 1
    row = [len(nodes), k, sum(len(inputs) for _, _, inputs in nodes)]
    row += [sum(op == name for _, op, _ in nodes) for name in OPS]
    linear = [len(inputs) for _, op, inputs in nodes if op == "linear"]
    row += [sum(linear), linear.count(3), readers.get("x", 0),
            sum(readers.get(name, 0) for name in INPUTS[1:]),
            max(readers.values()), sum(1 for name in OUTPUTS if name in readers)]
    paths = {source: _paths_from(source, nodes) for source in INPUTS[: k + 1]}
    longest, shortest, fewest_linear, _ = paths["x"]
    row += [longest.get("h_new_0", -1), shortest.get("h_new_0", -1), fewest_linear.get("h_new_0", -1),
            max(p[0][o] for p in paths.values() for o in OUTPUTS[:k] if o in p[0])]
    recurrent = [tuple(p[o] for p in paths[f"h_prev_{i}"]) for i, o in builtins.enumerate(OUTPUTS[:k])
                 if o in paths[f"h_prev_{i}"][0]]
    row += [len(recurrent), min((r[1] for r in recurrent), default=-1), max((r[0] for r in recurrent), default=-1),
            min((r[3] for r in recurrent), default=-1), min((r[2] for r in recurrent), default=-1)]
    for output in OUTPUTS:
        if output not in spec:
            row += [0, 0, 0]
            continue
        op, inputs = spec[output]
        codes = sorted(X11_OP_CODE[spec[s][0]] if s in spec else 0 for s in inputs)
        row += [X11_OP_CODE[op], len(inputs), sum(c * 8**i for i, c in builtins.enumerate(codes))]
    return row


def _paths_from(source: str, nodes) -> tuple[dict[str, int], ...]:
    """Per node reachable from ``source``: longest and shortest path (in nodes), fewest ``linear``
    nodes and fewest squashing (``linear`` or activation) nodes on a path; ``nodes`` in topological order."""
    longest, shortest, linear, squashing = {source: 0}, {source: 0}, {source: 0}, {source: 0}
    for name, op, inputs in nodes:
        reached = [i for i in inputs if i in shortest]
        if reached:
            longest[name] = 1 + max(longest[i] for i in reached)
            shortest[name] = 1 + min(shortest[i] for i in reached)
            linear[name] = (op == "linear") + min(linear[i] for i in reached)
            squashing[name] = (op == "linear" or op.startswith("activation_")) + min(squashing[i] for i in reached)
    return longest, shortest, linear, squashing


# ---------------------------------------------------------------- sampling


def _pick(rng: np.random.Generator, cumulative: tuple[float, ...]) -> int:
    """Index drawn with the probabilities whose running sums are ``cumulative``."""
    u = rng.random()
    return next(i for i, c in builtins.enumerate(cumulative) if u < c)


def _subset(rng: np.random.Generator, items: list[str], count: int) -> list[str]:
    """``count`` distinct items in uniformly random order (as numpy's ``choice(replace=False)``)."""
    pool = list(items)
    for j in range(count):
        r = j + int(rng.random() * (len(pool) - j))
        pool[j], pool[r] = pool[r], pool[j]
    return pool[:count]


def _generate(rng: np.random.Generator, k: int, intermediate: int) -> dict | None:
    """One draw of NAS-Bench-NLP's RecepieGenerator; None where its sanity check fails."""
    base = list(INPUTS[: k + 1])
    recipe: dict[str, list] = {}
    activations: list[str] = []
    i = 0
    while i < k + intermediate:
        op = GEN_MAIN_OPS[_pick(rng, _GEN_MAIN_CUMULATIVE)]
        if op == "linear":
            candidates = base + activations
            count = min(GEN_LINEAR_INPUTS[_pick(rng, _GEN_LINEAR_CUMULATIVE)], len(candidates))
            recipe[f"node_{i}"] = [op, _subset(rng, candidates, count)]
            activation = GEN_ACTIVATIONS[int(rng.random() * len(GEN_ACTIVATIONS))]
            recipe[f"node_{i + 1}"] = [activation, [f"node_{i}"]]
            activations.append(f"node_{i + 1}")
            i += 2
        else:
            count = 3 if op == "blend" else 2
            candidates = base[1:] + list(recipe)  # all but x
            if count <= len(candidates):
                recipe[f"node_{i}"] = [op, _subset(rng, candidates, count)]
                i += 1
    rename = {name: f"h_new_{n}" for n, name in builtins.enumerate(_subset(rng, list(recipe), k))}
    recipe = {rename.get(name, name): [op, [rename.get(s, s) for s in inputs]] for name, (op, inputs) in recipe.items()}
    reached, queue = set(OUTPUTS[:k]), list(OUTPUTS[:k])
    while queue:
        for source in recipe.get(queue.pop(), (None, []))[1]:
            if source not in reached:
                reached.add(source)
                queue.append(source)
    if not set(base) <= reached:
        return None
    if any(s.startswith("h_prev_") for out in OUTPUTS[:k] for s in recipe[out][1]):
        return None
    return {name: {"op": op, "input": inputs} for name, (op, inputs) in recipe.items() if name in reached}


def sample_recipe(rng: np.random.Generator) -> dict:
    """A raw recipe (generator names) from NAS-Bench-NLP's random generator, drawn with ``rng``.

    The generator's settings are drawn uniformly from hidden states (1, 2, 3) x
    intermediate vertices (7, 14, 21), the grid NAS-Bench-NLP generated its
    cells on; draws that fail its sanity check are redrawn with the same settings.
    """
    k = GEN_HIDDEN_SIZES[rng.integers(len(GEN_HIDDEN_SIZES))]
    intermediate = GEN_INTERMEDIATE[rng.integers(len(GEN_INTERMEDIATE))]
    while True:
        recipe = _generate(rng, k, intermediate)
        if recipe is not None:
            return recipe


def sample(n: int, seed: int, *, encodable: bool = False) -> list[NLPArch]:
    """``n`` cells from NAS-Bench-NLP's random generator (with replacement), reproducible from ``seed``.

    ``encodable=True`` keeps only cells that fit x11's encoding (at most 8 nodes),
    redrawing the others as x11's NASLib sampler does.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    out: list[NLPArch] = []
    while len(out) < n:
        arch = parse_recipe(sample_recipe(rng))
        if not encodable or len(INPUTS) + len(arch.nodes) <= ENCODING_MAX_NODES:
            out.append(arch)
    return out


# The ops a move may put in place of an op, in NASLib's order.
_MOVE_ACTIVATIONS = ("activation_sigm", "activation_tanh", "activation_leaky_relu")
_MOVE_BINARY = ("elementwise_sum", "elementwise_prod")


def neighbours(arch) -> list[NLPArch]:
    """NASLib's NB-NLP neighbourhood: an activation changed to another, ``elementwise_sum`` <-> ``elementwise_prod``
    (``linear`` and ``blend`` keep their op), or an input that comes from a cell node rewired to another cell node
    earlier in the canonical (topological) order. Rewirings that leave a node dead, repeat an input, or make the
    cell too large for :func:`encode` are not neighbours.

    Example:
        >>> len(neighbours("node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"))
        2
    """
    arch = parse(arch)
    return _moves.neighbours(arch, _candidates(arch), _encodable, format)


def mutate(arch, rng: np.random.Generator) -> NLPArch:
    """One of :func:`neighbours`, from a move drawn uniformly with ``rng``."""
    arch = parse(arch)
    return _moves.mutate(arch, list(_candidates(arch)), _encodable, format, rng)


def _candidates(arch: NLPArch) -> Iterator[dict]:
    """The moves of :func:`neighbours` as recipes, node by node (op changes, then rewirings)."""
    nodes = list(arch.nodes)
    names = [name for name, _, _ in nodes]
    for k, (name, op, inputs) in builtins.enumerate(nodes):
        group = _MOVE_ACTIVATIONS if op in _MOVE_ACTIVATIONS else _MOVE_BINARY if op in _MOVE_BINARY else ()
        for other in group:
            if other != op:
                yield _recipe_with(nodes, k, other, inputs)
        for i, source in builtins.enumerate(inputs):
            if source not in names:  # x and h_prev_* inputs are not rewired (as NASLib)
                continue
            for earlier in names[:k]:
                if earlier != source and earlier not in inputs:
                    yield _recipe_with(nodes, k, op, inputs[:i] + (earlier,) + inputs[i + 1:])


def _recipe_with(nodes, k: int, op: str, inputs: tuple[str, ...]) -> dict:
    """The recipe of ``nodes`` with node ``k`` computing ``op`` of ``inputs``."""
    recipe = {name: {"op": o, "input": list(i)} for name, o, i in nodes}
    recipe[nodes[k][0]] = {"op": op, "input": list(inputs)}
    return recipe


def _encodable(recipe: dict) -> NLPArch:
    """The cell of ``recipe``; :class:`InvalidArchitectureError` also where :func:`encode` rejects it."""
    arch = parse(recipe)
    encode([arch])
    return arch
