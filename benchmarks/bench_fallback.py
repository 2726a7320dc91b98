"""Fallback throughput on nb311-yahpo: the teacher network in numpy, the old student, and onnxruntime, in one run.

1,000 unseen DARTS cells (``darts.sample(2000, seed=12345)``, none in the table) x 5 seeds, every metric,
end to end through the reader (``bench.rows``, validation, lookup, prediction, noise, assembly), each on a
just-opened session (empty prediction cache, table index built first), medians of ``--repeat``
interleaved runs (one of each per round, so a burst of load hits all alike), wall and CPU time:

- ``new``: the table's own checkpoint, ``nb311-yahpo-v4`` (the YAHPO network run in numpy);
- ``old``: x11's method distilled from it, ``nb311-yahpo-x11-v2`` (SVD + LightGBM), through a copy of the
  table built from that checkpoint (same cells and seeds) in a temporary folder;
- peer ``onnxruntime``: the YAHPO ONNX teacher on the same 1,000 cells' mean curves (encode + 98,000 rows,
  all 4 outputs), what the new path replaces; it has no seed noise and no reader around it;
- ``repeated``: the same request again on a session that has answered it (every row from its cache).

Floors: new at least 3x faster than onnxruntime, and no slower than old.

Example:
    .venv/bin/python benchmarks/bench_fallback.py [--archs 1000] [--repeat 5] [--teacher ../shared/data/yahpo-nb301]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import nbx11_data
from nbx11_data.spaces import darts
from nbx11_data.surrogate.model import THREADS

NAME = "nb311-yahpo"
OLD = "nb311-yahpo-x11-v2"
SEEDS = list(range(5))
REPO = Path(__file__).resolve().parent.parent


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _old_table(folder: Path) -> Path:
    """The nb311-yahpo table rebuilt from the old student in ``folder``, by the committed table's own command."""
    command = nbx11_data.open(NAME).manifest["build"]["command"].split()  # nbx11 build nb311-yahpo --archs ...
    command[0] = str(Path(sys.executable).parent / "nbx11")
    command += ["--checkpoint", str(REPO / "checkpoints" / OLD), "--out", str(folder / NAME), "--no-progress"]
    subprocess.run(command, check=True, capture_output=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--teacher", default=str(REPO.parent / "shared" / "data" / "yahpo-nb301"))
    args = parser.parse_args()
    from nbx11_data.builder.sources.yahpo import Teacher

    bench = nbx11_data.open(NAME)
    held = set(bench.archs())
    unseen = [a for a in map(darts.format, darts.sample(2 * args.archs, seed=12345)) if a not in held][:args.archs]
    rows = len(unseen) * len(SEEDS)
    teacher = Teacher(args.teacher, threads=THREADS)
    with tempfile.TemporaryDirectory() as scratch:
        roots = {"new": None, "old": _old_table(Path(scratch))}

        def live(which: str):
            session = nbx11_data.open(NAME, root=roots[which])
            session.archs()  # the table index, as any earlier lookup of a session built it
            table = session.rows(unseen, seeds=SEEDS)  # first call also loads the checkpoint (once per process)
            assert table.num_rows == rows and all(s.startswith("live:") for s in set(table.column("source").to_pylist()))

        def onnx():
            teacher.raw(darts.encode_yahpo(unseen))

        cached = nbx11_data.open(NAME)
        cached.rows(unseen, seeds=SEEDS)  # every row now in the session's prediction cache
        runs = {"new": lambda: live("new"), "old": lambda: live("old"), "onnxruntime": onnx,
                "repeated": lambda: cached.rows(unseen, seeds=SEEDS)}
        for fn in runs.values():
            fn()  # warm: checkpoints loaded, sessions and libraries started
        times: dict[str, list] = {k: [] for k in runs}
        for _ in range(args.repeat):
            for label, fn in runs.items():
                times[label].append(_timed(fn))
    med = {k: (1e3 * float(np.median([t[0] for t in v])), 1e3 * float(np.median([t[1] for t in v])))
           for k, v in times.items()}
    new_id = bench.manifest["checkpoint"]["id"]
    print(f"{NAME}: {len(unseen):,} unseen DARTS cells x {len(SEEDS)} seeds = {rows:,} rows, all"
          f" {len(bench.metrics)} metrics x {bench.epochs} epochs; medians of {args.repeat} interleaved runs;"
          f" {THREADS} threads")
    labels = {"new": f"new: {new_id} (numpy network), bench.rows", "old": f"old: {OLD} (SVD + LightGBM), bench.rows",
              "onnxruntime": f"peer: onnxruntime teacher, {len(unseen):,} mean curves ({len(unseen) * 98:,} rows)",
              "repeated": "new, the same request again (answered from the session's cache)"}
    for k, label in labels.items():
        print(f"  {label:<66} {med[k][0]:8.1f} ms wall ({med[k][1]:7.1f} CPU)")
    speedup, versus_old = med["onnxruntime"][0] / med["new"][0], med["old"][0] / med["new"][0]
    print(f"  new vs onnxruntime: {speedup:.2f}x faster (floor 3x: {'met' if speedup >= 3 else 'NOT met'});"
          f" new vs old: {versus_old:.2f}x ({'met' if versus_old >= 1 else 'NOT met'}: no slower than old)")


if __name__ == "__main__":
    main()
