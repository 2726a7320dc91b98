"""A benchmark folder's ``manifest.json``: write, load, validate and verify.

The manifest lists every shard (path, sha256, bytes, rows, partition,
content_sha256), the other files (dataset card) with their sha256, the
schema, the provenance of every input and the code version. Loading checks
its structure and every name that later becomes SQL (column, dataset);
``verify`` checks the folder against it and names the first file that does
not match.

Example:
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> write(folder, {"name": "demo", "schema_version": 2, "space": "nb201", "epochs": 1, "datasets": [],
    ...                "columns": [], "shards": [], "files": [], "schema": [], "provenance": [], "code_version": "0",
    ...                "index": {"file": "index/arrays.bin", "bytes": 0, "arrays": {}, "positions": 0, "keys": [],
    ...                          "sources": [], "offsets": {}}})
    >>> load(folder)["name"]
    'demo'
"""

from __future__ import annotations

import json
from pathlib import Path

from nbx11_data.errors import CorruptFileError
from nbx11_data.io import atomic_write_text, json_text, sha256_file
from nbx11_data.table_format import (COLUMN_NAME, DATASET_NAME, READABLE_VERSIONS, SHARD_KEY, check_name,
                                     content_sha256, describe_schema)

FILENAME = "manifest.json"
REQUIRED = ("name", "schema_version", "space", "epochs", "datasets", "columns", "shards", "files", "schema",
            "provenance", "code_version")
SHARD_KEYS = ("path", "sha256", "bytes", "rows", "partition", "content_sha256")
INDEX_KEYS = ("file", "bytes", "arrays", "positions", "keys", "sources", "offsets")
_TYPES = {"name": str, "space": str, "epochs": int, "datasets": list, "columns": list, "shards": list,
          "files": list, "schema": list, "provenance": list}


def write(folder: str | Path, manifest: dict) -> None:
    """Validate and atomically write ``manifest`` as ``folder/manifest.json`` (sorted keys, stable bytes)."""
    validate(manifest, Path(folder) / FILENAME)
    atomic_write_text(Path(folder) / FILENAME, json_text(manifest, indent=1, sort_keys=True) + "\n")


def load(folder: str | Path) -> dict:
    """Read and validate ``folder/manifest.json``; raise :class:`CorruptFileError` naming it if unusable."""
    path = Path(folder) / FILENAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorruptFileError(f"{path}: manifest is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"{path}: manifest is not valid JSON ({err})") from None
    validate(manifest, path)
    return manifest


def validate(manifest: dict, where: str | Path = FILENAME) -> None:
    """Raise :class:`CorruptFileError` unless ``manifest`` is well formed: required keys of the right types,
    names that become SQL identifiers (columns, datasets) matching the strict rules of
    :mod:`nbx11_data.table_format`, shards inside the folder, each of a listed dataset."""
    if not isinstance(manifest, dict):
        raise CorruptFileError(f"{where}: manifest must be a JSON object")
    missing = [key for key in REQUIRED if key not in manifest]
    if manifest.get("schema_version") == 2:
        index = manifest.get("index")
        if not isinstance(index, dict):
            missing.append("index")
        else:
            missing += [f"index.{key}" for key in INDEX_KEYS if key not in index]
    if missing:
        raise CorruptFileError(f"{where}: manifest lacks {', '.join(missing)}")
    if manifest["schema_version"] not in READABLE_VERSIONS:
        raise CorruptFileError(f"{where}: schema_version {manifest['schema_version']!r}; this nbx11-data reads"
                               f" {', '.join(map(str, READABLE_VERSIONS))}")
    wrong = [key for key, kind in _TYPES.items() if not isinstance(manifest[key], kind)]
    if wrong:
        raise CorruptFileError(f"{where}: manifest keys of the wrong type: {', '.join(wrong)}")
    try:
        for column in [*manifest["columns"], *manifest["schema"]]:
            check_name(column.get("name") if isinstance(column, dict) else column, COLUMN_NAME)
        for dataset in manifest["datasets"]:
            check_name(dataset, DATASET_NAME, "dataset name")
    except CorruptFileError as err:
        raise CorruptFileError(f"{where}: {err}") from None
    for entry in [*manifest["shards"], *manifest["files"]]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise CorruptFileError(f"{where}: every shard and file entry needs a path")
        if entry["path"].startswith("/") or "\\" in entry["path"] or ".." in entry["path"].split("/"):
            raise CorruptFileError(f"{where}: path {entry['path']!r} must stay inside the benchmark folder")
    for shard in manifest["shards"]:
        lacking = [key for key in SHARD_KEYS if key not in shard]
        if lacking:
            raise CorruptFileError(f"{where}: shard {shard['path']!r} lacks {', '.join(lacking)}")
        partition = shard["partition"]
        if not isinstance(partition, dict) or partition.get("dataset") not in manifest["datasets"]:
            raise CorruptFileError(f"{where}: shard {shard['path']!r} has partition {partition!r}; its dataset must"
                                   f" be one of {manifest['datasets']}")
        if manifest["schema_version"] == 1 and not shard["path"].startswith(f"dataset={partition['dataset']}/"):
            raise CorruptFileError(f"{where}: shard {shard['path']!r} lies outside its partition folder"
                                   f" dataset={partition['dataset']}/")


def shard_entry(folder: str | Path, relative: str, partition: dict, table) -> dict:
    """The manifest entry of a shard already written at ``folder/relative`` from Arrow ``table``."""
    path = Path(folder) / relative
    return {
        "path": relative,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "rows": table.num_rows,
        "partition": dict(partition),
        "content_sha256": content_sha256(table),
    }


def verify(folder: str | Path, content: bool = False) -> dict:
    """Check the folder against its manifest: every listed file's sha256; every shard's sha256, row count,
    schema and (schema 2) the dataset in its footer; that every shard file on disk is listed.

    With ``content=True`` also decode each shard and compare its ``content_sha256``.
    Returns the manifest; raises :class:`CorruptFileError` naming the first bad file.
    """
    folder = Path(folder)
    manifest = load(folder)
    for entry in manifest["files"]:
        _check_sha(folder / entry["path"], entry["sha256"])
    listed = {shard["path"] for shard in manifest["shards"]}
    on_disk = {p.relative_to(folder).as_posix() for pattern in ("data/*", "dataset=*/**/*") for p in folder.glob(pattern)
               if p.is_file()}
    unlisted = sorted(on_disk - listed)
    if unlisted:
        raise CorruptFileError(f"{folder / unlisted[0]}: shard on disk is not listed in the manifest")
    if manifest["schema_version"] >= 2:
        listed_files = {entry["path"] for entry in manifest["files"]}
        if manifest["index"]["file"] not in listed_files:
            raise CorruptFileError(f"{folder / manifest['index']['file']}: index file without a hash in the manifest's"
                                   " files")
    for shard in manifest["shards"]:
        path = folder / shard["path"]
        _check_sha(path, shard["sha256"])
        parquet = open_shard(folder, shard, manifest)
        if content and content_sha256(parquet.read()) != shard["content_sha256"]:
            raise CorruptFileError(f"{path}: decoded content differs from the manifest's content_sha256")
    return manifest


def open_shard(folder: Path, shard: dict, manifest: dict, **options):
    """The shard as a ``pyarrow.parquet.ParquetFile`` with page checksums verified on read, its footer checked
    against the manifest (rows, schema, and for schema 2 the dataset); else :class:`CorruptFileError`."""
    import pyarrow.parquet as pq

    path = Path(folder) / shard["path"]
    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True, **options)
    except FileNotFoundError:
        raise CorruptFileError(f"{path}: shard listed in the manifest is missing") from None
    except Exception as err:  # pyarrow raises several types for a damaged footer
        raise CorruptFileError(f"{path}: not a readable Parquet file ({err})") from None
    if parquet.metadata.num_rows != shard["rows"]:
        raise CorruptFileError(f"{path}: {parquet.metadata.num_rows} rows, manifest says {shard['rows']}")
    if describe_schema(parquet.schema_arrow) != manifest["schema"]:
        raise CorruptFileError(f"{path}: schema differs from the manifest's")
    if manifest["schema_version"] >= 2:
        raw = (parquet.schema_arrow.metadata or {}).get(SHARD_KEY, b"{}")
        try:
            stored = json.loads(raw).get("dataset")
        except (ValueError, AttributeError):
            stored = None
        if stored != shard["partition"]["dataset"]:
            raise CorruptFileError(f"{path}: the shard holds dataset {stored!r}, the manifest says"
                                   f" {shard['partition']['dataset']!r}")
    return parquet


def _check_sha(path: Path, expected: str) -> None:
    if not path.is_file():
        raise CorruptFileError(f"{path}: file listed in the manifest is missing")
    actual = sha256_file(path)
    if actual != expected:
        raise CorruptFileError(f"{path}: sha256 {actual[:12]}... does not match the manifest's {expected[:12]}...")
