"""Lay out a benchmark as a mirror: a static folder any web server serves, and a Hugging Face dataset repository.

``publish("nb201", "site/")`` writes ``site/nb201/`` with the manifest, a ``manifest.json.sha256`` beside it
(what :func:`~nbx11_data.readers.download.download` checks the manifest against), the dataset card and the
shards, byte for byte, each verified against the manifest before it is copied. ``site/`` itself becomes a
Hugging Face dataset repository: a ``README.md`` whose YAML header has one config per published benchmark
(its shards, one ``train`` split) and a ``.gitattributes`` that stores Parquet files in LFS. So either serve
``site/`` (``python -m http.server -d site``) and pass ``--base-url http://HOST:PORT``, or push it as a
dataset repository and pass ``--base-url https://huggingface.co/datasets/ORG/REPO/resolve/main``.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as site:
    ...     publish("nb201", site).relative_to(site)
    PosixPath('nb201')
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from nbx11_data import locations, manifest as manifest_io
from nbx11_data.errors import UnknownNameError
from nbx11_data.io import atomic_write_text, sha256_file
from nbx11_data.readers.download import MANIFEST, MANIFEST_HASH

GITATTRIBUTES = "*.parquet filter=lfs diff=lfs merge=lfs -text\n"
_LICENSE = re.compile(r"^license:\s*(\S+)\s*$", re.MULTILINE)


def publish(name: str, out_dir: str | Path, root: str | Path | None = None) -> Path:
    """Copy benchmark ``name`` (found in ``root``, else the table roots) into ``out_dir/name/``; update the repo card."""
    source = locations.find_table(name, root)
    if source is None:
        raise UnknownNameError("benchmark", name, locations.table_names(root))
    manifest = manifest_io.verify(source)  # every file's sha256, rows and schema, before anything is copied
    site = Path(out_dir)
    target = site / name
    for entry in [*manifest["files"], *manifest["shards"]]:
        _copy(source / entry["path"], target / entry["path"])
    _copy(source / MANIFEST, target / MANIFEST)
    atomic_write_text(target / MANIFEST_HASH, f"{sha256_file(target / MANIFEST)}  {MANIFEST}\n")
    atomic_write_text(site / ".gitattributes", GITATTRIBUTES)
    atomic_write_text(site / "README.md", repository_card(site))
    return target


def repository_card(site: str | Path) -> str:
    """The dataset card of the whole mirror: YAML configs for every benchmark folder in ``site``, and a table."""
    site = Path(site)
    names = sorted(p.name for p in site.iterdir() if (p / MANIFEST_HASH).is_file())
    manifests = {n: manifest_io.load(site / n) for n in names}
    licenses = {n: _license(site / n) for n in names}
    shared = set(licenses.values())
    lines = ["---", f"license: {shared.pop() if len(shared) == 1 and None not in shared else 'other'}",
             "pretty_name: nbx11-data mirror", "configs:"]
    for index, name in enumerate(names):
        lines += [f"- config_name: {name}"] + (["  default: true"] if index == 0 else [])
        lines += ["  data_files:", "  - split: train", "    path:"]
        lines += [f"    - {name}/{shard['path']}" for shard in manifests[name]["shards"]]
    lines += ["---", "", "# nbx11-data mirror", "",
              "Benchmarks of nbx11-data laid out for `nbx11 download NAME --base-url URL`,"
              " where URL is this repository's `.../resolve/<revision>` address (or the folder's address on any"
              " static web server). Each folder holds a `manifest.json` with every file's sha256 and a dataset card.",
              "", "| benchmark | space | rows | license | manifest sha256 |", "|---|---|---|---|---|"]
    for name in names:
        rows = sum(shard["rows"] for shard in manifests[name]["shards"])
        digest = (site / name / MANIFEST_HASH).read_text().split()[0]
        lines.append(f"| [{name}]({name}/README.md) | {manifests[name]['space']} | {rows:,} |"
                     f" {licenses[name] or 'see card'} | `{digest}` |")
    return "\n".join(lines) + "\n"


def _license(folder: Path) -> str | None:
    """The ``license:`` of a benchmark card's YAML header, if it has one."""
    card = folder / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    header = text.split("---", 2)[1] if text.startswith("---") and text.count("---") >= 2 else ""
    found = _LICENSE.search(header)
    return found.group(1) if found else None


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
