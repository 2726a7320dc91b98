"""The four search spaces, one module each; every module satisfies :class:`SearchSpace`.

:class:`SearchSpace` is the interface: identity (``parse``, ``format``, ``arch_id``, ``validate``), features
(``encode``), sampling and NAS moves (``neighbours``, ``mutate``). What only some spaces have is said by
flags, not found by ``hasattr``: ``FINITE`` spaces are :class:`FiniteSearchSpace` (``SIZE``, ``enumerate``),
``HAS_ARCH_INDEX`` ones :class:`IndexedSearchSpace` (``arch_index``), and a space without moves
(``HAS_MOVES`` false) raises :class:`~nbx11_data.errors.UnknownNameError` from ``neighbours`` and ``mutate``.
Background on each space: ``docs/spaces.md``.

Example:
    >>> from nbx11_data import spaces
    >>> nb201 = spaces.get("nb201")
    >>> nb201.format(nb201.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
    >>> isinstance(nb201, spaces.IndexedSearchSpace), nb201.HAS_MOVES
    (True, True)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import numpy as np

from nbx11_data.errors import UnknownNameError

NAMES = ("nb101", "nb201", "darts", "nlp")

#: an architecture of a space: that space's own frozen (hashable) dataclass, as its ``parse`` returns it
Arch = Any


@runtime_checkable
class SearchSpace(Protocol):
    """A search space. ``format``, ``arch_id``, ``encode`` and the moves accept any representation ``parse`` does."""

    NAME: str
    FINITE: bool  #: a :class:`FiniteSearchSpace`: ``SIZE`` and ``enumerate()``
    HAS_ARCH_INDEX: bool  #: an :class:`IndexedSearchSpace`: ``arch_index(arch)``
    HAS_MOVES: bool  #: ``neighbours`` and ``mutate`` move in the space (else they raise UnknownNameError)

    def parse(self, representation: Any) -> Arch:
        """Any accepted representation, validated; raises :class:`~nbx11_data.errors.InvalidArchitectureError`."""

    def format(self, arch: Any) -> str:
        """The canonical string: ``parse(format(a)) == a``."""

    def arch_id(self, arch: Any) -> str:
        """A stable identity (32 hex digits), equal for equivalent representations."""

    def validate(self, arch: Any) -> None:
        """Raise :class:`~nbx11_data.errors.InvalidArchitectureError` unless ``arch`` is a valid architecture."""

    def encode(self, archs: Sequence[Any]) -> np.ndarray:
        """A float32 feature matrix, one row per architecture, for surrogates."""

    def sample(self, n: int, seed: int, *, encodable: bool = False) -> list[Arch]:
        """``n`` architectures, reproducible from ``seed``; ``encodable=True``: only ones ``encode`` accepts."""

    def neighbours(self, arch: Any) -> list[Arch]:
        """The distinct valid architectures one move away from ``arch``, parsed, in a fixed order."""

    def mutate(self, arch: Any, rng: np.random.Generator) -> Arch:
        """A neighbour of ``arch`` from a uniformly drawn valid move; ``arch`` itself if it has none."""


@runtime_checkable
class FiniteSearchSpace(SearchSpace, Protocol):
    """A space small enough to list: ``SIZE`` architectures, every one once from ``enumerate()``."""

    SIZE: int

    def enumerate(self) -> Iterator[Arch]:
        """Every architecture once, in the space's own order."""


@runtime_checkable
class IndexedSearchSpace(FiniteSearchSpace, Protocol):
    """A finite space whose architectures are numbered 0..SIZE-1 (``parse`` also takes the number)."""

    def arch_index(self, arch: Any) -> int:
        """The number of ``arch`` (any representation)."""


if TYPE_CHECKING:  # mypy checks here that each module satisfies its protocol
    from nbx11_data.spaces import darts, nb101, nb201, nlp

    _nb101: FiniteSearchSpace = nb101
    _nb201: IndexedSearchSpace = nb201
    _darts: SearchSpace = darts
    _nlp: SearchSpace = nlp


def get(name: str) -> SearchSpace:
    """The module of search space ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise UnknownNameError("search space", name, NAMES)
    return cast(SearchSpace, importlib.import_module(f"nbx11_data.spaces.{name}"))
