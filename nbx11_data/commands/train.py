"""``nbx11 train RECIPE --source PATH [--out DIR]``: train a surrogate checkpoint.

Writes ``<out>/<name>-v<version>/`` (models, arrays, ``checkpoint.json``, ``REPORT.md``,
``metrics.json``) and prints a JSON summary.

Example:
    $ nbx11 train nbnlp11-wt2 --source ../shared/data/nbnlp-wt2/logs.zip
"""

from __future__ import annotations

import json


def add_arguments(parser) -> None:
    from nbx11_data.builder.recipes import names

    parser.add_argument("recipe", help=f"recipe name: {', '.join(names())}")
    parser.add_argument("--source", required=True, help="the recipe's source data (file or folder)")
    parser.add_argument("--out", help="folder for the checkpoint (default: $NBX11_CHECKPOINTS, the checkout's"
                                       " checkpoints/, or the user data folder)")


def run(args) -> int:
    from nbx11_data.builder.recipes import get
    from nbx11_data.builder.train import train

    from nbx11_data import locations

    result = train(get(args.recipe), args.source, args.out or locations.write_root("checkpoints"))
    summary = {"checkpoint": result["folder"], "bytes": result["bytes"], "timing": result["timing"],
               "test": {m: {k: t[k] for k in ("avg_kendall_tau", "final_kendall_tau", "final_r2")}
                        for m, t in result["test"].items()}}
    print(json.dumps(summary, indent=1))
    return 0
