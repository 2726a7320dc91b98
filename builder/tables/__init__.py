"""Table builders, one module per benchmark, registered by name.

A builder module offers ``add_arguments(parser)`` (its source options) and
``build(args, out) -> dict`` (writes the benchmark folder ``out``, returns the
manifest). ``nbx11 build NAME`` dispatches here.

Example:
    >>> sorted(BUILDERS)
    ['nb111-ec4', 'nb201', 'nb311-yahpo', 'nbnlp11-wt2']
"""

from __future__ import annotations

import importlib
from types import ModuleType

from nbx11_data.errors import UnknownNameError

# benchmark name -> module under nbx11_data.builder.tables
BUILDERS = {
    "nb201": "nb201",
    "nbnlp11-wt2": "nbnlp11_wt2",
    "nb311-yahpo": "nb311_yahpo",
    "nb111-ec4": "nb111_ec4",
}


def get(name: str) -> ModuleType:
    """The builder module of benchmark ``name``."""
    if name not in BUILDERS:
        raise UnknownNameError("benchmark builder", name, BUILDERS)
    return importlib.import_module(f"nbx11_data.builder.tables.{BUILDERS[name]}")
