"""Lay out a benchmark as a static mirror that any web server can serve.

``publish("nb201", "site/")`` writes ``site/nb201/`` with the manifest, a
``manifest.json.sha256`` beside it (what :func:`~nbx11_data.readers.download.download`
checks the manifest against), the dataset card and the shards, byte for byte,
each verified against the manifest before it is copied. Serve ``site/`` (for
example ``python -m http.server -d site``) and point ``--base-url`` or
``$NBX11_MIRROR`` at it.

Example:
    >>> publish("nb201", "site")  # doctest: +SKIP
    PosixPath('site/nb201')
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from nbx11_data import manifest as manifest_io
from nbx11_data.errors import UnknownNameError
from nbx11_data.io import atomic_write_text, sha256_file
from nbx11_data.readers.download import MANIFEST, MANIFEST_HASH
from nbx11_data.readers.paths import available, default_root


def publish(name: str, out_dir: str | Path, root: str | Path | None = None) -> Path:
    """Copy benchmark ``name`` from ``root`` (default: ``$NBX11_TABLES`` or the repo's ``tables/``) into ``out_dir/name/``."""
    source = Path(root if root is not None else default_root()) / name
    if not (source / MANIFEST).exists():
        raise UnknownNameError("benchmark", name, available(source.parent))
    manifest = manifest_io.verify(source)  # every file's sha256, rows and schema, before anything is copied
    target = Path(out_dir) / name
    for entry in [*manifest["files"], *manifest["shards"]]:
        _copy(source / entry["path"], target / entry["path"])
    _copy(source / MANIFEST, target / MANIFEST)
    atomic_write_text(target / MANIFEST_HASH, f"{sha256_file(target / MANIFEST)}  {MANIFEST}\n")
    return target


def _copy(src: Path, dst: Path) -> None:
    """Copy atomically (temporary name, then rename), skipping files already identical."""
    if dst.exists() and dst.stat().st_size == src.stat().st_size and sha256_file(dst) == sha256_file(src):
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
