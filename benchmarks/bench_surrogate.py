"""Whole-curve prediction throughput of a surrogate checkpoint, on one core.

Prints curves/s for the noiseless mean and for seeded noisy curves, each side by side with
the naive peer: one ``predict`` call per architecture (x11's way of querying).

    python benchmarks/bench_surrogate.py [checkpoints/nbnlp11-wt2-v1] [n]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from nbx11_data import load_ensemble, spaces  # noqa: E402


def rate(fn, n: int) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else "checkpoints/nbnlp11-wt2-v1"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    m = load_ensemble(folder)
    space = spaces.get(m.space)
    archs = space.sample(n, seed=0, encodable=True) if m.space == "nlp" else space.sample(n, seed=0)
    features = m.features(archs)
    ids = [space.arch_id(a) for a in archs]
    seeds = np.arange(n) % 3
    metrics = len(m.metrics)
    print(f"{m.checkpoint_id}: {n} architectures, {metrics} metric curves of {len(m.epochs)} epochs each")
    mean = rate(lambda: m.predict_features(features), n)
    noisy = rate(lambda: m.predict_features(features, ids, seeds), n)
    whole = rate(lambda: m.predict_batch(archs, seeds=seeds), n)
    few = archs[:200]
    single = rate(lambda: [m.predict(a, with_noise=False) for a in few], len(few))
    print(f"  predict_features, noiseless mean : {mean:12,.0f} archs/s (all metrics)")
    print(f"  predict_features, seeded noise   : {noisy:12,.0f} archs/s (all metrics)")
    print(f"  predict_batch from archs + noise : {whole:12,.0f} archs/s (includes parse + encode)")
    print(f"  peer: predict() one arch a call  : {single:12,.0f} archs/s (first metric only)")


if __name__ == "__main__":
    main()
