"""The SQL room of a benchmark: a DuckDB connection with the views ``curves``, ``curves_long`` and ``final``.

Every name taken from the manifest (columns, datasets, budgets) was checked against a strict rule when the
manifest was read (:func:`nbx11_data.manifest.validate`) and is quoted here; paths are string literals.
DuckDB does not verify Parquet page checksums, so the shard files are checked against the manifest's
sha256 once, when the connection is made. ``sandbox=True`` makes a connection that reads the shards and
nothing else: no other file, no write, no ``ATTACH``, no extension, settings locked.

Example:
    >>> import nbx11_data
    >>> con = connect(nbx11_data.open("nb201"), sandbox=True)
    >>> con.sql("SELECT count(*) FROM final WHERE budget = 12").fetchall()
    [(46881,)]
"""

from __future__ import annotations

from nbx11_data.errors import CorruptFileError
from nbx11_data.io import sha256_file
from nbx11_data.table_format import FINAL_SUFFIX

VIEWS = ("curves", "curves_long", "final")
IDENTITY = ("arch_id", "arch", "arch_index", "seed", "budget", "source", "dataset")


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def connect(bench, sandbox: bool = False):
    """A new DuckDB connection with the views of ``bench`` (a :class:`~.benchmark.Benchmark`)."""
    import duckdb

    files = [bench.folder / s["path"] for d in bench.datasets for s in bench.store.shards[d]]
    expected = {s["path"]: s["sha256"] for s in bench.manifest["shards"]}
    for path, shard in zip(files, (s for d in bench.datasets for s in bench.store.shards[d])):
        if not path.is_file():
            raise CorruptFileError(f"{path}: shard listed in the manifest is missing")
        if sha256_file(path) != expected[shard["path"]]:
            raise CorruptFileError(f"{path}: sha256 does not match the manifest; run `nbx11 verify {bench.name}`")
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
                         if sandbox else {})
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:  # Jupyter without ipywidgets refuses the setting; it is off there
        pass
    if sandbox:
        con.execute("SET allowed_paths = [" + ", ".join(literal(str(p.resolve())) for p in files) + "]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    sources = ", ".join(literal(str(p.resolve() if sandbox else p)) for p in files)
    v1 = bench.manifest["schema_version"] == 1
    stored = [c for c in (f["name"] for f in bench.manifest["schema"]) if c not in IDENTITY]
    label = ("CASE WHEN source LIKE 'surrogate:%' THEN 'table:' || source[11:] ELSE source END AS source")
    columns = ", ".join([*(label if c == "source" else ident(c) for c in IDENTITY[:-1]), *map(ident, stored),
                         ident("dataset")])  # dataset last, as rows() returns it
    con.execute(f"CREATE VIEW curves AS SELECT {columns} FROM read_parquet([{sources}]"
                f"{', hive_partitioning = true' if v1 else ''})")
    identity = ", ".join(ident(c) for c in IDENTITY)
    epochs = f"UNNEST(generate_series(1, {int(bench.epochs)})) AS epoch"
    unnest = ", ".join(f"UNNEST({ident(m)}::FLOAT[]) AS {ident(m)}" for m in bench.metrics)
    budget_epochs = " ".join(f"WHEN {int(b)} THEN {int(e)}" for b, e in bench.budgets.items())
    metrics = ", ".join(ident(m) for m in bench.metrics)
    con.execute(f"CREATE VIEW curves_long AS SELECT {identity}, epoch, {metrics} FROM (SELECT {identity}, {epochs},"
                f" {unnest}, CASE budget {budget_epochs} ELSE {int(bench.epochs)} END AS last_epoch FROM curves)"
                " WHERE epoch <= last_epoch")
    finals = ", ".join(f"{ident(m + FINAL_SUFFIX)} AS {ident(m)}" for m in bench.metrics)
    costs = "".join(f", {ident(c)}" for c in bench.costs)
    con.execute(f"CREATE VIEW final AS SELECT {identity}, {finals}{costs} FROM curves")
    return con

