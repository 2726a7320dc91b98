"""``nbx11 download NAME``: fetch a benchmark (or some of its datasets) into the local cache, verified.

Example:
    $ nbx11 download nb201 --dataset cifar10-valid --base-url http://127.0.0.1:8000
    $ nbx11 download nb201 --base-url https://huggingface.co/datasets/ORG/REPO/resolve/main
    nb201: fetched 2 files (5.1 MB), 0 already cached, all verified -> /home/me/.cache/nbx11-data/nb201
"""

from __future__ import annotations

import os
import sys

from nbx11_data.commands._checks import mirror_url


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name, e.g. nb201")
    parser.add_argument("--dataset", action="append", dest="datasets", metavar="D",
                        help="only this dataset partition (repeatable; default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, metavar="S",
                        help="only these seeds, where seeds are a partition key (else all shards are needed)")
    parser.add_argument("--base-url", type=mirror_url, metavar="URL",
                        help="the mirror: a folder written by `nbx11 publish` served over HTTP (http://HOST:PORT), or"
                             " that folder as a Hugging Face dataset repository (https://huggingface.co/datasets/"
                             "ORG/REPO/resolve/REVISION, hf://datasets/ORG/REPO@REVISION, or a manifest.json URL"
                             " there); default: $NBX11_MIRROR, then the manifest's base_url")
    parser.add_argument("--cache-dir", help="cache root (default: $NBX11_CACHE, then the user cache folder)")
    parser.add_argument("--manifest-sha256", help="pin the manifest: refuse any other release")
    parser.add_argument("--offline", action="store_true", help="use the cache only, never the network")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args) -> int:
    from nbx11_data.errors import UnknownNameError
    from nbx11_data.readers.download import download

    if args.cache_dir is not None and os.path.exists(args.cache_dir) and not os.path.isdir(args.cache_dir):
        raise UnknownNameError("cache folder", args.cache_dir, ["a folder (or a path to create one at), not a file"])
    got = download(args.name, args.datasets, args.seeds, base_url=args.base_url, cache_dir=args.cache_dir,
                   manifest_sha256=args.manifest_sha256, offline=args.offline,
                   progressbar=not args.quiet and sys.stderr.isatty())
    where = " (offline, from the cache)" if got.offline else ""
    print(f"{got.name}: fetched {len(got.fetched)} files ({got.bytes_fetched / 1e6:.1f} MB), "
          f"{len(got.cached)} already cached, all verified{where} -> {got.path}")
    print(f"open it with: nbx11_data.open({got.name!r}, root={str(got.root)!r})")
    return 0
