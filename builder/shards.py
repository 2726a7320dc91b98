"""Write a benchmark folder: zstd Parquet shards under ``data/``, a stored index, dataset card, manifest.

Each dataset's rows are cast to the benchmark schema, get the ``dataset`` column, and are cut into equal
row ranges so that no shard exceeds ``max_shard_bytes``; shards are numbered across the table
(``data/part-00000-of-0000N.parquet``, no dataset or split word in any name) and the manifest maps each
shard to its dataset. Shards carry Parquet page checksums and their dataset in the footer metadata.
Files are written atomically and the manifest last, so a reader never sees a half-built folder as valid.
The same rows give the same bytes (with the same pyarrow).

Example:
    >>> import tempfile, pyarrow as pa
    >>> from nbx11_data.table_format import Column, build_schema
    >>> schema = build_schema([Column("valid_acc", "curve", "%", "max", "validation accuracy")], [], epochs=2)
    >>> rows = pa.table({"arch_id": ["0" * 32], "arch": ["a"], "arch_index": [0], "seed": [None],
    ...                  "budget": [2], "source": ["measured"], "valid_acc": [[1.0, 2.0]]})
    >>> card = Card(pretty_name="Demo", license="mit", summary="A demo.", how_made="By hand.",
    ...             limits="None.", citation="")
    >>> manifest = write_benchmark(tempfile.mkdtemp(), {"toy": rows}, name="demo", space="nb201",
    ...                            schema=schema, provenance=[], card=card)
    >>> [(shard["path"], shard["partition"]) for shard in manifest["shards"]]
    [('data/part-00000-of-00001.parquet', {'dataset': 'toy'})]
"""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from nbx11_data import __version__, manifest as manifest_io
from nbx11_data.io import atomic_write_bytes, atomic_write_text, sha256_file
from nbx11_data.table_format import (DATASET_COLUMN, DATASET_NAME, SCHEMA_VERSION, SHARD_KEY, check_name, describe_schema,
                                     schema_info, shard_schema, with_finals)

MAX_SHARD_BYTES = 64 * 1024 * 1024
ROW_GROUP_BYTES = 1 << 18  # decoded bytes of the widest curve column per row group: one curve reads this much
PARTITION_KEY = "dataset"
DATA_DIR = "data"


@dataclass(frozen=True)
class Card:
    """The prose of a dataset card; columns and files are filled in from the schema and manifest."""

    pretty_name: str
    license: str  # a Hugging Face license id, e.g. "mit", "apache-2.0"
    summary: str
    how_made: str
    limits: str
    citation: str


def shard_path(i: int, count: int) -> str:
    """Relative path of shard ``i`` of ``count`` (numbered across the table)."""
    return f"{DATA_DIR}/part-{i:05d}-of-{count:05d}.parquet"


def row_group_rows(schema: pa.Schema) -> int:
    """Rows per row group: a power of two with the widest curve column near ``ROW_GROUP_BYTES`` (1024..65536)."""
    widths = [f.type.list_size * 4 for f in schema if pa.types.is_fixed_size_list(f.type)] or [4]
    return 1 << max(10, min(16, int(math.log2(ROW_GROUP_BYTES // max(widths)))))


def shard_table(rows: pa.Table, dataset: str, schema: pa.Schema) -> pa.Table:
    """``rows`` (of the row ``schema``, finals computed) as a shard's table: the ``dataset`` column added
    and the dataset recorded in the footer metadata."""
    check_name(dataset, DATASET_NAME, "dataset name")
    full = shard_schema(schema)
    table = rows.add_column(full.get_field_index("dataset"), "dataset", pa.array([dataset] * rows.num_rows,
                                                                                  pa.string()))
    metadata = {**(full.metadata or {}), SHARD_KEY: json.dumps({"dataset": dataset}).encode()}
    return table.cast(full).replace_schema_metadata(metadata)


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as Parquet bytes with the project's settings (zstd, page checksums, row groups sized by
    :func:`row_group_rows`; dictionaries for strings, statistics for scalar columns)."""
    scalars = [f.name for f in table.schema if not pa.types.is_fixed_size_list(f.type)]
    strings = [f.name for f in table.schema if pa.types.is_string(f.type)]
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", compression_level=9, row_group_size=row_group_rows(table.schema),
                   use_dictionary=strings, write_statistics=scalars, write_page_checksum=True)
    return buffer.getvalue()


def split_to_fit(table: pa.Table, max_bytes: int) -> list[tuple[pa.Table, bytes]]:
    """Split ``table`` into the fewest equal row ranges whose Parquet bytes are each <= ``max_bytes``."""
    pieces = 1
    while True:
        step = math.ceil(table.num_rows / pieces) if table.num_rows else 1
        chunks = [table.slice(start, step) for start in range(0, max(table.num_rows, 1), step)]
        encoded = [(chunk, parquet_bytes(chunk)) for chunk in chunks]
        largest = max(len(data) for _, data in encoded)
        if largest <= max_bytes or step == 1:
            return encoded
        pieces = max(pieces + 1, math.ceil(len(encoded) * largest / max_bytes * 1.05))


def encode_partition(dataset: str, rows: pa.Table | Iterable[pa.RecordBatch], schema: pa.Schema,
                     max_shard_bytes: int = MAX_SHARD_BYTES) -> list[tuple[pa.Table, bytes]]:
    """One dataset's rows as shard tables and their Parquet bytes (``<curve>_final`` columns computed)."""
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_batches(list(rows), schema=schema)
    table = with_finals(table, schema).select(schema.names).cast(schema).combine_chunks()
    return split_to_fit(shard_table(table, dataset, schema), max_shard_bytes)


def write_shard(folder: Path, i: int, count: int, dataset: str, table: pa.Table, data: bytes | None = None) -> dict:
    """Write shard ``i`` of ``count`` (``table``, a :func:`shard_table`) atomically; return its manifest entry."""
    relative = shard_path(i, count)
    atomic_write_bytes(folder / relative, parquet_bytes(table) if data is None else data)
    return manifest_io.shard_entry(folder, relative, {PARTITION_KEY: dataset}, table)


def remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete shards the new manifest does not list, and the ``dataset=<d>/`` folders of schema 1."""
    for stale in (folder / DATA_DIR).glob("part-*.parquet"):
        if stale.relative_to(folder).as_posix() not in keep:
            stale.unlink()
    for old in folder.glob(f"{PARTITION_KEY}=*"):
        if old.is_dir():
            shutil.rmtree(old)


def write_benchmark(folder: str | Path, partitions: Mapping[str, pa.Table | Iterable[pa.RecordBatch]], *,
                    name: str, space: str, schema: pa.Schema, provenance: list[dict], card: Card,
                    extra: dict | None = None, max_shard_bytes: int = MAX_SHARD_BYTES) -> dict:
    """Write shards for every dataset in ``partitions``, then the index, README.md, manifest.json; return the
    manifest.

    ``extra`` adds manifest keys (e.g. ``budgets``, ``defaults``, ``base_url``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / manifest_io.FILENAME).unlink(missing_ok=True)  # nobody trusts a folder while its shards change
    datasets = sorted(partitions)
    encoded = [(d, chunk) for d in datasets for chunk in encode_partition(d, partitions[d], schema, max_shard_bytes)]
    shards = [write_shard(folder, i, len(encoded), d, table, data) for i, (d, (table, data)) in enumerate(encoded)]
    return write_card_and_manifest(folder, shards, datasets, name=name, space=space, schema=schema,
                                   provenance=provenance, card=card, extra=extra)


def write_card_and_manifest(folder: Path, shards: list[dict], datasets: list[str], *, name: str, space: str,
                            schema: pa.Schema, provenance: list[dict], card: Card, extra: dict | None = None) -> dict:
    """Remove stale shards, write the stored index, README.md, then manifest.json listing the ``shards``
    already written and the other files; return the manifest."""
    from nbx11_data.readers import index as index_io

    info = schema_info(schema)
    manifest = {
        "name": name,
        "schema_version": SCHEMA_VERSION,
        "space": space,
        "epochs": info["epochs"],
        "datasets": datasets,
        "columns": [*info["columns"][:6], asdict(DATASET_COLUMN), *info["columns"][6:]],
        "schema": describe_schema(shard_schema(schema)),
        "shards": shards,
        "provenance": provenance,
        "code_version": code_version(),
        **(extra or {}),
    }
    remove_stale(folder, {s["path"] for s in shards})
    manifest["index"], index_files = index_io.write(folder, manifest)
    atomic_write_text(folder / "README.md", render_card(manifest, card))
    manifest["files"] = [{"path": "README.md", "sha256": sha256_file(folder / "README.md")}, *index_files]
    manifest_io.write(folder, manifest)
    return manifest



def code_version(checkout: Path = Path(__file__).parent) -> str:
    """``nbx11-data <version>``, plus the git commit when built from a checkout (``+changes`` when tracked
    files outside ``tables/`` differ from that commit, so a manifest never names a commit whose code did not
    build it; the tables themselves are the build's output, and a rebuild in place has removed its manifest)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=checkout, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        changed = bool(git("status", "--porcelain", "--untracked-files=no", "--", ":(top)", ":(top,exclude)tables"))
    except (OSError, subprocess.SubprocessError):
        return f"nbx11-data {__version__}"
    return f"nbx11-data {__version__} (git {commit}{'+changes' if changed else ''})"


def render_card(manifest: dict, card: Card) -> str:
    """The dataset card: Hugging Face YAML front matter (a default config of every row, one per dataset), then
    the one-line reads, columns, how made, limits, citation."""
    lines = ["---", f"license: {card.license}", f"pretty_name: {card.pretty_name}", "configs:",
             "- config_name: default", "  default: true", "  data_files:", "  - split: train",
             f"    path: {DATA_DIR}/*.parquet"]
    for dataset in manifest["datasets"]:
        paths = [s["path"] for s in manifest["shards"] if s["partition"][PARTITION_KEY] == dataset]
        lines += [f"- config_name: {dataset}", "  data_files:", "  - split: train", "    path:"]
        lines += [f"    - {path}" for path in paths]
    lines += ["---", "", f"# {card.pretty_name}", "", card.summary.strip(), "",
              f"Datasets (column `{PARTITION_KEY}`): {', '.join(f'`{d}`' for d in manifest['datasets'])}."
              f" Epoch axis: {manifest['epochs']} points (position i = end of epoch i + 1). Format: see"
              " `tables/FORMAT.md` of nbx11-data.", "", "## Reading", "", "```python", *one_line_reads("."),
              "```", "", "## Columns", "",
              "| column | kind | unit | direction | description |", "|---|---|---|---|---|"]
    for column in manifest["columns"]:
        lines.append(f"| `{column['name']}` | {column['kind']} | {column.get('unit') or ''} |"
                     f" {column.get('direction') or ''} | {column['description']} |")
    lines += ["", "## How it was made", "", card.how_made.strip(), "", "Inputs:", ""]
    for source in manifest["provenance"]:
        lines.append(f"- **{source['name']}** ({source.get('license', '?')}): {source.get('origin', '')}")
    lines += ["", "## Known limits", "", card.limits.strip(), "", "## Citation", "", card.citation.strip(), ""]
    return "\n".join(lines)


def one_line_reads(folder: str) -> list[str]:
    """The one-line read of a table folder in each common library (every row, with its ``dataset`` column)."""
    return [f'pandas.read_parquet("{folder}/{DATA_DIR}")',
            f'pyarrow.parquet.read_table("{folder}/{DATA_DIR}")',
            f'pyarrow.dataset.dataset("{folder}/{DATA_DIR}").to_table()',
            f'polars.scan_parquet("{folder}/{DATA_DIR}/*.parquet").collect()',
            f'duckdb.sql("SELECT * FROM read_parquet(\'{folder}/{DATA_DIR}/*.parquet\')")',
            f'datasets.load_dataset("{folder}")["train"]']
