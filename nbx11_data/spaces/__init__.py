"""The four search spaces, one module each, all with the same small interface.

Every space module offers:

- ``NAME`` and ``FINITE`` (whether :func:`enumerate` exists),
- ``parse(representation) -> Arch``: any accepted representation, validated,
- ``format(arch) -> str``: the canonical string (``parse(format(a)) == a``),
- ``arch_id(arch) -> str``: a stable identity, equal for equivalent representations,
- ``validate(arch)``: raises :class:`~nbx11_data.errors.InvalidArchitectureError`,
- ``encode(archs) -> numpy.ndarray``: a batched feature matrix for surrogates,
- ``sample(n, seed) -> list[Arch]``: reproducible samples,
- ``enumerate() -> Iterator[Arch]`` where the space is finite.

``format`` and ``arch_id`` also accept any representation ``parse`` accepts.

Example:
    >>> from nbx11_data import spaces
    >>> nb201 = spaces.get("nb201")
    >>> nb201.format(nb201.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from nbx11_data.errors import UnknownNameError

NAMES = ("nb101", "nb201", "darts", "nlp")


def get(name: str) -> ModuleType:
    """Return the module of search space ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise UnknownNameError("search space", name, NAMES)
    return importlib.import_module(f"nbx11_data.spaces.{name}")
