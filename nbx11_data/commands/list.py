"""``nbx11 list``: the benchmarks under the tables root, with datasets and row counts.

Example:
    $ nbx11 list
    nb201  nb201  165,138 rows  ImageNet16-120, cifar10-valid, cifar100
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data import manifest
from nbx11_data.errors import UnknownNameError
from nbx11_data.readers.paths import available, default_root


def add_arguments(parser) -> None:
    parser.add_argument("--root", help="tables root (default: $NBX11_TABLES or the repository's tables/)")


def run(args) -> int:
    root = args.root or default_root()
    if args.root and not Path(root).is_dir():
        raise UnknownNameError("tables root", args.root, ["a folder holding benchmark folders"])
    for name in available(root):
        info = manifest.load(f"{root}/{name}")
        rows = sum(shard["rows"] for shard in info["shards"])
        print(f"{name}\t{info['space']}\t{rows:,} rows\t{', '.join(info.get('datasets', []))}")
    return 0
