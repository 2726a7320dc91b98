"""Table-build throughput: curves per second on 1 core, on 2 local processes and on a 2-worker Dask cluster.

For every surrogate benchmark whose checkpoint is present, a build of ``--archs`` sampled
architectures (mean + 5 seeds) runs in a subprocess (``nbx11 build``) three ways, interleaved
``--repeats`` times: ``--jobs 1``, ``--jobs 2``, and ``--scheduler`` on a local Dask cluster of 2
worker processes (1 thread each) started here, so the scheduler's overhead shows beside the
local pool. Figures are medians; the timed part is the computation of the units (checkpoint
loading in the workers included), not planning or assembly. A "curve" is one metric of one row.
The peer: the same curves from ``predict_batch`` called once per seed (what a builder without
``predict_seeds`` does), prediction only. ``--full-nb101`` also times the floor: all 423,624
NB101 graphs x (mean + 5 seeds), ``--jobs 2`` (goal: at most 15 minutes on 2 cores).

    python benchmarks/bench_build.py [--archs 2000] [--unit-archs 256] [--repeats 3] [--benchmarks nbnlp11-wt2]
                                     [--nb101-checkpoint DIR] [--full-nb101]

``--nb101-checkpoint`` stands in for a missing ``checkpoints/nb111-ec4-v1`` (say which one was used
when quoting figures). The Dask mode needs the dask extra (``pip install 'nbx11-data[dask]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = {"nbnlp11-wt2": "nbnlp11-wt2-v1", "nb311-yahpo": "nb311-yahpo-v4", "nb111-ec4": "nb111-ec4-v1"}
SEEDS = 5


def build(name: str, checkpoint: Path, out: Path, options: list[str]) -> dict:
    """Run ``nbx11 build`` in a subprocess; return its figures (wall time, rate, peak RSS, bytes)."""
    command = [sys.executable, "-m", "nbx11_data.cli", "build", name, "--checkpoint", str(checkpoint),
               "--no-progress", "--out", str(out), *options]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    line = next(l for l in done.stderr.splitlines() if l.startswith("computed"))
    rss = [float(x) for x in re.findall(r"([\d.]+) MB", line)]
    manifest = json.loads((out / "manifest.json").read_text())
    meta = json.loads((checkpoint / "checkpoint.json").read_text())
    rows = sum(s["rows"] for s in manifest["shards"])
    values = rows * len(meta["metric_order"]) * len(meta["epochs"])
    return {"wall": wall, "compute": float(re.search(r"in ([\d.]+) s", line).group(1)),
            "curves": rows * len(meta["metric_order"]), "values": values,
            "bytes": sum(s["bytes"] for s in manifest["shards"]), "rss": max(rss)}


def peer_rate(checkpoint: Path, archs: int) -> float:
    """Curves/s of predict_batch called once per seed plus once for the mean (prediction only, one core)."""

    from nbx11_data import load_ensemble, spaces

    m = load_ensemble(checkpoint)
    space = spaces.get(m.space)
    sample = space.sample(archs, seed=0, **({"encodable": True} if m.space == "nlp" else {}))
    started = time.perf_counter()
    m.predict_batch(sample)
    for seed in range(SEEDS):
        m.predict_batch(sample, seeds=seed)
    return archs * (1 + SEEDS) * len(m.metrics) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=2000)
    parser.add_argument("--unit-archs", type=int, default=256, help="architectures per work unit (default 256)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of the three modes (default 3)")
    parser.add_argument("--benchmarks", nargs="+", choices=sorted(BENCHMARKS), default=sorted(BENCHMARKS))
    parser.add_argument("--nb101-checkpoint", help="checkpoint folder standing in for nb111-ec4-v1")
    parser.add_argument("--full-nb101", action="store_true", help="also build all 423,624 NB101 graphs (--jobs 2)")
    args = parser.parse_args()
    from distributed import LocalCluster

    checkpoints = {name: REPO / "checkpoints" / BENCHMARKS[name] for name in args.benchmarks}
    if args.nb101_checkpoint and "nb111-ec4" in checkpoints:
        checkpoints["nb111-ec4"] = Path(args.nb101_checkpoint)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'benchmark':12s} {'checkpoint':24s} {'mode':16s} {'curves/s':>9s} {'vs jobs 1':>9s}"
          f" {'peer curves/s':>14s} {'bytes/value':>11s} {'peak RSS MB':>11s} {'wall s':>7s}")
    with tempfile.TemporaryDirectory() as scratch, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        modes = {"--jobs 1": ["--jobs", "1"], "--jobs 2": ["--jobs", "2"],
                 "dask, 2 workers": ["--scheduler", cluster.scheduler_address]}
        for name, checkpoint in checkpoints.items():
            if not checkpoint.is_dir():
                print(f"{name:12s} {checkpoint.name:24s} (checkpoint missing: skipped)")
                continue
            peer = peer_rate(checkpoint, min(args.archs, 1000))
            runs = {mode: [] for mode in modes}
            for repeat in range(args.repeats):
                for mode, options in modes.items():
                    out = Path(scratch) / f"{name}-{mode.split()[-1]}-{repeat}"
                    runs[mode].append(build(name, checkpoint, out, ["--archs", str(args.archs), "--unit-archs",
                                                                    str(args.unit_archs), *options]))
            base = statistics.median(r["curves"] / r["compute"] for r in runs["--jobs 1"])
            for mode, results in runs.items():
                rate = statistics.median(r["curves"] / r["compute"] for r in results)
                last = results[-1]
                print(f"{name:12s} {checkpoint.name[-24:]:24s} {mode:16s} {rate:9,.0f} {rate / base:9.2f}"
                      f" {peer:14,.0f} {last['bytes'] / last['values']:11.2f} {last['rss']:11.0f}"
                      f" {statistics.median(r['wall'] for r in results):7.1f}")
        if args.full_nb101 and checkpoints.get("nb111-ec4", Path("/nonexistent")).is_dir():
            out = Path(scratch) / "nb111-full"
            r = build("nb111-ec4", checkpoints["nb111-ec4"], out, ["--max-vertices", "7", "--jobs", "2"])
            print(f"floor: nb111-ec4, all 423,624 NB101 graphs x (mean + {SEEDS} seeds), --jobs 2: {r['wall']:.0f} s wall"
                  f" (goal <= 900 s), {r['curves'] / r['compute'] / 2:,.0f} curves/s/core, {r['bytes'] / 1e6:.1f} MB,"
                  f" {r['bytes'] / r['values']:.2f} bytes/value, peak RSS {r['rss']:.0f} MB")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
