"""NAS-Bench-NLP: recurrent cells given as a "recipe" (a small DAG of ops).

A recipe maps node names to ``{"op": OP, "input": [names...]}``. Inputs are
``x`` (the token embedding), ``h_prev_0..h_prev_{k-1}`` (the previous hidden
states) or other nodes; the cell's outputs are the nodes ``h_new_0..h_new_{k-1}``
(``k``, the number of hidden states, is 1 to 3; ``h_new_0`` feeds the next
layer). Ops and their input counts, as NAS-Bench-NLP defines them (its
``search_space.py`` generator and ``custom_rnn.py`` executor):

=========================  ======  ======================================
op                         inputs  computes
=========================  ======  ======================================
``linear``                 2 or 3  ``W1 a + W2 b (+ W3 c) + bias``
``blend``                  3       ``g * a + (1 - g) * b`` (inputs g, a, b)
``elementwise_sum``        2       ``a + b``
``elementwise_prod``       2       ``a * b``
``activation_tanh``        1       ``tanh(a)`` (also ``_sigm``, ``_leaky_relu``)
=========================  ======  ======================================

Accepted representations: the recipe dict (as in NAS-Bench-NLP's logs, input
lists may be numpy arrays), its JSON string, a log record holding the recipe
JSON under ``"recepie"``, the canonical string, and :class:`NLPArch`.

Validity: known ops with the arities above; every input exists (``h_prev_i``
only for ``i < k``); no input repeated within a node (the generator never
repeats one); no cycle; outputs exactly ``h_new_0..h_new_{k-1}``, ``k <= 3``;
every node leads to an output (the generator prunes the others); at most
:data:`MAX_NODES` nodes (the most the generator can make). Cells that do not use
``x`` or every ``h_prev_i``, or that feed an ``h_prev_i`` straight into an
output, are valid: NAS-Bench-NLP's generator rejects them, but its hand-made
GRU does the latter and the executor runs them all.

Identity. The canonical string lists the nodes in a canonical topological
order, ``name=op(inputs)`` joined by ``;``; intermediate nodes are renamed
``node_0, node_1, ...``. It is invariant to the names of intermediate nodes, to
the order of the recipe's keys, and to the input order of ``linear``,
``elementwise_sum`` and ``elementwise_prod``: these compute a sum or product
over their inputs with one weight matrix per input, all initialised from the
same distribution (NAS-Bench-NLP's ``MultiLinear`` and ``reset_parameters``),
so a permutation of their inputs is the same model. ``blend`` keeps its order.
``arch_id`` is the md5 of the canonical string.

Encoding (:func:`encode`): NAS-Bench-x11's fixed-size NLP encoding with
``max_nodes=12`` (its ``encode_nlp(..., one_hot=False)`` without the learning-
curve columns): the 13 x 13 adjacency matrix flattened row-major (node order
``x, h_prev_0, h_prev_1, h_prev_2``, then the cell's nodes in canonical order,
the last node moved to index 12), then 13 op codes (0 input/padding, 1 sigm,
2 tanh, 3 leaky_relu, 4 sum, 5 prod, 6 linear, 7 blend; the last node's code at
index 12), then the indices of the output nodes (ascending, padded with 0):
185 columns. Like x11 (which drops larger cells from its training data), it
holds at most 8 cell nodes; larger cells raise :class:`InvalidArchitectureError`.

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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nbx11_data.errors import InvalidArchitectureError

NAME = "nlp"
FINITE = False

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
GEN_MAIN_P = np.array([3.0, 1.0, 1.0, 1.0]) / 6.0
GEN_ACTIVATIONS = ("activation_tanh", "activation_sigm", "activation_leaky_relu")
GEN_LINEAR_INPUTS = (2, 3)
GEN_LINEAR_P = np.array([4.0, 1.0]) / 5.0

_RANK = {name: rank for rank, name in builtins.enumerate(INPUTS + OUTPUTS)}
_INTERMEDIATE_RANK = len(_RANK)
_STATEMENT = re.compile(r"\s*([^=;(),\s]+)\s*=\s*([a-z_]+)\s*\(([^()]*)\)\s*")
_OUTPUT_NAME = re.compile(r"h_new_(0|[1-9][0-9]*)")

Node = tuple  # (name, op, inputs: tuple[str, ...])


@dataclass(frozen=True)
class NLPArch:
    """A canonical NAS-Bench-NLP cell: ``(name, op, inputs)`` per node, in canonical order.

    Make one with :func:`parse`, which canonicalises any representation.
    """

    nodes: tuple[tuple[str, str, tuple[str, ...]], ...]

    def __str__(self) -> str:
        return format(self)

    @property
    def hidden_size(self) -> int:
        """The number of hidden states ``k`` (outputs ``h_new_0..h_new_{k-1}``)."""
        return sum(1 for name, _, _ in self.nodes if name in OUTPUTS)


_CANONICAL: weakref.WeakSet = weakref.WeakSet()  # NLPArch objects this module made canonical


def _error(message: str) -> InvalidArchitectureError:
    return InvalidArchitectureError(f"nlp: {message}")


# ---------------------------------------------------------------- checking


def _check_recipe(recipe: Mapping) -> tuple[dict[str, tuple[str, tuple[str, ...]]], int]:
    """Type, name, op, arity and reference checks; returns ({name: (op, inputs)}, k)."""
    if not recipe:
        raise _error("the recipe is empty; a cell needs at least the output h_new_0")
    if len(recipe) > MAX_NODES:
        raise _error(f"the recipe has {len(recipe)} nodes; at most {MAX_NODES} are allowed")
    spec: dict[str, tuple[str, tuple[str, ...]]] = {}
    outputs = []
    for name, node in recipe.items():
        if not isinstance(name, str) or not name:
            raise _error(f"node names must be non-empty strings, got {name!r}")
        if name in _RANK and name not in OUTPUTS or name.startswith("h_prev_") and name[7:].isdigit():
            raise _error(f"node {name!r} redefines a cell input; x and h_prev_i are inputs, not nodes")
        if name.startswith("h_new_") and name[6:].isdigit():
            if not _OUTPUT_NAME.fullmatch(name) or int(name[6:]) >= MAX_HIDDEN:
                raise _error(f"output {name!r} is not allowed; outputs are {', '.join(OUTPUTS)}")
            outputs.append(name)
        if not isinstance(node, Mapping):
            raise _error(f"node {name!r} must be a dict with 'op' and 'input', got {type(node).__name__}")
        if set(node) != {"op", "input"}:
            raise _error(f"node {name!r} must have exactly the keys 'op' and 'input', got {sorted(map(str, node))}")
        op, inputs = node["op"], node["input"]
        if not isinstance(op, str) or op not in ARITY:
            raise _error(f"node {name!r} has unknown op {op!r}; allowed: {', '.join(OPS)}")
        if isinstance(inputs, np.ndarray):
            inputs = inputs.tolist()
        if not isinstance(inputs, (list, tuple)) or not all(isinstance(i, str) for i in inputs):
            raise _error(f"node {name!r}: 'input' must be a list of node names, got {inputs!r}")
        if len(inputs) not in ARITY[op]:
            allowed = " or ".join(map(str, ARITY[op]))
            raise _error(f"node {name!r} ({op}) has {len(inputs)} inputs; {op} takes {allowed}")
        if len(set(inputs)) != len(inputs):
            raise _error(f"node {name!r} ({op}) repeats an input in {list(inputs)}")
        spec[name] = (op, tuple(str(i) for i in inputs))
    k = len(outputs)
    if sorted(outputs) != list(OUTPUTS[:k]) or k == 0:
        missing = [o for o in OUTPUTS[: max(k, 1)] if o not in spec] or ["h_new_0"]
        raise _error(
            f"outputs must be h_new_0..h_new_{{k-1}} with 1 <= k <= {MAX_HIDDEN}; missing {', '.join(missing)}"
        )
    allowed_inputs = INPUTS[: k + 1]
    for name, (op, inputs) in spec.items():
        for source in inputs:
            if source not in spec and source not in allowed_inputs:
                if source in INPUTS:
                    raise _error(
                        f"node {name!r} reads {source!r} but the cell has {k} hidden state(s)"
                        f" (outputs h_new_0..h_new_{k - 1}); it may read {', '.join(allowed_inputs)}"
                    )
                raise _error(f"node {name!r} reads {source!r}, which is neither a node nor an input ({', '.join(allowed_inputs)})")
    return spec, k


def _topological_order(spec: dict[str, tuple[str, tuple[str, ...]]], k: int) -> list[str]:
    """Nodes, inputs before users; raises on a cycle or on a node that reaches no output."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    order: list[str] = []
    for root in spec:
        if root in state:
            continue
        stack = [(root, iter(spec[root][1]))]
        state[root] = 1
        while stack:
            name, children = stack[-1]
            for child in children:
                if child not in spec:
                    continue
                if state.get(child) == 1:
                    cycle = [n for n, _ in stack][[n for n, _ in stack].index(child):] + [child]
                    raise _error(f"the recipe has a cycle: {' <- '.join(cycle)}")
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(spec[child][1])))
                    break
            else:
                stack.pop()
                state[name] = 2
                order.append(name)
    used = set(OUTPUTS[:k])
    for name in reversed(order):
        if name in used:
            used.update(spec[name][1])
    dead = [name for name in order if name not in used]
    if dead:
        raise _error(f"node {dead[0]!r} does not lead to any output h_new_*; remove it")
    return order


# ---------------------------------------------------------------- canonical form


def _canonicalize(spec: dict[str, tuple[str, tuple[str, ...]]], k: int) -> NLPArch:
    order = _topological_order(spec, k)
    # Structural (Merkle) key of every node, invariant to intermediate names and commutative order.
    key: dict[str, tuple[int, str]] = {name: (_RANK[name], name) for name in INPUTS}
    for name in order:
        op, inputs = spec[name]
        children = [key[i][1] for i in (sorted(inputs, key=key.__getitem__) if op in COMMUTATIVE else inputs)]
        digest = hashlib.md5(f"{op}({','.join(children)})".encode()).hexdigest()
        key[name] = (_RANK[name], f"{name}:{digest}") if name in _RANK else (_INTERMEDIATE_RANK, digest)
    # Input order of each node; inputs of commutative ops sorted by key, ties tried in every order.
    fixed: dict[str, list] = {}
    choices = []
    for name in order:
        op, inputs = spec[name]
        if op not in COMMUTATIVE:
            fixed[name] = [inputs]
            continue
        groups = [list(g) for _, g in itertools.groupby(sorted(inputs, key=key.__getitem__), key=key.__getitem__)]
        options = [tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*map(itertools.permutations, groups))]
        fixed[name] = options
        if len(options) > 1:
            choices.append(name)
    best = None
    for pick in itertools.product(*(fixed[name] for name in choices)) if choices else [()]:
        chosen = {name: fixed[name][0] for name in order}
        chosen.update(zip(choices, pick))
        nodes = _serialize_order(spec, chosen, k)
        text = _text(nodes)
        if best is None or text < best[0]:
            best = (text, nodes)
    arch = NLPArch(best[1])
    _CANONICAL.add(arch)
    return arch


def _serialize_order(spec, chosen: dict[str, tuple[str, ...]], k: int) -> tuple:
    """Post-order DFS from h_new_0.. over the chosen input orders; intermediates renamed node_i."""
    names: dict[str, str] = {i: i for i in INPUTS}
    nodes = []
    count = itertools.count()
    for root in OUTPUTS[:k]:
        if root in names:
            continue
        stack = [(root, iter(chosen[root]))]
        while stack:
            name, children = stack[-1]
            for child in children:
                if child not in names:
                    stack.append((child, iter(chosen[child])))
                    break
            else:
                stack.pop()
                if name not in names:
                    names[name] = name if name in _RANK else f"node_{next(count)}"
                    nodes.append((names[name], spec[name][0], tuple(names[i] for i in chosen[name])))
    return tuple(nodes)


def _text(nodes) -> str:
    return ";".join(f"{name}={op}({','.join(inputs)})" for name, op, inputs in nodes)


# ---------------------------------------------------------------- interface


def parse_string(text: str) -> NLPArch:
    """Parse ``name=op(in1,in2);...`` (statements in any order, any node names)."""
    recipe = {}
    for statement in text.split(";"):
        match = _STATEMENT.fullmatch(statement)
        if match is None:
            raise _error(
                f"cannot parse {statement.strip()!r} in {text!r}; expected name=op(input,...) statements"
                " joined by ';' like node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"
            )
        name, op, args = match.groups()
        if name in recipe:
            raise _error(f"node {name!r} is defined twice in {text!r}")
        recipe[name] = {"op": op, "input": [a.strip() for a in args.split(",")] if args.strip() else []}
    return parse_recipe(recipe)


def parse_recipe(recipe: Mapping) -> NLPArch:
    """Parse a recipe dict ``{name: {"op": ..., "input": [...]}}``."""
    return _canonicalize(*_check_recipe(recipe))


def parse(representation) -> NLPArch:
    """Parse any accepted representation (see the module docstring) into a canonical :class:`NLPArch`."""
    if isinstance(representation, NLPArch):
        if representation in _CANONICAL:
            return representation
        nodes = representation.nodes
        if not isinstance(nodes, tuple) or not all(isinstance(n, tuple) and len(n) == 3 for n in nodes):
            raise _error("NLPArch.nodes must be a tuple of (name, op, inputs) tuples")
        if len({n[0] for n in nodes}) != len(nodes):
            raise _error("NLPArch.nodes defines a node twice")
        return parse_recipe({name: {"op": op, "input": inputs} for name, op, inputs in nodes})
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
    if arch in _CANONICAL:
        return
    if parse(arch) != arch:
        raise _error("this NLPArch is valid but not in canonical form; make it with nlp.parse(...)")


def format(arch) -> str:  # noqa: A001 - the interface's name
    """The canonical string, e.g. ``node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)``."""
    return _text(parse(arch).nodes)


def arch_id(arch) -> str:
    """md5 hex digest of the canonical string."""
    return hashlib.md5(format(arch).encode()).hexdigest()


def to_recipe(arch) -> dict:
    """The canonical cell as a NAS-Bench-NLP recipe dict (what its ``CustomRNN`` takes)."""
    return {name: {"op": op, "input": list(inputs)} for name, op, inputs in parse(arch).nodes}


def encode(archs) -> np.ndarray:
    """x11's fixed-size NLP encoding (see the module docstring), shape (n, 185), float32."""
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


# ---------------------------------------------------------------- sampling


def _generate(rng: np.random.Generator, k: int, intermediate: int) -> dict | None:
    """One draw of NAS-Bench-NLP's RecepieGenerator; None where its sanity check fails."""
    base = list(INPUTS[: k + 1])
    recipe: dict[str, list] = {}
    activations: list[str] = []
    i = 0
    while i < k + intermediate:
        op = GEN_MAIN_OPS[rng.choice(len(GEN_MAIN_OPS), p=GEN_MAIN_P)]
        if op == "linear":
            candidates = base + activations
            count = min(GEN_LINEAR_INPUTS[rng.choice(2, p=GEN_LINEAR_P)], len(candidates))
            recipe[f"node_{i}"] = [op, [candidates[j] for j in rng.choice(len(candidates), count, replace=False)]]
            activation = GEN_ACTIVATIONS[rng.integers(len(GEN_ACTIVATIONS))]
            recipe[f"node_{i + 1}"] = [activation, [f"node_{i}"]]
            activations.append(f"node_{i + 1}")
            i += 2
        else:
            count = 3 if op == "blend" else 2
            candidates = base[1:] + list(recipe)  # all but x
            if count <= len(candidates):
                recipe[f"node_{i}"] = [op, [candidates[j] for j in rng.choice(len(candidates), count, replace=False)]]
                i += 1
    names = list(recipe)
    rename = {names[j]: f"h_new_{n}" for n, j in builtins.enumerate(rng.choice(len(names), k, replace=False))}
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
    out = []
    while len(out) < n:
        arch = parse_recipe(sample_recipe(rng))
        if not encodable or len(INPUTS) + len(arch.nodes) <= ENCODING_MAX_NODES:
            out.append(arch)
    return out
