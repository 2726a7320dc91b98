"""``nbx11 demo``: the main job end to end on the built-in defaults.

Example:
    $ nbx11 demo
"""

from __future__ import annotations

from nbx11_data import spaces


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")


def run(args) -> int:
    for name in spaces.NAMES:
        space = spaces.get(name)
        arch = space.sample(1, seed=args.seed)[0]
        print(f"{name:6s} {space.arch_id(arch)}  {space.format(arch)[:100]}")
    return 0
