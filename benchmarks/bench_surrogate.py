"""Whole-curve prediction throughput of a surrogate checkpoint, side by side with a peer.

For a DARTS checkpoint the peer is the YAHPO NB301 ONNX teacher on the same architectures (it
needs one row per epoch: n x 98 rows); both use all cores. Also timed: the fallback case, 1,000
unseen architectures x 5 seeds end to end (parse, encode, predict, noise). For other spaces the
peer is one ``predict`` call per architecture (x11's way of querying).

    python benchmarks/bench_surrogate.py [checkpoints/nb311-yahpo-v2] [n=10000] [../shared/data/yahpo-nb301]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from nbx11_data import load_ensemble, spaces
from nbx11_data.surrogate.model import THREADS


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def darts_vs_teacher(m, n: int, teacher_folder: Path) -> None:
    from nbx11_data.builder.sources.yahpo import Teacher
    from nbx11_data.spaces import darts

    archs = darts.sample(n, seed=0)
    teacher = Teacher(teacher_folder)
    x_cat = darts.encode_yahpo(archs)
    t_teacher = seconds(lambda: teacher.raw(x_cat))
    t_all = seconds(lambda: m.predict_batch(archs))
    t_one = seconds(lambda: m.predict_batch(archs, metrics=[m.metrics[0]]))
    t_noisy = seconds(lambda: m.predict_batch(archs, seeds=np.arange(n) % 5, metrics=[m.metrics[0]]))
    print(f"{n} DARTS architectures (darts.sample seed 0), whole 98-epoch curves, {THREADS} threads each side")
    print(f"  YAHPO ONNX teacher, {n * 98} rows, all 4 outputs : {t_teacher:8.2f} s  {n / t_teacher:10,.0f} archs/s")
    print(f"  surrogate, all {len(m.metrics)} metrics, noiseless mean : {t_all:8.2f} s  {n / t_all:10,.0f} archs/s"
          f"  ratio {t_teacher / t_all:5.1f}x")
    print(f"  surrogate, {m.metrics[0]} only, mean        : {t_one:8.2f} s  {n / t_one:10,.0f} archs/s"
          f"  ratio {t_teacher / t_one:5.1f}x")
    print(f"  surrogate, {m.metrics[0]} only, seeded noise: {t_noisy:8.2f} s  {n / t_noisy:10,.0f} archs/s"
          f"  ratio {t_teacher / t_noisy:5.1f}x")
    unseen = [darts.format(a) for a in darts.sample(1000, seed=123)]
    rows, seeds = [a for a in unseen for _ in range(5)], [s for _ in unseen for s in range(5)]
    m.predict_batch(rows[:10], seeds=seeds[:10])  # warm
    fallback_one = min(seconds(lambda: m.predict_batch(rows, seeds=seeds, metrics=[m.metrics[0]])) for _ in range(3))
    fallback_all = min(seconds(lambda: m.predict_batch(rows, seeds=seeds)) for _ in range(3))
    print(f"  fallback: 1,000 unseen archs x 5 seeds from genotype strings, {m.metrics[0]}: "
          f"{1000 * fallback_one:6.0f} ms; all metrics: {1000 * fallback_all:6.0f} ms (goal <= 200 ms)")


def generic(m, n: int) -> None:
    space = spaces.get(m.space)
    archs = space.sample(n, seed=0, encodable=True) if m.space == "nlp" else space.sample(n, seed=0)
    features = m.features(archs)
    t_mean = seconds(lambda: m.predict_features(features))
    t_whole = seconds(lambda: m.predict_batch(archs, seeds=np.arange(n) % 3))
    few = archs[:200]
    t_single = seconds(lambda: [m.predict(a, with_noise=False) for a in few])
    print(f"{n} architectures, {len(m.metrics)} metric curves of {len(m.epochs)} epochs each")
    print(f"  predict_features, noiseless mean : {n / t_mean:12,.0f} archs/s (all metrics)")
    print(f"  predict_batch from archs + noise : {n / t_whole:12,.0f} archs/s (includes parse + encode)")
    print(f"  peer: predict() one arch a call  : {len(few) / t_single:12,.0f} archs/s (first metric only)")


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else "checkpoints/nb311-yahpo-v2"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    teacher = Path(sys.argv[3] if len(sys.argv) > 3 else "../shared/data/yahpo-nb301")
    m = load_ensemble(folder)
    trees = sum(b.num_trees() for model in m._models.values() for member in model.boosters for b in member)
    print(f"{m.checkpoint_id}: {trees} trees over {len(m.metrics)} metrics")
    if m.space == "darts" and teacher.is_dir():
        darts_vs_teacher(m, n, teacher)
    else:
        generic(m, n)


if __name__ == "__main__":
    main()
