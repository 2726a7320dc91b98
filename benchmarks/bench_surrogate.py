"""Whole-curve prediction throughput of a surrogate checkpoint, side by side with its peers, in one run.

For nb311-yahpo (the default): n DARTS cells (``darts.sample(n, seed=0)``), whole 98-epoch noiseless
curves of every metric, medians of ``--repeat`` interleaved runs (one of each per round) of

- ``new``: ``nb311-yahpo-v4``, the YAHPO network in numpy (``predict_batch``);
- ``old``: ``nb311-yahpo-x11-v2``, x11's method distilled from it (SVD + LightGBM, ``predict_batch``);
- peer ``onnxruntime``: the YAHPO ONNX teacher on the same cells (encode + n x 98 rows, all 4 outputs).

Floors: new at least 3x faster than onnxruntime and no slower than old. For a checkpoint of another space
(a folder as first argument) the peer is one ``predict`` call per architecture (x11's way of querying).

    python benchmarks/bench_surrogate.py [nb311-yahpo | CHECKPOINT] [n=10000] [../shared/data/yahpo-nb301] [repeat=3]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from nbx11_data import load_ensemble, spaces
from nbx11_data.surrogate.model import THREADS

OLD = "nb311-yahpo-x11-v2"


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def darts_vs_teacher(n: int, teacher_folder: Path, repeat: int) -> None:
    from nbx11_data.builder.sources.yahpo import Teacher
    from nbx11_data.spaces import darts

    archs = darts.sample(n, seed=0)
    new, old = load_ensemble("nb311-yahpo"), load_ensemble(OLD)
    teacher = Teacher(teacher_folder, threads=THREADS)
    runs = {f"new: {new.checkpoint_id} (numpy network), all {len(new.metrics)} metrics": lambda: new.predict_batch(archs),
            f"old: {old.checkpoint_id} (SVD + LightGBM), all {len(old.metrics)} metrics": lambda: old.predict_batch(archs),
            f"peer: onnxruntime teacher, {n * 98:,} rows, all 4 outputs": lambda: teacher.raw(darts.encode_yahpo(archs))}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for label, fn in runs.items():
            times[label].append(seconds(fn))
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"{n:,} DARTS cells (darts.sample seed 0), whole 98-epoch noiseless curves; medians of {repeat}"
          f" interleaved runs; {THREADS} threads each")
    for label, t in med.items():
        print(f"  {label:<62} {t:8.2f} s  {n / t:10,.0f} curves/s")
    t_new, t_old, t_onnx = med.values()
    print(f"  new vs onnxruntime: {t_onnx / t_new:.2f}x faster (floor 3x: {'met' if t_onnx / t_new >= 3 else 'NOT met'});"
          f" new vs old: {t_old / t_new:.2f}x ({'met' if t_old >= t_new else 'NOT met'}: no slower than old)")


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
    which = sys.argv[1] if len(sys.argv) > 1 else "nb311-yahpo"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    teacher = Path(sys.argv[3] if len(sys.argv) > 3 else "../shared/data/yahpo-nb301")
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    if which == "nb311-yahpo":
        darts_vs_teacher(n, teacher, repeat)
    else:
        generic(load_ensemble(which), n)


if __name__ == "__main__":
    main()
