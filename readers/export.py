"""Spreadsheet-sized exports of a benchmark, for teaching.

- :func:`finals_wide`: one row per architecture; for each dataset the final
  value of each chosen metric (mean over seeds), where the values come from
  (``<dataset>.source``) and the cost columns. Opens in any spreadsheet
  (15,625 rows for NB201).
- :func:`curves_long`: one row per (architecture, dataset, seed, epoch) of
  the architectures asked for, with its ``source`` and one column per metric:
  ready for a pivot table or a line chart.

``source`` is the table's own: ``measured`` or ``surrogate:<checkpoint-id>`` (a
prediction); an architecture whose rows differ lists them joined by ``+``.
Metrics may be named by any of their names (:mod:`nbx11_data.vocabulary`).

Example:
    >>> import nbx11_data
    >>> bench = nbx11_data.open("nb201")
    >>> wide = finals_wide(bench, metrics=["valid_accuracy"], datasets=["cifar10-valid"])
    >>> list(wide.columns[:5]), len(wide)
    (['arch_index', 'arch_id', 'arch', 'cifar10-valid.seeds', 'cifar10-valid.source'], 15625)
"""

from __future__ import annotations

import re
from pathlib import Path

from nbx11_data.errors import ArchitectureNotFoundError, UnknownNameError
from nbx11_data.io import atomic_write_bytes, atomic_write_text

FORMATS = ("csv", "parquet")
_ARCH_ID = re.compile(r"[0-9a-f]{32}")
#: the stored source of a row (the reader's views label stored predictions ``table:<id>``)
_SOURCE = "CASE WHEN source LIKE 'table:%' THEN 'surrogate:' || source[7:] ELSE source END"


def finals_wide(bench, metrics=None, datasets=None, budget=None):
    """A pandas DataFrame: identity, then ``<dataset>.seeds``, ``<dataset>.<metric>``..., ``<dataset>.<cost>``.

    Metrics default to those measured in percent (accuracies); the value is the
    mean over seeds of the final value at ``budget`` (default: the benchmark's
    default budget), or the stored mean row where no per-seed rows exist.
    """
    metrics = _metrics(bench, metrics, [m for m in bench.metrics if bench.columns[m].get("unit") == "%"]
                       or bench.metrics[:1])
    datasets = _pick(datasets, bench.datasets, bench.datasets, "dataset")
    budget = _budget(bench, budget)
    means = ", ".join(f"coalesce(avg({m}) FILTER (WHERE seed IS NOT NULL), avg({m}) FILTER (WHERE seed IS NULL))"
                      f" AS \"{m}\"" for m in metrics)
    costs = "".join(f", any_value({c}) AS \"{c}\"" for c in bench.costs)
    names = ", ".join("?" for _ in datasets)
    long = bench.sql(
        f"SELECT arch_index, arch_id, arch, dataset, count(seed) AS seeds,"
        f" string_agg(DISTINCT {_SOURCE}, '+' ORDER BY {_SOURCE}) AS source, {means}{costs} FROM final"
        f" WHERE budget = ? AND dataset IN ({names}) GROUP BY arch_index, arch_id, arch, dataset",
        params=[budget, *datasets]).df()
    wide = long.pivot(index=["arch_index", "arch_id", "arch"], columns="dataset",
                      values=["seeds", "source", *metrics, *bench.costs])
    order = [(value, d) for d in datasets for value in ["seeds", "source", *metrics, *bench.costs]]
    wide = wide.reindex(columns=order)
    wide.columns = [f"{d}.{value}" for value, d in wide.columns]
    wide = wide.reset_index().infer_objects()  # the source strings made the pivot an object frame.sort_values(["arch_index", "arch_id"], kind="stable", ignore_index=True)
    for d in datasets:
        wide[f"{d}.seeds"] = wide[f"{d}.seeds"].fillna(0).astype("int32")
    return wide


def curves_long(bench, archs, metrics=None, datasets=None, budget=None):
    """A pandas DataFrame with one row per (arch, dataset, seed, epoch) of ``archs``, one column per metric.

    Epochs where none of the metrics was measured (all NaN) are left out.
    """
    metrics = _metrics(bench, metrics, bench.metrics)
    datasets = _pick(datasets, bench.datasets, bench.datasets, "dataset")
    budget = _budget(bench, budget)
    ids = list(identities(bench, archs)["arch_id"])
    names = ", ".join("?" for _ in datasets)
    columns = ", ".join(f'"{m}"' for m in metrics)
    measured = " OR ".join(f'NOT isnan("{m}")' for m in metrics)
    return bench.sql(
        f"SELECT arch_index, arch_id, arch, dataset, budget, seed, {_SOURCE} AS source, epoch, {columns}"
        " FROM curves_long"
        f" WHERE budget = ? AND dataset IN ({names}) AND arch_id IN ({', '.join('?' for _ in ids)})"
        f" AND ({measured})"
        " ORDER BY arch_index, arch_id, dataset, seed NULLS FIRST, epoch",
        params=[budget, *datasets, *ids]).df()


def identities(bench, archs):
    """``arch_index, arch_id, arch`` of ``archs`` (strings, arch_ids, indices), in the order given.

    Raises :class:`ArchitectureNotFoundError` for the first one the table lacks.
    """
    archs = list(archs)
    if not archs:
        raise ValueError("give at least one architecture")
    ids = [a if isinstance(a, str) and _ARCH_ID.fullmatch(a) else bench.space.arch_id(a) for a in archs]
    marks = ", ".join("?" for _ in ids)
    found = bench.sql(f"SELECT DISTINCT arch_index, arch_id, arch FROM final WHERE arch_id IN ({marks})",
                      params=ids).df().drop_duplicates("arch_id").set_index("arch_id", drop=False)
    missing = [a for a, arch_id in zip(archs, ids) if arch_id not in found.index]
    if missing:
        raise ArchitectureNotFoundError(f"{bench.name}: architecture {missing[0]!r} is not in the table")
    return found.loc[list(dict.fromkeys(ids))].reset_index(drop=True)


def write(frame, path: str | Path, to: str) -> Path:
    """Write ``frame`` atomically as CSV (6 significant digits, empty = not measured) or Parquet."""
    if to not in FORMATS:
        raise UnknownNameError("export format", to, FORMATS)
    path = Path(path)
    if to == "csv":
        atomic_write_text(path, frame.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    else:
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False, compression="zstd")
        atomic_write_bytes(path, buffer.getvalue())
    return path


def _pick(chosen, default, allowed, kind: str) -> list[str]:
    chosen = list(default if chosen is None else chosen)
    for name in chosen:
        if name not in allowed:
            raise UnknownNameError(kind, name, allowed)
    return chosen


def _metrics(bench, chosen, default) -> list[str]:
    """The table's names of the ``chosen`` metrics (any of their names; ``default`` if None)."""
    return list(default) if chosen is None else [bench._metric(m) for m in chosen]


def _budget(bench, budget) -> int:
    budget = bench.defaults.get("budget", max(bench.budgets)) if budget is None else int(budget)
    if budget not in bench.budgets:
        raise UnknownNameError("budget", budget, bench.budgets)
    return budget
