"""Run many seeded trials of an optimizer (in parallel on local cores) and keep the results as Parquet.

One row per incumbent change per trial: ``benchmark``, ``optimizer``, ``trial``, ``seed``, ``curve_seed``,
``time`` (simulated seconds), ``arch``, ``val_acc``, ``test_acc`` (the table's units, at full fidelity),
``val_regret``, ``test_regret`` (below the best of the table's architectures at that curve seed; negative
when a search found better outside the table), ``val_error``, ``test_error`` (``100 - value``: the error in
%, or the loss for a score of 100 - loss), ``error_unit``, ``reported`` (``val_regret`` where the pool is the
whole space, else ``val_error``: what a summary reports), ``budget``. Trial ``t`` of a run with seed ``S`` draws
from ``SeedSequence([S, t])`` and searches ``source.pool(t)`` (a :class:`~.adapter.TableSource`) or the
same in-memory :class:`~.objective.CurvePool`, so any trial is reproducible alone and results do not
depend on ``jobs``. Workers predict fallback misses on one thread each (``NBX11_THREADS=1``, unless set):
the trials, not LightGBM, use the cores.

Example:
    >>> from nbx11_data.nas import synthetic
    >>> from nbx11_data.nas.settings import settings_for
    >>> pool = synthetic.nb201_subspace_pool()
    >>> frame = run_trials("rs", pool, settings_for("toy", pool.epochs, budget=1e5), trials=2, seed=0)
    >>> sorted(frame.trial.unique().tolist())
    [0, 1]
"""

from __future__ import annotations

import io
import json
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from nbx11_data import locations
from nbx11_data.errors import CorruptFileError, NBX11Error
from nbx11_data.io import atomic_write_bytes
from nbx11_data.nas.objective import CurvePool
from nbx11_data.nas.optimizers import run
from nbx11_data.nas.settings import Settings

_WORKER_SOURCE = None


def pool_for(source, trial: int) -> CurvePool:
    """The pool trial ``trial`` searches: ``source`` itself (a CurvePool) or ``source.pool(trial)``."""
    return source if isinstance(source, CurvePool) else source.pool(trial)


def run_trial(optimizer: str, source, settings: Settings, trial: int, seed: int) -> pd.DataFrame:
    """One trial as a DataFrame of incumbent changes."""
    pool = pool_for(source, trial)
    result = run(optimizer, pool, settings, seed=[seed, trial]).results()
    n = len(result["time"])
    curve_seed = getattr(pool, "seed", None)
    return pd.DataFrame({
        "benchmark": pool.name, "optimizer": optimizer,
        "trial": np.full(n, trial, np.int32), "seed": np.full(n, seed, np.int64),
        "curve_seed": pd.array([curve_seed] * n, dtype="Int64"),
        "time": result["time"], "arch": [pool.archs[r] for r in result["row"]],
        "val_acc": result["val_acc"], "test_acc": result["test_acc"],
        "val_regret": result["val_regret"], "test_regret": result["test_regret"],
        "val_error": result["val_error"], "test_error": result["test_error"],
        "error_unit": getattr(pool, "error_unit", "%"),
        "reported": "val_regret" if getattr(pool, "optimum_known", True) else "val_error",
        "budget": np.full(n, settings.budget),
    })


def _init_worker(source) -> None:
    global _WORKER_SOURCE
    os.environ.setdefault(locations.THREADS_ENV, "1")
    _WORKER_SOURCE = source


def _worker(args) -> pd.DataFrame:
    optimizer, settings, trial, seed = args
    return run_trial(optimizer, _WORKER_SOURCE, settings, trial, seed)


def iter_trials(optimizer: str, source, settings: Settings, trials, seed: int, jobs: int = 1):
    """Independent trials (``jobs`` worker processes), one DataFrame per trial as each finishes.

    ``trials``: a count ``N`` (trials 0..N-1) or the trial numbers to run (e.g. the ones a stopped run
    lacks); ``source``: a :class:`CurvePool` every trial searches, or a :class:`~.adapter.TableSource`.
    Trials come in completion order, not trial order (see :func:`merge_trials`).
    """
    numbers = sorted(set(range(trials) if isinstance(trials, (int, np.integer)) else trials))
    if jobs <= 1:
        for t in numbers:
            yield run_trial(optimizer, source, settings, t, seed)
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # a fresh process: no inherited threads or locks
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(source,)) as executor:
        futures = [executor.submit(_worker, (optimizer, settings, t, seed)) for t in numbers]
        for future in as_completed(futures):
            yield future.result()


def run_trials(optimizer: str, source, settings: Settings, trials, seed: int, jobs: int = 1) -> pd.DataFrame:
    """All trials of :func:`iter_trials`, concatenated in trial order."""
    return merge_trials(None, list(iter_trials(optimizer, source, settings, trials, seed, jobs)))


def _metadata(settings: Settings, source: str) -> dict:
    return {"settings": asdict(settings), "source": source}


def read_results(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """The frame and metadata (``settings``, ``source``) of a results file written by :func:`write_results`."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = (table.schema.metadata or {}).get(b"nbx11_nas")
    if meta is None:
        raise CorruptFileError(f"{path}: not an nbx11 results file (no 'nbx11_nas' metadata)")
    return table.to_pandas(), json.loads(meta)


def resume_from(path: str | Path, settings: Settings, source: str, seed: int) -> pd.DataFrame | None:
    """The trials already in ``path`` if it holds a run of the same settings, source and seed, else an error.

    ``None`` when there is no file yet. Example: ``done = resume_from(path, settings, source, 0)``, then
    run only ``set(range(30)) - set(done.trial)`` and write ``merge_trials(done, new_frames)``.
    """
    path = Path(path)
    if not path.exists():
        return None
    frame, meta = read_results(path)
    expected = json.loads(json.dumps(_metadata(settings, source)))
    for key in ("settings", "source"):
        if meta.get(key) != expected[key]:
            raise NBX11Error(f"{path}: made with other {key} ({meta.get(key)!r}, now {expected[key]!r}); "
                             "cannot resume it: remove the file or write elsewhere with --out")
    seeds = sorted(set(frame["seed"].tolist()))
    if seeds != [seed]:
        raise NBX11Error(f"{path}: made with seed(s) {seeds}, now {seed}; cannot resume it: use --seed "
                         f"{seeds[0]} or write elsewhere with --out")
    return frame


def merge_trials(done: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame:
    """``done`` and the ``new`` trial frames in trial order (rows of one trial keep their order)."""
    frames = ([] if done is None or done.empty else [done]) + list(new)
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values("trial", kind="stable").reset_index(drop=True)


def write_results(frame: pd.DataFrame, path: str | Path, settings: Settings, source: str) -> None:
    """Atomically write ``frame`` as Parquet with the settings and the pool's ``source`` in its metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = _metadata(settings, source)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"nbx11_nas": json.dumps(meta).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    atomic_write_bytes(path, buffer.getvalue())
