"""``nbx11 demo``: the main job end to end on the built-in defaults.

Verifies the committed default tables (builds a surrogate default that is missing
from its committed checkpoint), looks up learning curves, and runs SQL over the
curves of the measured ``nb201`` table and of the surrogate ``nbnlp11-wt2`` table, and
predicts cells that table lacks live from its checkpoint (the fallback), ranked in SQL beside it.

Example:
    $ nbx11 demo
"""

from __future__ import annotations

import sys

import nbx11_data
from nbx11_data import locations, spaces
from nbx11_data.errors import UnknownNameError

DEFAULT_TABLES = ("nb201", "nbnlp11-wt2", "nb311-yahpo", "nb111-ec4")
SURROGATE_DEMO = "nbnlp11-wt2"


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--source", help="source data folder used when a missing default table is built"
                                         " (e.g. ../shared/data; adds its measured rows)")


def run(args) -> int:
    for name in DEFAULT_TABLES:
        _verify_or_build(name, args.source)
    bench = nbx11_data.open("nb201")
    arch = spaces.get("nb201").sample(1, seed=args.seed)[0]
    curve = bench.curve(arch, dataset="cifar100", metric="valid_accuracy", seed=777, budget=200)
    print(f"lookup {spaces.get('nb201').format(arch)}: cifar100 valid_accuracy after 200 epochs = {curve[-1]:.2f} %")
    print("best final valid_accuracy per dataset and budget (SQL over the curves):")
    print(bench.sql("SELECT dataset, budget, count(*) AS runs, round(max(valid_accuracy), 2) AS best"
                    " FROM final GROUP BY ALL ORDER BY ALL"))
    rows = bench.sql("SELECT epoch, valid_accuracy FROM curves_long WHERE arch_index = 11 AND dataset = 'cifar100'"
                     " AND seed = 111 AND budget = 12 ORDER BY epoch").fetchall()
    print("arch 11, cifar100, 12-epoch run: " + " ".join(f"{v:.1f}" for _, v in rows))
    _surrogate_demo(args.seed)
    _fallback_demo(args.seed)
    for name in spaces.NAMES:
        space = spaces.get(name)
        print(f"space {name:6s} sample: {space.format(space.sample(1, seed=args.seed)[0])[:80]}")
    return 0


def _verify_or_build(name: str, source: str | None) -> None:
    """Verify table ``name`` (sha256, rows, schema of every file); build it first if it is missing."""
    if locations.find_table(name) is None:
        module = _builder(name)
        try:
            checkpoint = locations.find_checkpoint(module.SPEC.checkpoint) if module else None
        except UnknownNameError:
            checkpoint = None
        if checkpoint is None:
            print(f"{name}: not in any tables root and no checkpoint to build it from; skipped")
            return
        print(f"{name}: missing; building it from {checkpoint.name} ...", file=sys.stderr)
        argv = ["build", name, "--no-progress"] + (["--source", source] if source and module.SPEC.measured else [])
        from nbx11_data.cli import main

        if main(argv) != 0:
            raise SystemExit(f"building {name} failed")
    manifest = nbx11_data.open(name).verify()
    sources = sorted({p["name"] for p in manifest["provenance"]})
    print(f"{name} verified: {sum(s['rows'] for s in manifest['shards']):,} rows, sources {', '.join(sources)}")


def _builder(name: str):
    from nbx11_data.builder import tables

    return tables.get(name) if name in tables.BUILDERS and hasattr(tables.get(name), "SPEC") else None


def _surrogate_demo(seed: int) -> None:
    """A lookup and SQL over the curves of the surrogate table (predicted and measured rows)."""
    if locations.find_table(SURROGATE_DEMO) is None:
        return
    bench = nbx11_data.open(SURROGATE_DEMO)
    ((arch,),) = bench.sql("SELECT arch FROM curves WHERE source <> 'measured'"
                           " ORDER BY hash(arch_id || ?::VARCHAR) LIMIT 1", [seed]).fetchall()
    mean, noisy = bench.curve(arch, seed=None), bench.curve(arch, seed=0)
    print(f"{SURROGATE_DEMO} lookup {arch[:60]}...: valid_score after 50 epochs: noiseless mean {mean[-1]:.3f},"
          f" seed 0 {noisy[-1]:.3f} (surrogate prediction)")
    print("mean valid_score at epochs 1, 10, 50 per source (SQL over the curves):")
    print(bench.sql("SELECT source, epoch, count(*) AS curves, round(avg(valid_score), 3) AS mean_valid_score"
                    " FROM curves_long WHERE seed IS NOT NULL AND epoch IN (1, 10, 50) GROUP BY ALL ORDER BY ALL"))


def _fallback_demo(seed: int) -> None:
    """Cells the surrogate table lacks, predicted live by its checkpoint and ranked in SQL beside table rows."""
    if locations.find_table(SURROGATE_DEMO) is None:
        return
    bench = nbx11_data.open(SURROGATE_DEMO)
    space, held = bench.space, set(bench.archs())
    unseen = [a for a in map(space.format, space.sample(40, seed=seed + 1, encodable=True)) if a not in held][:20]
    hit = bench.archs()[0]
    values, sources = bench.curves([hit, unseen[0]], seed=0, with_source=True)
    for arch, curve, source in zip([hit, unseen[0]], values, sources):
        print(f"{SURROGATE_DEMO} {arch[:50]}...: valid_score seed 0 after 50 epochs {curve[-1]:.3f}  [{source}]")
    bench.register("candidates", unseen, seeds=range(3))
    print(f"{len(unseen)} cells not in the table, 3 seeds each, predicted live, beside the table's rows (SQL):")
    print(bench.sql("WITH runs AS (SELECT * FROM curves WHERE seed IN (0, 1, 2) UNION ALL SELECT * FROM candidates),"
                    " cells AS (SELECT source, arch_id, avg(valid_score_final) AS score FROM runs GROUP BY ALL)"
                    " SELECT source, count(*) AS cells, round(max(score), 3) AS best_mean_valid_score,"
                    " round(median(score), 3) AS median FROM cells GROUP BY source ORDER BY source"))
