"""Fallback throughput: unseen architectures x 5 seeds predicted live, beside table hits, in one run.

Opens the surrogate-built benchmark, loads its checkpoint once (timed apart), then times, end to end
through the reader (validation, lookup, prediction, assembly):

- ``live``: 1,000 unseen architectures x 5 seeds, ``bench.rows(archs, seeds=range(5))``, fresh session;
- ``cached``: the same request again (the session cache answers);
- peer ``table hits``: 1,000 architectures of the table x 5 seeds, the same call.

Goal: ``live`` at most 200 ms for DARTS (nb311-yahpo). Falls back to nbnlp11-wt2 when that table is absent.

Example:
    .venv/bin/python benchmarks/bench_fallback.py [BENCHMARK] [N]
"""

from __future__ import annotations

import sys
import time

import nbx11_data
from nbx11_data.readers.paths import available

SEEDS = list(range(5))


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else next(n for n in ("nb311-yahpo", "nbnlp11-wt2") if n in available())
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    bench = nbx11_data.open(name)
    space = bench.space
    held = set(bench.archs())
    kwargs = {"encodable": True} if space.NAME == "nlp" else {}
    unseen = [a for a in map(space.format, space.sample(2 * n, seed=12345, **kwargs)) if a not in held][:n]
    hits = [a for (a,) in bench.sql("SELECT DISTINCT arch FROM curves WHERE source LIKE 'table:%'"
                                    f" ORDER BY hash(arch) LIMIT {n}").fetchall()]
    start = time.perf_counter()
    bench.fallback._ensemble()
    load = time.perf_counter() - start
    bench.rows(hits, seeds=SEEDS)  # warm the table's index and matrices

    def live_once():
        fresh = nbx11_data.open(name)  # a new session: nothing cached
        fresh.fallback._ensemble()
        start = time.perf_counter()
        table = fresh.rows(unseen, seeds=SEEDS)
        elapsed = time.perf_counter() - start
        assert set(table.column("source").to_pylist()) == {fresh.fallback.label(fresh.datasets[0])}
        return elapsed, fresh

    runs = [live_once() for _ in range(3)]
    live, session = min(r[0] for r in runs), runs[0][1]
    cached = _best(lambda: session.rows(unseen, seeds=SEEDS))
    table_hits = _best(lambda: bench.rows(hits, seeds=SEEDS))
    curves_hits = _best(lambda: [bench.curves(hits, seed=s) for s in SEEDS])
    rows = len(unseen) * len(SEEDS)
    print(f"{name} ({space.NAME}, checkpoint {bench.fallback.checkpoint_id}, {len(bench.metrics)} metrics x"
          f" {bench.epochs} epochs); checkpoint load {load * 1e3:.0f} ms (once per process)")
    print(f"  live   : {len(unseen):,} unseen archs x {len(SEEDS)} seeds = {rows:,} rows in {live * 1e3:8.1f} ms"
          f"  ({rows / live:10,.0f} rows/s)  [bench.rows, fresh session]")
    print(f"  cached : same request again                  in {cached * 1e3:8.1f} ms  ({rows / cached:10,.0f} rows/s)")
    print(f"  peer, table hits: {len(hits):,} archs x {len(SEEDS)} seeds  in {table_hits * 1e3:8.1f} ms"
          f"  ({len(hits) * len(SEEDS) / table_hits:10,.0f} rows/s)  [bench.rows]")
    print(f"  peer, table hits, one metric (bench.curves x {len(SEEDS)}) in {curves_hits * 1e3:8.1f} ms")
    print(f"  goal: live <= 200 ms for 1,000 DARTS archs x 5 seeds: "
          f"{'met' if live <= 0.2 else 'NOT met'} here ({live * 1e3:.0f} ms, {space.NAME})")


if __name__ == "__main__":
    main()
