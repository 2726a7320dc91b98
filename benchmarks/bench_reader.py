"""Reader performance on nb201, side by side with Syne Tune's blackbox repository (same data, same run).

Each side runs in its own subprocess (so peak memory is its own), ``--repeat`` times in turn; the
figures are medians over those runs: open, first lookup (builds the lazy index and reads one curve
column), one-curve lookup, a batch of 10,000 curves (canonical strings; for nbx11 also ``arch_index``
ints), a full-table aggregate, peak RSS. Both sides import their libraries (pandas, pyarrow, duckdb)
before timing. Syne
Tune's ``BlackboxTabular`` is built from the same nb201 rows (200-epoch budget, cifar10-valid,
3 seeds, objectives valid_acc and train_time), written with its ``serialize`` and read with its
``deserialize``, the way its repository stores blackboxes.

Needs the ``bench`` extra (``pip install -e .[bench]``).

Example:
    .venv/bin/python benchmarks/bench_reader.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

N_SINGLE, N_BATCH, DATASET = 20_000, 10_000, "cifar10-valid"


def _timed(fn, repeat: int = 1, per: int = 1) -> list[float]:
    """[wall, CPU] seconds of ``fn()`` divided by ``per``, medians over ``repeat`` calls. CPU time (all
    threads of the process) is what the work costs; wall time also counts waiting for a busy machine."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - wall) / per)
        cpus.append((time.process_time() - cpu) / per)
    return [float(np.median(walls)), float(np.median(cpus))]


def ours() -> dict:
    import duckdb  # noqa: F401 - warm imports: we time open(), not the interpreter's imports
    import pandas  # noqa: F401 - pyarrow imports it on first use; Syne Tune's side has it imported too
    import pyarrow.parquet  # noqa: F401

    import nbx11_data
    from nbx11_data.spaces import nb201

    out = {}
    out["open"] = _timed(lambda: out.setdefault("bench", nbx11_data.open("nb201")))
    bench = out.pop("bench")
    lookup = {"dataset": DATASET, "metric": "valid_acc", "seed": 777, "budget": 200}
    out["first lookup (builds index)"] = _timed(lambda: bench.curve(0, **lookup))
    rng = np.random.Generator(np.random.PCG64(0))
    archs = [nb201.format(int(i)) for i in rng.integers(0, nb201.SIZE, N_SINGLE)]
    out["one curve"] = _timed(lambda: [bench.curve(arch, **lookup) for arch in archs], per=len(archs))
    batch = archs[:N_BATCH]
    out["10,000 curves"] = _timed(lambda: bench.curves(batch, **lookup), 7)
    indices = rng.integers(0, nb201.SIZE, N_BATCH).tolist()
    out["10,000 curves (arch_index ints)"] = _timed(lambda: bench.curves(indices, **lookup), 7)
    query = ("SELECT dataset, budget, seed, count(*), avg(valid_acc), max(valid_acc), avg(train_time)"
             " FROM final GROUP BY ALL")
    out["full aggregate (first)"] = _timed(lambda: bench.sql(query).fetchall())
    out["full aggregate"] = _timed(lambda: bench.sql(query).fetchall(), 7)
    out["peak RSS MB"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024] * 2
    return out


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

    out = {}
    out["open"] = _timed(lambda: out.setdefault("blackbox", deserialize(path)[DATASET]))
    blackbox = out.pop("blackbox")
    names = [f"hp_x{e}" for e in range(nb201.N_EDGES)]
    rng = np.random.Generator(np.random.PCG64(0))
    configs = [dict(zip(names, nb201.from_code(int(i)).ops)) for i in rng.integers(0, nb201.SIZE, N_BATCH)]
    out["first lookup (builds index)"] = _timed(lambda: blackbox.objective_function(configs[0], seed=0))
    out["one curve"] = _timed(lambda: [blackbox.objective_function(c, seed=0) for c in configs[:2000]], per=2000)
    out["10,000 curves"] = _timed(lambda: [blackbox.objective_function(c, seed=0) for c in configs])
    evaluations = blackbox.objectives_evaluations
    out["full aggregate"] = _timed(lambda: (np.nanmean(evaluations[:, :, -1, 0], axis=0),
                                            np.nanmax(evaluations[:, :, -1, 0], axis=0)), 7)
    out["peak RSS MB"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024] * 2
    return out


def _child(side: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, side, path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians are reported)")
    repeat = parser.parse_args().repeat
    runs = {"ours": [], "syne": []}
    with tempfile.TemporaryDirectory() as path:
        subprocess.run([sys.executable, __file__, "build-syne", path], check=True)
        for _ in range(repeat):  # interleaved, so that both sides see the same machine load
            runs["ours"].append(_child("ours", path))
            runs["syne"].append(_child("syne", path))
    a, b = ({k: np.median([r[k] for r in side], axis=0) for k in side[0]} for side in runs.values())
    floors = {"open": 0.1, "one curve": 10e-6, "10,000 curves": 10e-3, "full aggregate": 0.1}
    print(f"nb201 ({DATASET} lookups; aggregate over all 165,138 rows for nbx11, numpy over the cube for Syne Tune);"
          f" medians of {repeat} runs; wall (CPU) time")
    print(f"{'measure':32s} {'nbx11-data':>24s} {'Syne Tune':>24s} {'speed-up':>9s} {'floor':>8s}")
    for key in a:
        unit = {"peak RSS MB": 1, "one curve": 1e6}.get(key, 1e3)
        suffix = {1e3: " ms", 1e6: " us", 1: ""}[unit]
        theirs = b.get(key, b["10,000 curves"] if key.startswith("10,000") else [float("nan")] * 2)
        ratio = theirs[0] / a[key][0] if key != "peak RSS MB" else float("nan")
        floor = f"{floors[key] * unit:g}{suffix}" if key in floors else ""
        ok = "" if key not in floors else (" ok" if a[key][0] <= floors[key] else " MISSED")
        cells = [f"{side[0] * unit:9.3f} ({side[1] * unit:9.3f}){suffix}" for side in (a[key], theirs)]
        print(f"{key:32s} {cells[0]:>24s} {cells[1]:>24s} {ratio:8.1f}x {floor:>8s}{ok}")

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "build-syne":
        build_syne(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] in ("ours", "syne"):
        print(json.dumps({"ours": ours, "syne": syne}[sys.argv[1]](*([] if sys.argv[1] == "ours" else [sys.argv[2]]))))
    else:
        main()
