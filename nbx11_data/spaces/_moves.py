"""What the spaces' NAS moves share: the distinct neighbours of an architecture and a uniformly drawn move.

A space lists the moves of an architecture as candidates (cheap to make; some may be invalid) and gives
``make``, which turns a candidate into an architecture or raises :class:`InvalidArchitectureError`.
Neighbours are the valid candidates that differ from the architecture and from each other, by canonical
string. :func:`mutate` draws one move uniformly among the valid ones (NASLib first draws the kind of move,
then the move), making only the candidates it tries, so a mutation costs far less than a neighbourhood.

Example:
    >>> from nbx11_data.spaces import nb201
    >>> arch = nb201.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    >>> len(neighbours(arch, nb201._candidates(arch), nb201.parse, nb201.format))
    24
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError, UnknownNameError

A = TypeVar("A")


def neighbours(arch: A, candidates: Iterable[Any], make: Callable[[Any], A], key: Callable[[A], str]) -> list[A]:
    """The valid ``candidates`` made, without repeats and without ``arch`` itself, in candidate order."""
    seen = {key(arch)}
    out: list[A] = []
    for candidate in candidates:
        made = _made(make, candidate)
        if made is not None and (text := key(made)) not in seen:
            seen.add(text)
            out.append(made)
    return out


def mutate(arch: A, candidates: Sequence[Any], make: Callable[[Any], A], key: Callable[[A], str],
           rng: np.random.Generator) -> A:
    """The first valid candidate other than ``arch`` in a random order of ``candidates``; ``arch`` if none is."""
    own = key(arch)
    for k in rng.permutation(len(candidates)):
        made = _made(make, candidates[k])
        if made is not None and key(made) != own:
            return made
    return arch


def unsupported(name: str) -> UnknownNameError:
    """The error of space ``name``, which has no moves; it lists the spaces that have them."""
    return UnknownNameError("search space with mutations", name, [n for n in spaces.NAMES if spaces.get(n).HAS_MOVES])


def _made(make: Callable[[Any], A], candidate: Any) -> A | None:
    try:
        return make(candidate)
    except InvalidArchitectureError:
        return None
