"""Write a benchmark folder: hive-partitioned zstd Parquet shards, dataset card, manifest.

Each partition's rows are cast to the benchmark schema and written as
``dataset=<d>/part-00000-of-0000N.parquet``, split into equal row ranges so
that no shard exceeds ``max_shard_bytes``. Files are written atomically and
the manifest last, so a reader never sees a half-built folder as valid. The
same rows give the same bytes (with the same pyarrow).

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
    >>> [shard["path"] for shard in manifest["shards"]]
    ['dataset=toy/part-00000-of-00001.parquet']
"""

from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from nbx11_data import __version__, manifest as manifest_io
from nbx11_data.io import atomic_write_bytes, atomic_write_text, sha256_file
from nbx11_data.table_format import SCHEMA_VERSION, describe_schema, schema_info, with_finals

MAX_SHARD_BYTES = 64 * 1024 * 1024
ROW_GROUP_ROWS = 16384
PARTITION_KEY = "dataset"


@dataclass(frozen=True)
class Card:
    """The prose of a dataset card; columns and files are filled in from the schema and manifest."""

    pretty_name: str
    license: str  # a Hugging Face license id, e.g. "mit", "apache-2.0"
    summary: str
    how_made: str
    limits: str
    citation: str


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as Parquet bytes with the project's settings (zstd, dictionary, fixed row groups)."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", compression_level=9, row_group_size=ROW_GROUP_ROWS,
                   use_dictionary=True, write_statistics=True)
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


def write_partition(folder: Path, dataset: str, rows: pa.Table | Iterable[pa.RecordBatch], schema: pa.Schema,
                    max_shard_bytes: int = MAX_SHARD_BYTES) -> list[dict]:
    """Write one ``dataset=`` partition (``<curve>_final`` columns are computed); return its shard entries.

    Stale shards in the partition folder are removed.
    """
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_batches(list(rows), schema=schema)
    table = with_finals(table, schema).select(schema.names).cast(schema).combine_chunks()
    directory = f"{PARTITION_KEY}={dataset}"
    encoded = split_to_fit(table, max_shard_bytes)
    entries = []
    for i, (chunk, data) in enumerate(encoded):
        relative = f"{directory}/part-{i:05d}-of-{len(encoded):05d}.parquet"
        atomic_write_bytes(folder / relative, data)
        entries.append(manifest_io.shard_entry(folder, relative, {PARTITION_KEY: dataset}, chunk))
    keep = {Path(entry["path"]).name for entry in entries}
    for stale in (folder / directory).glob("part-*.parquet"):
        if stale.name not in keep:
            stale.unlink()
    return entries


def write_benchmark(folder: str | Path, partitions: Mapping[str, pa.Table | Iterable[pa.RecordBatch]], *,
                    name: str, space: str, schema: pa.Schema, provenance: list[dict], card: Card,
                    extra: dict | None = None, max_shard_bytes: int = MAX_SHARD_BYTES) -> dict:
    """Write shards for every dataset in ``partitions``, then README.md, then manifest.json; return the manifest.

    ``extra`` adds manifest keys (e.g. ``budgets``, ``defaults``, ``base_url``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    datasets = sorted(partitions)
    shards = []
    for dataset in datasets:
        shards.extend(write_partition(folder, dataset, partitions[dataset], schema, max_shard_bytes))
    for old in folder.glob(f"{PARTITION_KEY}=*"):
        if old.is_dir() and old.name.split("=", 1)[1] not in datasets:
            for stale in old.glob("part-*.parquet"):
                stale.unlink()
    return write_card_and_manifest(folder, shards, datasets, name=name, space=space, schema=schema,
                                   provenance=provenance, card=card, extra=extra)


def write_card_and_manifest(folder: Path, shards: list[dict], datasets: list[str], *, name: str, space: str,
                            schema: pa.Schema, provenance: list[dict], card: Card, extra: dict | None = None) -> dict:
    """Write README.md, then manifest.json listing the ``shards`` already written; return the manifest."""
    info = schema_info(schema)
    manifest = {
        "name": name,
        "schema_version": SCHEMA_VERSION,
        "space": space,
        "epochs": info["epochs"],
        "datasets": datasets,
        "columns": info["columns"],
        "schema": describe_schema(schema),
        "shards": shards,
        "provenance": provenance,
        "code_version": code_version(),
        **(extra or {}),
    }
    atomic_write_text(folder / "README.md", render_card(manifest, card))
    manifest["files"] = [{"path": "README.md", "sha256": sha256_file(folder / "README.md")}]
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
    """The dataset card: Hugging Face YAML front matter, then columns, how made, limits, citation."""
    lines = ["---", f"license: {card.license}", f"pretty_name: {card.pretty_name}", "configs:"]
    for dataset in manifest["datasets"]:
        lines += [f"- config_name: {dataset}", "  data_files:", "  - split: train",
                  f"    path: {PARTITION_KEY}={dataset}/*.parquet"]
    lines += ["---", "", f"# {card.pretty_name}", "", card.summary.strip(), "",
              f"Datasets (hive partition `{PARTITION_KEY}`): {', '.join(f'`{d}`' for d in manifest['datasets'])}."
              f" Epoch axis: {manifest['epochs']} points (position i = end of epoch i + 1). Format: see"
              " `tables/FORMAT.md` of nbx11-data.", "", "## Columns", "",
              "| column | kind | unit | direction | description |", "|---|---|---|---|---|"]
    for column in manifest["columns"]:
        lines.append(f"| `{column['name']}` | {column['kind']} | {column.get('unit') or ''} |"
                     f" {column.get('direction') or ''} | {column['description']} |")
    lines += ["", "## How it was made", "", card.how_made.strip(), "", "Inputs:", ""]
    for source in manifest["provenance"]:
        lines.append(f"- **{source['name']}** ({source.get('license', '?')}): {source.get('origin', '')}")
    lines += ["", "## Known limits", "", card.limits.strip(), "", "## Citation", "", card.citation.strip(), ""]
    return "\n".join(lines)
