"""Small file helpers: atomic writes and hashing.

Nothing half-written is ever visible: files are written to a temporary
name in the same folder, flushed, then renamed over the target.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write_bytes(path, b"hello")
    >>> sha256_file(path)[:12]
    '2cf24dba5fb0'
    >>> json_text({"tau": 0.5, "rate": float("nan")})
    '{"tau": 0.5, "rate": null}'
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    import tempfile  # here: a reader that only reads never pays for its import

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide shared tables from other users
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def json_text(value, **dumps_options) -> str:
    """``json.dumps`` of ``value`` with NaN and infinities written as ``null``.

    Standard JSON (RFC 8259) has no NaN, and strict parsers (browsers, ``jq``, most JSON libraries)
    reject Python's ``NaN`` literal, so manifests, checkpoint.json and metrics.json are written with this.
    """
    return json.dumps(_finite_or_none(value), allow_nan=False, **dumps_options)


def _finite_or_none(value):
    """``value`` with every non-finite float inside dicts, lists and tuples replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_none(item) for item in value]
    return value
