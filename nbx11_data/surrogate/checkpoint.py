"""The checkpoint folder format: ``checkpoint.json``, ``arrays.npz``, zstd LightGBM text models.

A checkpoint ``checkpoints/<name>-v<version>/`` holds:

- ``checkpoint.json``: all metadata, ``files``: the sha256 of every other file, and ``meta_sha256``: a
  hash over its own other entries (:func:`meta_sha256`);
- ``arrays.npz``: SVD bases, scalers and noise parameters (read with ``allow_pickle=False``);
- ``models/<metric>/*.txt.zst``: LightGBM boosters as native text, zstd-compressed;
- ``REPORT.md`` and ``metrics.json`` from training.

:func:`read` checks every file against its recorded hash and names the first that is missing
or differs, and the metadata against ``meta_sha256`` where present. Nothing here unpickles, and nothing here needs lightgbm.

Example:
    >>> import tempfile, numpy as np
    >>> folder = tempfile.mkdtemp() + "/demo-v1"
    >>> write(folder, {"name": "demo"}, {"a": np.arange(3.0)}, {"models/m.txt.zst": "tree"})
    >>> ck = read(folder)
    >>> ck.arrays["a"].tolist(), ck.model_text("models/m.txt.zst")
    ([0.0, 1.0, 2.0], 'tree')
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zstandard

from nbx11_data.errors import CorruptFileError
from nbx11_data.io import atomic_write_bytes, json_text

FORMAT = "nbx11-checkpoint"
FORMAT_VERSION = 1
MANIFEST = "checkpoint.json"
ARRAYS = "arrays.npz"
META_HASH = "meta_sha256"  # checkpoint.json's hash over its own other entries (older checkpoints lack it)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same arrays give the same bytes


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive of ``arrays`` with deterministic bytes (sorted names, fixed times)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            array = np.asarray(arrays[name])
            if array.dtype == object:
                raise TypeError(f"array {name!r} has dtype object; checkpoints hold numeric arrays only")
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def write(folder, meta: dict, arrays: dict, models: dict[str, str], extra_files: dict[str, bytes] | None = None) -> None:
    """Write a whole checkpoint folder, replacing any old one only once the new one is complete.

    ``models`` maps relative paths (ending ``.txt.zst``) to LightGBM model text; ``extra_files``
    maps relative paths to raw bytes (reports). ``meta["files"]`` is filled in here.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        contents = {ARRAYS: npz_bytes(arrays)}
        compressor = zstandard.ZstdCompressor(level=12)
        contents.update({path: compressor.compress(text.encode()) for path, text in models.items()})
        contents.update(extra_files or {})
        files = {}
        for rel in sorted(contents):
            _check_relative(rel)
            atomic_write_bytes(staging / rel, contents[rel])
            files[rel] = hashlib.sha256(contents[rel]).hexdigest()
        meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **meta, "files": files}
        meta = json.loads(json_text(meta))  # as read back: plain JSON types, so the hash matches on read
        meta.pop(META_HASH, None)
        meta[META_HASH] = meta_sha256(meta)
        atomic_write_bytes(staging / MANIFEST, (json_text(meta, indent=1, sort_keys=False) + "\n").encode())
        os.chmod(staging, 0o755)
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@dataclass
class Checkpoint:
    """A verified checkpoint folder: its metadata, its arrays, and its model texts on demand."""

    folder: Path
    meta: dict
    arrays: dict

    def model_text(self, rel: str) -> str:
        """The decompressed LightGBM text of model file ``rel`` (verified on :func:`read`)."""
        data = (self.folder / rel).read_bytes()
        try:
            return zstandard.ZstdDecompressor().decompress(data).decode()
        except zstandard.ZstdError as err:
            raise CorruptFileError(f"{self.folder / rel}: not a zstd model file ({err})") from err


def read(folder) -> Checkpoint:
    """Read and verify a checkpoint folder; raises :class:`CorruptFileError` naming the bad file."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise CorruptFileError(f"{manifest}: missing; {folder} is not a checkpoint folder")
    try:
        meta = json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"{manifest}: not valid JSON ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CorruptFileError(f"{manifest}: not an {FORMAT} manifest")
    if meta.get("format_version") != FORMAT_VERSION:
        raise CorruptFileError(
            f"{manifest}: format_version {meta.get('format_version')!r}; this nbx11-data reads {FORMAT_VERSION}"
        )
    if META_HASH in meta and meta[META_HASH] != meta_sha256(meta):
        raise CorruptFileError(f"{manifest}: its metadata differ from their recorded {META_HASH}"
                               " (edited after it was written)")
    for rel, expected in meta.get("files", {}).items():
        _check_relative(rel)
        path = folder / rel
        if not path.is_file():
            raise CorruptFileError(f"{path}: missing (listed in {MANIFEST})")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise CorruptFileError(f"{path}: sha256 {actual[:12]}... differs from {expected[:12]}... in {MANIFEST}")
    try:
        with np.load(folder / ARRAYS, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, zipfile.BadZipFile) as err:
        raise CorruptFileError(f"{folder / ARRAYS}: unreadable ({err})") from err
    return Checkpoint(folder, meta, arrays)


def meta_sha256(meta: dict) -> str:
    """The sha256 of ``meta`` without its own :data:`META_HASH` entry (sorted-key JSON): what :func:`read` checks.

    Example: ``meta_sha256({"a": 1}) == meta_sha256({"a": 1, META_HASH: "anything"})``.
    """
    body = {k: v for k, v in meta.items() if k != META_HASH}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_relative(rel: str) -> None:
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts or not parts:
        raise CorruptFileError(f"checkpoint file path {rel!r} must be relative and inside the folder")
