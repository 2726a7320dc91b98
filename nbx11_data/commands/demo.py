"""``nbx11 demo``: the main job end to end on the built-in defaults.

Verifies the committed ``nb201`` table, looks up one learning curve, and runs
an SQL query over the curves.

Example:
    $ nbx11 demo
"""

from __future__ import annotations

import nbx11_data
from nbx11_data import spaces


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")


def run(args) -> int:
    bench = nbx11_data.open("nb201")
    bench.verify()
    print(f"nb201 verified: {sum(s['rows'] for s in bench.manifest['shards']):,} rows, datasets {bench.datasets}")
    arch = spaces.get("nb201").sample(1, seed=args.seed)[0]
    curve = bench.curve(arch, dataset="cifar100", metric="valid_acc", seed=777, budget=200)
    print(f"lookup {spaces.get('nb201').format(arch)}: cifar100 valid_acc after 200 epochs = {curve[-1]:.2f} %")
    print("best final valid_acc per dataset and budget (SQL over the curves):")
    print(bench.sql("SELECT dataset, budget, count(*) AS runs, round(max(valid_acc), 2) AS best"
                    " FROM final GROUP BY ALL ORDER BY ALL"))
    rows = bench.sql("SELECT epoch, valid_acc FROM curves_long WHERE arch_index = 11 AND dataset = 'cifar100'"
                     " AND seed = 111 AND budget = 12 ORDER BY epoch").fetchall()
    print("arch 11, cifar100, 12-epoch run: " + " ".join(f"{v:.1f}" for _, v in rows))
    for name in spaces.NAMES:
        space = spaces.get(name)
        print(f"space {name:6s} sample: {space.format(space.sample(1, seed=args.seed)[0])[:80]}")
    return 0
