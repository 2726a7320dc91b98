"""Compute work units on an existing Dask cluster; the units come back to the client, which stores them.

A worker plugin carries the checkpoint's files (a few MB, verified against ``checkpoint.json``
on each worker) and loads the ensemble once per worker. Each missing unit is one task
(``retries`` on failure; a lost worker's tasks are rerun elsewhere by Dask); it returns the
unit's Arrow IPC bytes, and the client checks their schema and row count and stores them
atomically in its own work folder. So the workers need no shared file system and never touch
``--out`` or the work folder; a stopped build resumes from the units the client stored. Workers
run one unit at a time (``--nthreads 1`` and more processes per machine use the cores best),
and need the same versions of nbx11-data, numpy, pyarrow and lightgbm as the client (checked).

Example:
    >>> for rows in compute("tcp://127.0.0.1:8786", plan, layout, [0, 1], ck, work, [0, 1]):  # doctest: +SKIP
    ...     print(rows)
    12
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from importlib import metadata
from pathlib import Path

from nbx11_data.builder.tables.execute import WorkerLostError, unit_rows
from nbx11_data.builder.tables.plan import Entry, Plan
from nbx11_data.builder.tables.units import Layout, parse_unit, unit_bytes, unit_path, unit_table
from nbx11_data.errors import MissingDependencyError
from nbx11_data.io import atomic_write_bytes
from nbx11_data.surrogate import checkpoint as ck_format

try:
    from distributed import Client, WorkerPlugin, as_completed
except ImportError:
    raise MissingDependencyError("nbx11 build --scheduler needs dask.distributed:"
                                 " pip install 'nbx11-data[dask]'") from None

RETRIES = 3
CONNECT_TIMEOUT_S = 30
_PACKAGES = ("nbx11-data", "numpy", "pyarrow", "lightgbm")
_LOADED: dict[str, tuple] = {}  # plugin name -> (ensemble, layout, seeds, lock), in each worker process


def compute(scheduler: str, plan: Plan, layout: Layout, seeds: list[int], checkpoint: Path, work: Path,
            todo: list[int]):
    """Yield the row count of each unit of ``todo`` as it is stored in ``work``."""
    if not todo:
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError, TypeError) as err:
        raise WorkerLostError(f"cannot reach the Dask scheduler {scheduler!r} ({err}); give its address as"
                              " tcp://HOST:PORT, as `dask scheduler` prints it") from None
    with client:
        plugin = CheckpointPlugin(checkpoint, layout, seeds)
        client.register_plugin(plugin)
        try:
            futures = {client.submit(_unit, plugin.name, u, plan.unit(u), key=f"nbx11-unit-{plan.key[:16]}-{u}",
                                     retries=RETRIES, pure=False): u for u in todo}
            for future in as_completed(futures, loop=client.loop):
                u = futures[future]
                try:
                    data = future.result()
                except Exception as err:  # the task's own error, after its retries
                    raise WorkerLostError(f"work unit {u} failed on the cluster after {RETRIES} retries:"
                                          f" {type(err).__name__}: {err}") from None
                table = parse_unit(data, layout.schema, f"work unit {u} from the cluster")
                if table.num_rows != unit_rows(plan, u, len(seeds)):
                    raise WorkerLostError(f"work unit {u} from the cluster has {table.num_rows} rows, the plan"
                                          f" {unit_rows(plan, u, len(seeds))}")
                atomic_write_bytes(unit_path(work, u), data)
                future.release()
                yield table.num_rows
        finally:
            client.unregister_worker_plugin(plugin.name)


class CheckpointPlugin(WorkerPlugin):
    """Dask worker plugin: writes the checkpoint's files on the worker, verifies and loads them once."""

    def __init__(self, checkpoint: Path, layout: Layout, seeds: list[int]) -> None:
        checkpoint = Path(checkpoint)
        meta = ck_format.read(checkpoint).meta
        names = [ck_format.MANIFEST, *meta["files"]]
        self.files = {rel: (checkpoint / rel).read_bytes() for rel in names}
        digest = hashlib.sha256(self.files[ck_format.MANIFEST])
        digest.update(layout.schema.serialize().to_pybytes() + repr(seeds).encode())
        self.name = f"nbx11-build-{digest.hexdigest()[:16]}"
        self.checkpoint_name = checkpoint.name
        self.layout, self.seeds = layout, list(seeds)
        self.versions = _versions()

    def setup(self, worker) -> None:
        from nbx11_data.surrogate import load_ensemble

        if _versions() != self.versions:
            raise WorkerLostError(f"worker {worker.address} has {_versions()}, the client {self.versions}: the"
                                  " units would differ from a local build; install the same versions")
        folder = Path(tempfile.mkdtemp(dir=worker.local_directory, prefix=f"{self.name}-")) / self.checkpoint_name
        for rel, data in self.files.items():
            atomic_write_bytes(folder / rel, data)
        _LOADED[self.name] = (load_ensemble(folder), self.layout, self.seeds, threading.Lock())

    def teardown(self, worker) -> None:
        _LOADED.pop(self.name, None)


def _unit(name: str, u: int, entries: list[Entry]) -> bytes:
    """The task: unit ``u``'s stored bytes, computed with the worker's loaded checkpoint."""
    if name not in _LOADED:
        raise WorkerLostError(f"this worker has not loaded the checkpoint of {name} (its plugin setup failed)")
    ensemble, layout, seeds, lock = _LOADED[name]
    with lock:  # one unit at a time per worker: each unit's prediction uses the process's threads itself
        return unit_bytes(unit_table(ensemble, layout, entries, seeds))


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in _PACKAGES}
