"""Moves in a search space: the neighbours of an architecture and a random mutation, as NASLib defines them.

* ``nb201``: change the op of one of the 6 edges (24 neighbours).
* ``darts`` (NASLib's NB301 ``mutate``/``get_nbhd`` on the compact form): in one cell, change the op of one
  of the 8 (input, op) pairs, or the input of one pair to another earlier node that its node's other pair
  does not already read.
* ``nlp`` (NASLib's NB-NLP ``mutate``/``get_nbhd``): change an activation to another activation or
  ``elementwise_sum`` <-> ``elementwise_prod`` (``linear`` and ``blend`` keep their op), or rewire an input
  that comes from a cell node to another cell node earlier in the (topological) order. Rewirings that leave
  a node dead, repeat an input, or make the cell too large for x11's encoding are not neighbours.

Every neighbour is parsed (so validated and canonical) and differs from the architecture. :func:`mutate`
draws one move uniformly among the valid ones (NASLib first draws the kind of move, then the move), parsing
only the moves it tries, so a mutation costs far less than a whole neighbourhood.

Example:
    >>> from nbx11_data import spaces
    >>> nb201 = spaces.get("nb201")
    >>> len(neighbours(nb201, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    24
"""

from __future__ import annotations

import numpy as np

from nbx11_data.errors import InvalidArchitectureError, UnknownNameError

SPACES = ("nb201", "darts", "nlp")
_ACTIVATIONS = ("activation_sigm", "activation_tanh", "activation_leaky_relu")
_BINARY = ("elementwise_sum", "elementwise_prod")


def supports(space) -> bool:
    """Whether :func:`neighbours` knows ``space`` (a module from :func:`nbx11_data.spaces.get`)."""
    return space.NAME in SPACES


def neighbours(space, arch) -> list:
    """The distinct valid neighbours of ``arch`` (parsed), in a fixed order."""
    arch = space.parse(arch)
    seen, out = {space.format(arch)}, []
    for move in _moves(space, arch):
        parsed = _apply(space, move)
        key = None if parsed is None else space.format(parsed)
        if key is not None and key not in seen:
            seen.add(key)
            out.append(parsed)
    return out


def mutate(space, arch, rng: np.random.Generator):
    """A neighbour of ``arch`` from a uniformly drawn valid move; ``arch`` itself if it has none."""
    arch = space.parse(arch)
    moves, own = _moves(space, arch), space.format(arch)
    for k in rng.permutation(len(moves)):
        parsed = _apply(space, moves[k])
        if parsed is not None and space.format(parsed) != own:
            return parsed
    return arch


def _moves(space, arch) -> list:
    """Every move of ``arch`` as an unparsed representation (cheap to make; some may be invalid)."""
    if not supports(space):
        raise UnknownNameError("search space with mutations", space.NAME, SPACES)
    return list({"nb201": _nb201, "darts": _darts, "nlp": _nlp}[space.NAME](space, arch))


def _apply(space, move):
    """The parsed architecture of ``move``, or None where it is not a valid (encodable) architecture."""
    try:
        parsed = space.from_compact(move) if space.NAME == "darts" else space.parse(move)
        if space.NAME == "nlp":
            space.encode([parsed])  # x11's encoding holds at most 8 cell nodes
    except InvalidArchitectureError:
        return None
    return parsed


def _nb201(space, arch):
    for edge, current in enumerate(arch.ops):
        for op in space.OPS:
            if op != current:
                yield space.NB201Arch(arch.ops[:edge] + (op,) + arch.ops[edge + 1:])


def _darts(space, arch):
    compact = [list(map(list, cell)) for cell in space.to_compact(arch)]
    for c, cell in enumerate(compact):
        for p, (source, op) in enumerate(cell):
            sibling = cell[p + 1 if p % 2 == 0 else p - 1][0]
            for other in range(len(space.OPS)):
                if other != op:
                    yield _replace(space, compact, c, p, (source, other))
            for node_input in range(p // 2 + 2):
                if node_input not in (source, sibling):
                    yield _replace(space, compact, c, p, (node_input, op))


def _replace(space, compact, c, p, pair):
    cells = [[tuple(x) for x in cell] for cell in compact]
    cells[c][p] = pair
    return cells


def _nlp(space, arch):
    nodes = list(arch.nodes)
    names = [name for name, _, _ in nodes]
    for k, (name, op, inputs) in enumerate(nodes):
        group = _ACTIVATIONS if op in _ACTIVATIONS else _BINARY if op in _BINARY else ()
        for other in group:
            if other != op:
                yield _recipe(nodes, k, other, inputs)
        for i, source in enumerate(inputs):
            if source not in names:  # x and h_prev_* inputs are not rewired (as NASLib)
                continue
            for earlier in names[:k]:
                if earlier != source and earlier not in inputs:
                    yield _recipe(nodes, k, op, inputs[:i] + (earlier,) + inputs[i + 1:])


def _recipe(nodes, k, op, inputs) -> dict:
    recipe = {name: {"op": o, "input": list(i)} for name, o, i in nodes}
    recipe[nodes[k][0]] = {"op": op, "input": list(inputs)}
    return recipe
