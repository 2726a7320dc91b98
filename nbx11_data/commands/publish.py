"""``nbx11 publish NAME DIR``: lay out a benchmark in DIR as a static mirror (any web server can serve it).

Example:
    $ nbx11 publish nb201 site/ && python -m http.server -d site/ 8000
    $ nbx11 download nb201 --base-url http://127.0.0.1:8000
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name, e.g. nb201")
    parser.add_argument("dir", help="output folder (the mirror root); NAME/ is created inside")
    parser.add_argument("--root", help="folder holding the benchmark folders (default: the repository's tables/)")


def run(args) -> int:
    from nbx11_data.io import sha256_file
    from nbx11_data.readers.publish import publish

    target = publish(args.name, args.dir, root=args.root)
    print(f"{args.name}: published to {target} (manifest sha256 {sha256_file(target / 'manifest.json')})")
    print(f"serve {args.dir} with any static web server, then: nbx11 download {args.name} --base-url URL")
    return 0
