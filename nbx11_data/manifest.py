"""A benchmark folder's ``manifest.json``: write, load, validate and verify.

The manifest lists every shard (path, sha256, bytes, rows, partition,
content_sha256), the other files (dataset card) with their sha256, the
schema, the provenance of every input and the code version. ``verify``
checks the folder against it and names the first file that does not match.

Example:
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> write(folder, {"name": "demo", "schema_version": 1, "space": "nb201", "shards": [],
    ...                "files": [], "schema": [], "provenance": [], "code_version": "0"})
    >>> load(folder)["name"]
    'demo'
"""

from __future__ import annotations

import json
from pathlib import Path

from nbx11_data.errors import CorruptFileError
from nbx11_data.io import atomic_write_text, json_text, sha256_file
from nbx11_data.table_format import SCHEMA_VERSION, content_sha256, describe_schema

FILENAME = "manifest.json"
REQUIRED = ("name", "schema_version", "space", "shards", "files", "schema", "provenance", "code_version")
SHARD_KEYS = ("path", "sha256", "bytes", "rows", "partition", "content_sha256")


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
    """Raise :class:`CorruptFileError` unless ``manifest`` has the required keys and well-formed shards."""
    if not isinstance(manifest, dict):
        raise CorruptFileError(f"{where}: manifest must be a JSON object")
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise CorruptFileError(f"{where}: manifest lacks {', '.join(missing)}")
    if manifest["schema_version"] != SCHEMA_VERSION:
        raise CorruptFileError(
            f"{where}: schema_version {manifest['schema_version']!r}; this nbx11-data reads {SCHEMA_VERSION}"
        )
    for shard in manifest["shards"]:
        lacking = [key for key in SHARD_KEYS if key not in shard]
        if lacking:
            raise CorruptFileError(f"{where}: shard {shard.get('path', '?')!r} lacks {', '.join(lacking)}")
        if shard["path"].startswith("/") or ".." in shard["path"].split("/"):
            raise CorruptFileError(f"{where}: shard path {shard['path']!r} must stay inside the benchmark folder")


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
    """Check every shard's sha256, row count and schema, and every listed file's sha256.

    With ``content=True`` also decode each shard and compare its ``content_sha256``.
    Returns the manifest; raises :class:`CorruptFileError` naming the first bad file.
    """
    import pyarrow.parquet as pq

    folder = Path(folder)
    manifest = load(folder)
    for entry in manifest["files"]:
        _check_sha(folder / entry["path"], entry["sha256"])
    for shard in manifest["shards"]:
        path = folder / shard["path"]
        _check_sha(path, shard["sha256"])
        try:
            parquet = pq.ParquetFile(path)
        except Exception as err:  # pyarrow raises several types for a damaged footer
            raise CorruptFileError(f"{path}: not a readable Parquet file ({err})") from None
        if parquet.metadata.num_rows != shard["rows"]:
            raise CorruptFileError(f"{path}: {parquet.metadata.num_rows} rows, manifest says {shard['rows']}")
        if describe_schema(parquet.schema_arrow) != manifest["schema"]:
            raise CorruptFileError(f"{path}: schema differs from the manifest's")
        if content and content_sha256(parquet.read()) != shard["content_sha256"]:
            raise CorruptFileError(f"{path}: decoded content differs from the manifest's content_sha256")
    return manifest


def _check_sha(path: Path, expected: str) -> None:
    if not path.is_file():
        raise CorruptFileError(f"{path}: file listed in the manifest is missing")
    actual = sha256_file(path)
    if actual != expected:
        raise CorruptFileError(f"{path}: sha256 {actual[:12]}... does not match the manifest's {expected[:12]}...")
