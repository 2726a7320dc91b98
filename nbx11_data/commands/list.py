"""``nbx11 list``: the benchmarks in the table roots, with datasets, row counts and where each was found.

Example:
    $ nbx11 list
    nb201  nb201  165,138 rows  ImageNet16-120, cifar10-valid, cifar100  /path/to/tables/nb201
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data import locations, manifest
from nbx11_data.errors import UnknownNameError


def add_arguments(parser) -> None:
    parser.add_argument("--root", help="only this tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    if args.root and not Path(args.root).is_dir():
        raise UnknownNameError("tables root", args.root, ["a folder holding benchmark folders"])
    for name in locations.table_names(args.root):
        folder = locations.find_table(name, args.root)
        info = manifest.load(folder)
        rows = sum(shard["rows"] for shard in info["shards"])
        print(f"{name}\t{info['space']}\t{rows:,} rows\t{', '.join(info.get('datasets', []))}\t{folder}")
    return 0
