"""Reader performance beside its peers, on each table given: nbx11-data, a numpy memmap of the same values,
a DuckDB point-query process, and Syne Tune's blackbox repository where it is installed.

Every side runs in its own subprocess (its own imports and peak memory), ``--repeat`` times, the sides
interleaved so that they see the same machine load; figures are medians, wall and CPU time. Measured:
a cold process (start, import, open, one curve; beside it a process that only imports numpy and pyarrow.parquet,
what any reader of Parquet files in numpy pays), open + first curve, peak RSS after the first lookup, a
warm point lookup, a 10,000-curve batch (canonical strings; ``arch_index`` ints where the space has
them), a full-table SQL aggregate, and the cost of the read-time checks (page checksums on a row group
read; the sha256 of every shard when the SQL views are first made). The numpy peer holds the same
curves (the default dataset, budget and seed) as one ``(architectures, epochs)`` .npy file, memory-mapped,
and a dict from canonical string to row built before timing. Both sides look up the same strings, read from
a file (their own objects, as a user's strings would be, not the dict's keys: those skip the string compare).

Example (a schema-2 table built first, see tables/FORMAT.md):
    nbx11 build nb201 --source ../shared/data --out /tmp/format/nb201
    .venv/bin/python benchmarks/bench_reader.py /tmp/format/nb201 /tmp/format/nb101 --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_SINGLE, N_BATCH = 20_000, 10_000
FLOORS = {"open + first curve": {"nb201": 10e-3, "*": 20e-3}, "full aggregate (warm)": {"*": 0.1}}


def _start() -> tuple[float, float]:
    """The clocks at the start of a timed section; garbage collected first, and off until :func:`_stop` (as
    in ``timeit``), so that a collection of the harness's own objects is not timed."""
    gc.collect()
    gc.disable()
    return time.perf_counter(), time.process_time()


def _stop(start: tuple[float, float], per: int = 1) -> list[float]:
    """[wall, CPU] seconds since ``start``, divided by ``per``."""
    wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
    gc.enable()
    return [wall / per, cpu / per]


def _timed(fn, repeat: int = 1, per: int = 1) -> list[float]:
    """[wall, CPU] seconds of ``fn()`` divided by ``per``, medians over ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = _start()
        fn()
        runs.append(_stop(start, per))
    return np.median(runs, axis=0).tolist()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lookup(bench) -> dict:
    d = bench.defaults
    return {"dataset": d.get("dataset", bench.datasets[0]), "metric": d.get("metric", bench.metrics[0]),
            "budget": d.get("budget", max(bench.budgets)), "seed": d.get("seed")}


def prepare(folder: str, work: str) -> None:
    """The numpy peer's files: the looked-up curves as .npy, their canonical strings and the sample."""
    import warnings

    import nbx11_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bench = nbx11_data.open(folder)
    lookup = _lookup(bench)
    index = bench._ensure_index()
    rows = index.rows_of(lookup["dataset"], lookup["budget"], lookup["seed"])
    held = np.flatnonzero(rows >= 0)
    names = index.names(held)
    np.save(Path(work) / "curves.npy", bench.curves(names, **lookup))
    rng = np.random.Generator(np.random.PCG64(0))
    sample = rng.integers(0, len(names), N_SINGLE)
    enumerable = index.by_index is not None
    ints = [int(bench.space.arch_index(names[i])) for i in sample[:N_BATCH]] if enumerable else []
    (Path(work) / "keys.json").write_text(json.dumps({"names": names, "sample": sample.tolist(), "ints": ints,
                                                      "archs": [names[i] for i in sample],
                                                      "lookup": lookup,
                                                      "rows": sum(bench.store.rows(d) for d in bench.datasets)}))


def ours(folder: str, work: str) -> dict:
    import duckdb  # noqa: F401 - warm imports: we time open(), not the interpreter's imports
    import pyarrow.parquet as pq

    import nbx11_data
    import nbx11_data.readers  # noqa: F401 - module imports are the cold process's; here we time open()
    from nbx11_data.io import sha256_file

    keys = json.loads((Path(work) / "keys.json").read_text())
    lookup = keys["lookup"]
    archs, ints = keys["archs"], keys["ints"]  # strings of their own, not the names list's (as a user's)
    del keys  # the names list: the reader does not need it
    out = {}
    start = _start()
    bench = nbx11_data.open(folder)
    bench.curve(archs[0], **lookup)
    out["open + first curve"] = _stop(start)
    out["peak RSS after first lookup MB"] = [_rss_mb()] * 2
    bench.curves(archs, **lookup)  # warm: the session's caches are made
    out["point lookup (string)"] = _timed(lambda: [bench.curve(a, **lookup) for a in archs], per=len(archs))
    out["10,000 curves (strings)"] = _timed(lambda: bench.curves(archs[:N_BATCH], **lookup), 5)
    if ints:
        out["point lookup (int)"] = _timed(lambda: [bench.curve(i, **lookup) for i in ints], per=len(ints))
        out["10,000 curves (ints)"] = _timed(lambda: bench.curves(ints, **lookup), 5)
    metric = bench.metrics[0]
    query = f"SELECT dataset, budget, seed, count(*), avg({metric}), max({metric}) FROM final GROUP BY ALL"
    out["full aggregate (first)"] = _timed(lambda: bench.sql(query).fetchall())
    out["full aggregate (warm)"] = _timed(lambda: bench.sql(query).fetchall(), 7)
    shards = [bench.folder / s["path"] for s in bench.manifest["shards"]]
    out["check: sha256 of every shard (SQL, once)"] = _timed(lambda: [sha256_file(p) for p in shards], 3)
    for verify in (True, False):
        def read(verify=verify):
            file = pq.ParquetFile(shards[0], memory_map=True, page_checksum_verification=verify)
            file.read_row_group(0, [lookup["metric"]], use_threads=False)
        out[f"check: footer + row group, checksums {'on' if verify else 'off'}"] = _timed(read, 15)
    out["peak RSS MB"] = [_rss_mb()] * 2
    return out


def memmap(folder: str, work: str) -> dict:
    keys = json.loads((Path(work) / "keys.json").read_text())
    names = keys["names"]
    out = {}
    start = _start()
    curves = np.load(Path(work) / "curves.npy", mmap_mode="r")
    row_of = {name: row for row, name in enumerate(names)}
    np.array(curves[row_of[names[keys["sample"][0]]]])
    out["open + first curve"] = _stop(start)
    out["peak RSS after first lookup MB"] = [_rss_mb()] * 2
    archs = keys["archs"]  # strings of their own, not the names list's objects (as a user's would be)
    curves[np.sort([row_of[a] for a in archs])]  # warm the pages, as the reader's session is warm
    out["point lookup (string)"] = _timed(lambda: [np.array(curves[row_of[a]]) for a in archs], per=len(archs))
    out["10,000 curves (strings)"] = _timed(lambda: curves[[row_of[a] for a in archs[:N_BATCH]]], 5)
    if keys["ints"]:
        rows = [row_of[a] for a in archs[:N_BATCH]]  # arch_index -> row: the rows themselves, for numpy
        out["point lookup (int)"] = _timed(lambda: [np.array(curves[r]) for r in rows], per=len(rows))
        out["10,000 curves (ints)"] = _timed(lambda: curves[rows], 5)
    out["peak RSS MB"] = [_rss_mb()] * 2
    return out


_COLD = {
    "nbx11": "import nbx11_data; b = nbx11_data.open({folder!r}); b.curve({arch!r}, **{lookup!r})",
    "numpy memmap": "import numpy as np; c = np.load({npy!r}, mmap_mode='r'); np.array(c[{row}])",
    "imports alone (numpy, pyarrow.parquet)": "import numpy, pyarrow.parquet",  # the floor of any Parquet reader here
    "duckdb point query": ("import duckdb; duckdb.sql(\"SELECT {metric} FROM read_parquet('{folder}/data/*.parquet')"
                           " WHERE arch = '{arch}' AND budget = {budget} AND {seed_sql}"
                           " AND dataset = '{dataset}'\").fetchall()"),
}


def cold(side: str, folder: str, work: str) -> list[float]:
    """Wall and CPU seconds of a whole new process: start, import, open, one curve."""
    keys = json.loads((Path(work) / "keys.json").read_text())
    lookup, row = keys["lookup"], keys["sample"][0]
    seed_sql = "seed IS NULL" if lookup["seed"] is None else f"seed = {lookup['seed']}"
    code = _COLD[side].format(folder=folder, arch=keys["names"][row], lookup=lookup, npy=str(Path(work) / "curves.npy"),
                              row=row, seed_sql=seed_sql, **lookup)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime]


def _child(side: str, folder: str, work: str) -> dict:
    out = subprocess.run([sys.executable, "-W", "ignore", __file__, side, folder, work], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


def run_table(folder: str, repeat: int) -> tuple[dict, int]:
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, "-W", "ignore", __file__, "prepare", folder, work], check=True)
        rows = json.loads((Path(work) / "keys.json").read_text())["rows"]
        runs: dict[str, list] = {"nbx11": [], "numpy memmap": [], **{f"cold {side}": [] for side in _COLD}}
        for _ in range(repeat):  # interleaved
            runs["nbx11"].append(_child("ours", folder, work))
            runs["numpy memmap"].append(_child("memmap", folder, work))
            for side in _COLD:
                runs[f"cold {side}"].append({"cold process": cold(side, folder, work)})
    medians = {side: {k: np.median([r[k] for r in results], axis=0).tolist() for k in results[0]}
               for side, results in runs.items()}
    return medians, rows


def _cell(values, key: str) -> str:
    if values is None:
        return ""
    if key.endswith("MB"):
        return f"{values[0]:9.1f}"
    unit, suffix = (1e6, " us") if key.startswith("point") else (1e3, " ms")
    return f"{values[0] * unit:9.3f} ({values[1] * unit:8.3f}){suffix}"


def report(name: str, rows: int, medians: dict, repeat: int) -> None:
    ours_, peer = medians["nbx11"], medians["numpy memmap"]
    print(f"\n{name}: {rows:,} rows; medians of {repeat} interleaved runs; wall (CPU)")
    print(f"{'measure':44s} {'nbx11-data':>27s} {'numpy memmap':>27s} {'ratio':>7s} {'floor':>10s}")
    for key in ours_:
        ratio = ours_[key][0] / peer[key][0] if key in peer and not key.endswith("MB") else float("nan")
        floors = FLOORS.get(key, {})
        floor = floors.get(name, floors.get("*"))
        verdict = "" if floor is None else (" ok" if ours_[key][0] <= floor else " MISSED")
        floor_text = "" if floor is None else f"{floor * 1e3:g} ms"
        print(f"{key:44s} {_cell(ours_[key], key):>27s} {_cell(peer.get(key), key):>27s} {ratio:7.2f}"
              f" {floor_text:>10s}{verdict}")
    cold_ = {side: medians[f"cold {side}"]["cold process"] for side in _COLD}
    print("cold process (start, import, open, one curve): " + ", ".join(
        f"{side} {v[0] * 1e3:.0f} ms ({v[1] * 1e3:.0f} ms CPU)" for side, v in cold_.items()))
    print(f"  nbx11 / duckdb {cold_['nbx11'][0] / cold_['duckdb point query'][0]:.2f} (floor <= 1),"
          f" nbx11 / numpy {cold_['nbx11'][0] / cold_['numpy memmap'][0]:.2f} (floor <= 2);"
          f" the imports of numpy and pyarrow.parquet alone / duckdb"
          f" {cold_['imports alone (numpy, pyarrow.parquet)'][0] / cold_['duckdb point query'][0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+", help="schema-2 table folders (e.g. nb201 and the full NB101 build)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved runs of each side (medians reported)")
    args = parser.parse_args()
    # Every side imports compiled modules, as after a pip install (numpy, pyarrow and duckdb ship theirs):
    # bytecode for this checkout's modules goes to a scratch folder, written by the first child.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", tempfile.mkdtemp(prefix="bench-reader-pycache-"))
    try:
        import syne_tune  # noqa: F401
        print("Syne Tune is installed; its blackbox comparison is in the history of this script (nb201 only)")
    except ImportError:
        print("Syne Tune is not installed: its column is left out")
    scaling = []
    for folder in args.tables:
        medians, rows = run_table(folder, args.repeat)
        name = json.loads((Path(folder) / "manifest.json").read_text())["name"]
        report(name if rows < 1_000_000 else name + " (full)", rows, medians, args.repeat)
        scaling.append((name, rows, medians))
    print(f"\nscaling (wall): {'table':18s} {'rows':>10s} {'open+first':>11s} {'RSS MB':>7s} {'aggregate':>10s}"
          f" {'cold':>8s}")
    for name, rows, medians in scaling:
        ours_ = medians["nbx11"]
        print(f"{'':16s}{name:18s} {rows:10,d} {ours_['open + first curve'][0] * 1e3:8.2f} ms"
              f" {ours_['peak RSS after first lookup MB'][0]:7.1f} {ours_['full aggregate (warm)'][0] * 1e3:7.2f} ms"
              f" {medians['cold nbx11']['cold process'][0] * 1e3:5.0f} ms")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("prepare", "ours", "memmap"):
        result = {"prepare": prepare, "ours": ours, "memmap": memmap}[sys.argv[1]](sys.argv[2], sys.argv[3])
        if result is not None:
            print(json.dumps(result))
    else:
        main()
