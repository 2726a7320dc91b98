"""Table-build throughput: curves per second per core, bytes on disk per curve value, peak memory.

For every surrogate benchmark whose checkpoint is present, a build of ``--archs`` sampled
architectures (mean + 5 seeds) runs in a subprocess (``nbx11 build``, ``--jobs 1`` and ``--jobs 2``),
side by side with the peer: the same curves from ``predict_batch`` called once per seed (what a
builder without ``predict_seeds`` does), prediction only. A "curve" is one metric of one row.
``--full-nb101`` also times the floor: all 423,624 NB101 graphs x (mean + 5 seeds), ``--jobs 2``
(goal: at most 15 minutes on 2 cores).

    python benchmarks/bench_build.py [--archs 2000] [--nb101-checkpoint DIR] [--full-nb101]

``--nb101-checkpoint`` stands in for a missing ``checkpoints/nb111-ec4-v1`` (say which one was used
when quoting figures).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = {"nbnlp11-wt2": "nbnlp11-wt2-v1", "nb311-yahpo": "nb311-yahpo-v3", "nb111-ec4": "nb111-ec4-v1"}
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
    import numpy as np

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
    parser.add_argument("--nb101-checkpoint", help="checkpoint folder standing in for nb111-ec4-v1")
    parser.add_argument("--full-nb101", action="store_true", help="also build all 423,624 NB101 graphs (--jobs 2)")
    args = parser.parse_args()
    checkpoints = {name: REPO / "checkpoints" / ck for name, ck in BENCHMARKS.items()}
    if args.nb101_checkpoint:
        checkpoints["nb111-ec4"] = Path(args.nb101_checkpoint)
    print(f"{'benchmark':12s} {'checkpoint':34s} {'jobs':>4s} {'curves/s/core':>14s} {'peer curves/s':>14s}"
          f" {'bytes/value':>11s} {'peak RSS MB':>11s} {'wall s':>7s}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, checkpoint in checkpoints.items():
            if not checkpoint.is_dir():
                print(f"{name:12s} {checkpoint.name:34s} (checkpoint missing: skipped)")
                continue
            peer = peer_rate(checkpoint, min(args.archs, 1000))
            for jobs in (1, 2):
                out = Path(scratch) / f"{name}-{jobs}"
                r = build(name, checkpoint, out, ["--archs", str(args.archs), "--jobs", str(jobs)])
                print(f"{name:12s} {str(checkpoint.relative_to(REPO) if checkpoint.is_relative_to(REPO) else checkpoint)[-34:]:34s}"
                      f" {jobs:4d} {r['curves'] / r['compute'] / jobs:14,.0f} {peer:14,.0f} {r['bytes'] / r['values']:11.2f}"
                      f" {r['rss']:11.0f} {r['wall']:7.1f}")
        if args.full_nb101 and checkpoints["nb111-ec4"].is_dir():
            out = Path(scratch) / "nb111-full"
            r = build("nb111-ec4", checkpoints["nb111-ec4"], out, ["--max-vertices", "7", "--jobs", "2"])
            print(f"floor: nb111-ec4, all 423,624 NB101 graphs x (mean + {SEEDS} seeds), --jobs 2: {r['wall']:.0f} s wall"
                  f" (goal <= 900 s), {r['curves'] / r['compute'] / 2:,.0f} curves/s/core, {r['bytes'] / 1e6:.1f} MB,"
                  f" {r['bytes'] / r['values']:.2f} bytes/value, peak RSS {r['rss']:.0f} MB")


if __name__ == "__main__":
    main()
