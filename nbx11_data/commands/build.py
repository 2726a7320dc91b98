"""``nbx11 build NAME --source DIR``: build a benchmark table folder from its original sources.

Benchmarks are registered in :mod:`nbx11_data.builder.tables`; each adds its
own source options. The table goes to ``tables/<NAME>`` unless ``--out``.

Example:
    $ nbx11 build nb201 --source ../shared/data
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nbx11_data.readers.paths import default_root


def add_arguments(parser) -> None:
    from nbx11_data.builder import tables

    sub = parser.add_subparsers(dest="benchmark", required=True, metavar="NAME")
    for name in sorted(tables.BUILDERS):
        module = tables.get(name)
        child = sub.add_parser(name, help=(module.__doc__ or "").splitlines()[0],
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(child)
        child.add_argument("--out", help=f"output folder (default: <tables root>/{name})")


def run(args) -> int:
    from nbx11_data.builder import tables

    out = Path(args.out) if args.out else default_root() / args.benchmark
    manifest = tables.get(args.benchmark).build(args, out)
    if manifest is None:  # one --shard part of a surrogate table: `--assemble` finishes it
        return 0
    rows = sum(shard["rows"] for shard in manifest["shards"])
    size = sum(shard["bytes"] for shard in manifest["shards"])
    print(f"wrote {out}: {len(manifest['shards'])} shards, {rows:,} rows, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0
