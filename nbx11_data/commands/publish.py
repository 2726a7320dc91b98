"""``nbx11 publish NAME DIR``: lay out a benchmark in DIR as a mirror: a static folder, and a Hugging Face dataset repo.

Example:
    $ nbx11 publish nb201 site/ && python -m http.server -d site/ 8000
    $ nbx11 download nb201 --base-url http://127.0.0.1:8000
    $ huggingface-cli upload ORG/REPO site/ --repo-type dataset   # then --base-url hf://datasets/ORG/REPO
"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name, e.g. nb201")
    parser.add_argument("dir", help="output folder (the mirror root, a dataset repository); NAME/ is created inside")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    from nbx11_data.io import sha256_file
    from nbx11_data.readers.publish import publish

    target = publish(args.name, args.dir, root=args.root)
    print(f"{args.name}: published to {target} (manifest sha256 {sha256_file(target / 'manifest.json')})")
    print(f"serve {args.dir} with any static web server, or push it as a Hugging Face dataset repository; then:"
          f" nbx11 download {args.name} --base-url URL")
    return 0
