"""Reader performance on nb201, side by side with Syne Tune's blackbox repository (same data, same run).

Each side runs in its own subprocess (so peak memory is its own): open, first lookup (builds the
lazy index), one-curve lookup, a batch of 10,000 curves, a full-table aggregate, peak RSS. Syne
Tune's ``BlackboxTabular`` is built from the same nb201 rows (200-epoch budget, cifar10-valid,
3 seeds, objectives valid_acc and train_time), written with its ``serialize`` and read with its
``deserialize``, the way its repository stores blackboxes.

Needs the ``bench`` extra (``pip install -e .[bench]``).

Example:
    .venv/bin/python benchmarks/bench_reader.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

N_SINGLE, N_BATCH, DATASET = 20_000, 10_000, "cifar10-valid"


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def ours() -> dict:
    import duckdb  # noqa: F401 - warm imports: we time open(), not the interpreter's imports
    import pyarrow.parquet  # noqa: F401

    import nbx11_data
    from nbx11_data.spaces import nb201

    start = time.perf_counter()
    bench = nbx11_data.open("nb201")
    opened = time.perf_counter() - start
    start = time.perf_counter()
    bench.curve(0, dataset=DATASET, metric="valid_acc", seed=777, budget=200)
    first = time.perf_counter() - start
    rng = np.random.Generator(np.random.PCG64(0))
    archs = [nb201.format(int(i)) for i in rng.integers(0, nb201.SIZE, N_SINGLE)]
    start = time.perf_counter()
    for arch in archs:
        bench.curve(arch, dataset=DATASET, metric="valid_acc", seed=777, budget=200)
    single = (time.perf_counter() - start) / len(archs)
    batch = archs[:N_BATCH]
    many = _median_time(lambda: bench.curves(batch, dataset=DATASET, metric="valid_acc", seed=777, budget=200), 5)
    query = ("SELECT dataset, budget, seed, count(*), avg(valid_acc), max(valid_acc), avg(train_time)"
             " FROM final GROUP BY ALL")
    start = time.perf_counter()
    bench.sql(query).fetchall()
    aggregate_first = time.perf_counter() - start
    aggregate = _median_time(lambda: bench.sql(query).fetchall(), 5)
    return {"open": opened, "first lookup (builds index)": first, "one curve": single, "10,000 curves": many,
            "full aggregate (first)": aggregate_first, "full aggregate": aggregate,
            "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def build_syne(path: str) -> None:
    """Build Syne Tune's BlackboxTabular from the nb201 table and serialize it to ``path``."""
    import pandas as pd
    from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular, serialize
    from syne_tune.config_space import choice, randint

    import nbx11_data
    from nbx11_data.spaces import nb201

    bench = nbx11_data.open("nb201")
    rows = bench.sql(f"SELECT arch_index, seed, valid_acc, train_time FROM curves WHERE dataset = '{DATASET}'"
                     " AND budget = 200 AND seed IS NOT NULL").fetchnumpy()
    values = np.full((nb201.SIZE, 3, 200, 2), np.nan, dtype=np.float32)
    seed_pos = {777: 0, 888: 1, 999: 2}
    for i, seed, acc, cost in zip(rows["arch_index"], rows["seed"], rows["valid_acc"], rows["train_time"]):
        values[i, seed_pos[int(seed)], :, 0] = acc
        values[i, seed_pos[int(seed)], :, 1] = cost
    names = [f"hp_x{e}" for e in range(nb201.N_EDGES)]
    archs = [nb201.parse(i).ops for i in range(nb201.SIZE)]
    hyperparameters = pd.DataFrame(archs, columns=names)
    blackbox = BlackboxTabular(hyperparameters=hyperparameters,
                               configuration_space={n: choice(list(nb201.OPS)) for n in names},
                               fidelity_space={"hp_epoch": randint(1, 200)}, objectives_evaluations=values,
                               objectives_names=["valid_acc", "train_time"])
    serialize({DATASET: blackbox}, path)


def syne(path: str) -> dict:
    from syne_tune.blackbox_repository.blackbox_tabular import deserialize

    from nbx11_data.spaces import nb201

    start = time.perf_counter()
    blackbox = deserialize(path)[DATASET]
    opened = time.perf_counter() - start
    names = [f"hp_x{e}" for e in range(nb201.N_EDGES)]
    rng = np.random.Generator(np.random.PCG64(0))
    configs = [dict(zip(names, nb201.from_code(int(i)).ops)) for i in rng.integers(0, nb201.SIZE, N_BATCH)]
    start = time.perf_counter()
    blackbox.objective_function(configs[0], seed=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for config in configs[:2000]:
        blackbox.objective_function(config, seed=0)
    single = (time.perf_counter() - start) / 2000
    start = time.perf_counter()
    for config in configs:
        blackbox.objective_function(config, seed=0)
    many = time.perf_counter() - start
    evaluations = blackbox.objectives_evaluations
    aggregate = _median_time(lambda: (np.nanmean(evaluations[:, :, -1, 0], axis=0),
                                      np.nanmax(evaluations[:, :, -1, 0], axis=0)), 5)
    return {"open": opened, "first lookup (builds index)": first, "one curve": single, "10,000 curves": many,
            "full aggregate (first)": float("nan"), "full aggregate": aggregate,
            "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(side: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, side, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as path:
        subprocess.run([sys.executable, __file__, "build-syne", path], check=True)
        a, b = _child("ours", path), _child("syne", path)
    floors = {"open": 0.1, "one curve": 10e-6, "10,000 curves": 10e-3, "full aggregate": 0.1}
    print(f"nb201 ({DATASET} lookups; aggregate over all 165,138 rows for nbx11, numpy over the cube for Syne Tune)")
    print(f"{'measure':30s} {'nbx11-data':>14s} {'Syne Tune':>14s} {'speed-up':>10s} {'floor':>10s}")
    for key in a:
        unit = 1e3 if key != "peak RSS MB" and key != "one curve" else 1
        unit = 1e6 if key == "one curve" else unit
        suffix = {1e3: " ms", 1e6: " us", 1: ""}[unit]
        ratio = b[key] / a[key] if a[key] and key != "peak RSS MB" else float("nan")
        floor = f"{floors[key] * unit:g}{suffix}" if key in floors else ""
        ok = "" if key not in floors else (" ok" if a[key] <= floors[key] else " MISSED")
        print(f"{key:30s} {a[key] * unit:11.3f}{suffix} {b[key] * unit:11.3f}{suffix} {ratio:9.1f}x {floor:>10s}{ok}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "build-syne":
        build_syne(sys.argv[2])
    elif len(sys.argv) == 3:
        print(json.dumps({"ours": ours, "syne": syne}[sys.argv[1]](*([] if sys.argv[1] == "ours" else [sys.argv[2]]))))
    else:
        main()
