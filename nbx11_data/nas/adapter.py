"""Turn a benchmark table (``tables/<name>/``, see tables/FORMAT.md) into a :class:`CurvePool`.

One dataset, one budget (the largest), one seed (default: the noiseless mean rows, ``seed`` NULL, else
the lowest seed present): the validation and test curves are the table's curve columns with unit ``%``
and direction ``max`` (``valid_acc``-like and ``test_acc``-like names, or given), the epoch runtimes a
curve column in seconds (``*time*``; cumulative times are differenced). Architectures with an
incomplete curve are left out (and counted). Reads the Parquet shards in one batch with pyarrow, so a
pool of tens of thousands of architectures loads in about a second.

Example:
    pool, source = pool_from_table("nb311-yahpo")
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError, NBX11Error, UnknownNameError
from nbx11_data.nas.objective import CurvePool


def pool_from_table(name: str, root=None, dataset: str | None = None, seed: int | None = None,
                    val_metric: str | None = None, test_metric: str | None = None,
                    time_metric: str | None = None) -> tuple[CurvePool, str]:
    """(pool, provenance string) for benchmark ``name``."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from nbx11_data.readers.paths import available, default_root

    folder = Path(root) if root is not None else default_root()
    if name not in available(folder):
        raise UnknownNameError("benchmark", name, available(folder))
    manifest = json.loads((folder / name / "manifest.json").read_text())
    shards = [str(folder / name / shard["path"]) for shard in manifest["shards"]]
    data = ds.dataset(shards, format="parquet", partitioning=ds.partitioning(flavor="hive"),
                      partition_base_dir=str(folder / name))
    meta = json.loads(data.schema.metadata[b"nbx11"]) if data.schema.metadata and b"nbx11" in data.schema.metadata else {}
    columns = {c["name"]: c for c in meta.get("columns", [])}
    datasets = sorted({p["partition"]["dataset"] for p in manifest["shards"]})
    dataset = dataset or meta.get("defaults", {}).get("dataset") or datasets[0]
    if dataset not in datasets:
        raise UnknownNameError("dataset", dataset, datasets)
    curves = [n for n, c in columns.items() if c.get("kind") == "curve"]
    val_metric = val_metric or _pick(curves, columns, ("valid_acc", "val_acc", "val_score", "valid"), "validation")
    if test_metric is None:  # tables without a test curve (nbnlp11: val_score only) report validation twice
        has_test = [c for c in curves if "test" in c and columns[c].get("direction") == "max"]
        test_metric = _pick(curves, columns, ("test_acc", "test"), "test accuracy") if has_test else val_metric
    time_metric = time_metric or _pick(curves, columns, ("time",), "epoch runtime", unit="s")
    table = data.to_table(columns=sorted({"arch", "seed", "budget", val_metric, test_metric, time_metric}),
                          filter=ds.field("dataset") == dataset)
    budget = pc.max(table["budget"]).as_py()
    table = table.filter(pc.equal(table["budget"], budget))
    seeds = table["seed"]
    if seed is None and seeds.null_count:
        table = table.filter(pc.is_null(seeds))
    else:
        chosen = seed if seed is not None else pc.min(seeds).as_py()
        table = table.filter(pc.equal(seeds, chosen))
    if table.num_rows == 0:
        raise NBX11Error(f"{name}/{dataset}: no rows for budget {budget} and seed {seed}")
    val, test, times = (_matrix(table[c]) for c in (val_metric, test_metric, time_metric))
    if np.all(np.nan_to_num(np.diff(times, axis=1), nan=0.0) >= 0) and times.shape[1] > 1:
        times = np.diff(times, axis=1, prepend=0.0)  # cumulative seconds -> seconds per epoch
    complete = np.all(np.isfinite(val) & np.isfinite(test) & np.isfinite(times) & (times > 0), axis=1)
    if complete.sum() < 2:
        raise NBX11Error(f"{name}/{dataset}: fewer than 2 architectures have complete curves")
    space = spaces.get(manifest["space"])
    for i, arch in zip(np.flatnonzero(complete), np.array(table["arch"].to_pylist(), dtype=object)[complete]):
        try:  # e.g. NLP cells larger than x11's encoding allows: left out, and counted below
            space.encode([arch])
        except InvalidArchitectureError:
            complete[i] = False
    archs = [a for a, keep in zip(table["arch"].to_pylist(), complete) if keep]
    pool = CurvePool(archs, space.encode(archs), val[complete], test[complete], times[complete], name=name)
    source = (f"{name} ({dataset}, budget {budget}, seed {'mean' if seed is None else seed};"
              f" {val_metric}/{test_metric}/{time_metric}; {int(complete.sum())} of {len(complete)} archs"
              f" complete and encodable; code_version {manifest.get('code_version', '?')})")
    return pool, source


def _pick(curves, columns, hints, what, unit=None) -> str:
    for hint in hints:
        for name in curves:
            if hint in name and (unit is None or columns[name].get("unit") == unit):
                return name
    raise NBX11Error(f"no curve column for {what} (hints {hints}); curve columns: {', '.join(curves)}")


def _matrix(column) -> np.ndarray:
    """A fixed_size_list<float> column as a float64 (rows, E) matrix."""
    column = column.combine_chunks()
    width = column.type.list_size
    return np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float64).reshape(-1, width)
