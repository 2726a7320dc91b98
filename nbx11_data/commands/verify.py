"""``nbx11 verify NAME``: check the manifest's structure, every file's sha256 (shards and index), each shard's
row count, schema and dataset, that every shard on disk is listed (``--content``: decoded rows and the
index recomputed from them too).

Example:
    $ nbx11 verify nb201
    nb201: 3 shards, 165,138 rows, 1 file: OK
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data import locations, manifest
from nbx11_data.errors import UnknownNameError


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name (see `nbx11 list`), or a benchmark folder")
    parser.add_argument("--content", action="store_true",
                        help="also decode every shard, compare content_sha256, and recompute the index")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    folder = locations.find_table(args.name, args.root)
    if folder is None:
        if not Path(args.name).is_dir():
            roots = " or ".join(map(str, locations.table_roots(args.root)))
            raise UnknownNameError(f"benchmark (under {roots})", args.name, locations.table_names(args.root))
        folder = Path(args.name)
    checked = manifest.verify(folder, content=args.content)
    if args.content and checked["schema_version"] >= 2:
        from nbx11_data.readers import index

        index.check(folder, checked)
    rows = sum(shard["rows"] for shard in checked["shards"])
    print(f"{checked['name']}: {len(checked['shards'])} shards, {rows:,} rows, {len(checked['files'])} file(s): OK")
    return 0
