"""Compute a plan's missing work units: in this process, in ``--jobs`` local processes, or on a Dask cluster.

Every way stores each unit atomically in the work folder and skips the units already there, so a
plan gives the same unit files whichever way computed them, and a stopped build resumes. Local
worker processes watch their parent and exit as soon as it dies (kill -9 included), before they
store another unit; the Dask way is in :mod:`.dask_runner`.

Example:
    >>> stats = build_units(plan, layout, [0, 1], checkpoint, work, jobs=2)  # doctest: +SKIP
    >>> stats["units"], stats["jobs"]  # doctest: +SKIP
    (3, 2)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path

from nbx11_data.builder.tables.plan import Entry, Plan
from nbx11_data.builder.tables.units import Layout, unit_bytes, unit_path, unit_table, write_unit
from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.io import atomic_write_bytes, sha256_file
from nbx11_data.surrogate import checkpoint as ck_format


class WorkerLostError(NBX11Error, RuntimeError):
    """A worker process or a cluster task failed for good; the units stored so far are kept."""


def build_units(plan: Plan, layout: Layout, seeds: list[int], checkpoint: Path, work: Path, shard=None,
                jobs: int = 1, progress: bool = True, scheduler: str | None = None) -> dict:
    """Compute and store every missing unit (of ``shard`` = (i, N) if given); return throughput figures.

    ``scheduler``: the address of a Dask scheduler whose workers compute the units (``jobs`` unused).
    """
    from tqdm import tqdm

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UnknownNameError("--jobs", jobs, ["an int >= 1"])
    if scheduler is not None and not scheduler.strip():  # an empty address would start a private cluster
        raise UnknownNameError("--scheduler", scheduler, ["a scheduler address such as tcp://HOST:8786"])
    if scheduler is not None and jobs != 1:
        raise UnknownNameError("combination of options", "--jobs with --scheduler",
                               ["--jobs N (local processes)", "--scheduler ADDRESS (the cluster's workers)"])
    work.mkdir(parents=True, exist_ok=True)
    mine = range(plan.units) if shard is None else range(shard[0], plan.units, shard[1])
    todo = [u for u in mine if not unit_path(work, u).is_file()]
    rows = sum(unit_rows(plan, u, len(seeds)) for u in todo)
    started = time.perf_counter()
    bar = tqdm(total=rows * len(layout.metrics), unit="curve", unit_scale=True, smoothing=0.1, file=sys.stderr,
               disable=not progress or not todo, desc=layout.name)
    args = (str(checkpoint), layout, seeds, str(work))
    if scheduler is not None:
        from nbx11_data.builder.tables import dask_runner

        done = dask_runner.compute(scheduler, plan, layout, seeds, checkpoint, work, todo)
    elif jobs == 1 or len(todo) <= 1:
        builder = UnitBuilder(*args)
        done = (builder(u, plan.unit(u)) for u in todo)
    else:
        done = _pool(min(jobs, len(todo)), args, plan, todo)
    for count in done:
        bar.update(count * len(layout.metrics))
    bar.close()
    seconds = time.perf_counter() - started
    return {"units": len(todo), "rows": rows, "curves": rows * len(layout.metrics), "seconds": seconds,
            "jobs": jobs, "scheduler": scheduler, "peak_rss_mb": _peak_rss_mb()}


def unit_rows(plan: Plan, u: int, seeds: int) -> int:
    """Rows of unit ``u``: per architecture its mean, then one per seed (predicted) or per run (measured)."""
    return sum(1 + (seeds if e.runs is None else len(next(iter(e.runs.values())))) for e in plan.unit(u))


class UnitBuilder:
    """Computes and stores one unit at a time with a loaded checkpoint."""

    def __init__(self, checkpoint: str, layout: Layout, seeds: list[int], work: str) -> None:
        self.ensemble = load_ensemble_once(checkpoint, sha256_file(Path(checkpoint) / ck_format.MANIFEST))
        self.layout, self.seeds, self.work = layout, seeds, Path(work)

    def __call__(self, u: int, entries: list[Entry]) -> int:
        table = unit_table(self.ensemble, self.layout, entries, self.seeds)
        write_unit(self.work, u, table)
        return table.num_rows


@lru_cache(maxsize=2)
def load_ensemble_once(folder: str, manifest_sha256: str):
    """The loaded checkpoint, kept for the next build in this process (keyed by its checkpoint.json hash)."""
    from nbx11_data.surrogate import load_ensemble

    return load_ensemble(folder)


def _pool(jobs: int, args: tuple, plan: Plan, todo: list[int]):
    """Rows of each unit as ``jobs`` spawned processes store them; they exit when this process dies."""
    context = multiprocessing.get_context("spawn")  # no fork after LightGBM's OpenMP started
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=args) as pool:
            yield from pool.map(_worker_unit, todo, [plan.unit(u) for u in todo])
    except BrokenProcessPool as err:
        raise WorkerLostError(f"a build worker process died ({err}); the units stored so far are kept: run the"
                               " build again to resume (with fewer --jobs if memory ran out)") from None


_WORKER: list[UnitBuilder] = []


def _init_worker(*args) -> None:
    parent = multiprocessing.parent_process()
    threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True, name="nbx11-parent").start()
    _WORKER.append(UnitBuilder(*args))


def _exit_with(sentinel) -> None:
    """Wait until the parent process has gone (its end of the pipe closes), then end this worker at once."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _worker_unit(u: int, entries: list[Entry]) -> int:
    builder = _WORKER[0]
    table = unit_table(builder.ensemble, builder.layout, entries, builder.seeds)
    data = unit_bytes(table)
    if multiprocessing.connection.wait([multiprocessing.parent_process().sentinel], timeout=0):
        os._exit(1)  # the parent died while this unit was computed: store nothing
    atomic_write_bytes(unit_path(builder.work, u), data)
    return table.num_rows


def _peak_rss_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main": round(own, 1), "largest_worker": round(children, 1)}
