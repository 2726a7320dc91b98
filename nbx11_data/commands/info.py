"""``nbx11 info NAME``: datasets, metrics with units, budgets, seeds, rows and sources of a benchmark, as JSON.

Example:
    $ nbx11 info nb201
"""

from __future__ import annotations

import json

import nbx11_data


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name (see `nbx11 list`)")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    print(json.dumps(nbx11_data.open(args.name, root=args.root).info(), indent=1))
    return 0
