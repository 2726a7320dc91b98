"""``nbx11 build NAME --source DIR``: build a benchmark table folder from its original sources.

Benchmarks are registered in :mod:`nbx11_data.builder.tables`; each adds its
own source options. The table goes to ``tables/<NAME>`` unless ``--out``. A build
holds a lock on its output folder: a second build of the same folder stops (or,
with ``--wait``, waits) and says which build holds it.

Example:
    $ nbx11 build nb201 --source ../shared/data
"""

from __future__ import annotations

import argparse
import contextlib
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
        child.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                           help="if another build is writing the same output folder, wait up to SECONDS for it"
                                " (default 0: stop at once and say which build holds it)")


def run(args) -> int:
    from nbx11_data.builder import tables
    from nbx11_data.builder.tables.lock import out_lock

    out = Path(args.out) if args.out else default_root() / args.benchmark
    # a --shard part writes only work units (shared by the parts); every other build holds the output folder
    lock = out_lock(out, args.wait) if getattr(args, "shard", None) is None else contextlib.nullcontext()
    with lock:
        manifest = tables.get(args.benchmark).build(args, out)
    if manifest is None:  # one --shard part of a surrogate table: `--assemble` finishes it
        return 0
    rows = sum(shard["rows"] for shard in manifest["shards"])
    size = sum(shard["bytes"] for shard in manifest["shards"])
    print(f"wrote {out}: {len(manifest['shards'])} shards, {rows:,} rows, {size / 1e6:.1f} MB", file=sys.stderr)
    return 0
