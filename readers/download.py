"""Download a benchmark from a mirror into a verified local cache, partially if asked.

``download(name)`` fetches ``<mirror>/<name>/manifest.json`` (checked against the
mirror's ``manifest.json.sha256`` or a hash you pin), then only the shards of
the partitions asked for, each verified against its sha256 by pooch before it
lands in the cache. An interrupted transfer resumes where it stopped
(:class:`~nbx11_data.readers.resumable.ResumableDownloader`); a file lock lets
several processes share one cache; with the mirror out of reach, a complete
cached copy is used as it is.

Where things come from (first found wins):

- the mirror: ``base_url=`` / ``--base-url``, ``$NBX11_MIRROR``, the cached or
  shipped manifest's ``base_url``; files live at ``<mirror>/<name>/<path>``. A mirror
  is a static folder written by ``nbx11 publish`` (``http://HOST:PORT``) or that folder
  pushed as a Hugging Face dataset repository: its ``.../resolve/<revision>`` address,
  the browser's ``.../tree/<revision>`` address, ``hf://datasets/ORG/REPO@REVISION``, or
  the URL of a benchmark's ``manifest.json`` there (:func:`mirror_root`);
- the cache: ``cache_dir=`` / ``--cache-dir``, ``$NBX11_CACHE``, the user cache
  folder (platformdirs); the benchmark lands in ``<cache>/<name>/`` with the
  same layout as ``tables/<name>/``, so ``nbx11_data.open(name, root=<cache>)``
  reads it.

Example:
    >>> import nbx11_data  # doctest: +SKIP
    >>> got = nbx11_data.download("nb201", datasets=["cifar10"], base_url="http://127.0.0.1:8000")  # doctest: +SKIP
    >>> bench = nbx11_data.open("nb201", root=got.root)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nbx11_data import locations, manifest as manifest_io
from nbx11_data.errors import CorruptFileError, DownloadError, MissingDependencyError, UnknownNameError
from nbx11_data.io import atomic_write_text, sha256_file

MANIFEST = manifest_io.FILENAME
MANIFEST_HASH = "manifest.json.sha256"
PARTIAL_DIR = ".partial"
LOCAL_STATE = "download.json"  # which datasets a (partial) download holds; read by the reader
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HF_HOSTS = ("huggingface.co", "hf.co")
_HF_PATH = re.compile(r"(?P<repo>.*/datasets/[^/]+/[^/]+)/(?:tree|blob|resolve)/(?P<rev>[^/]+)(?P<rest>/.*)?")
_HF_URI = re.compile(r"datasets/(?P<repo>[^/@]+/[^/@]+)(?:@(?P<rev>[^/]+))?(?P<rest>/.*)?")
MIRROR_FORMS = ("a static folder written by `nbx11 publish` and served over HTTP (e.g. http://127.0.0.1:8000), or"
                " a Hugging Face dataset repository holding such a folder"
                " (https://huggingface.co/datasets/ORG/REPO/resolve/REVISION, or hf://datasets/ORG/REPO@REVISION)")


@dataclass
class Downloaded:
    """What :func:`download` did. ``root`` is the cache root to pass to ``open(name, root=...)``."""

    name: str
    path: Path
    manifest_sha256: str
    fetched: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    bytes_fetched: int = 0
    offline: bool = False

    @property
    def root(self) -> Path:
        return self.path.parent

    def __fspath__(self) -> str:
        return str(self.path)


def download(name: str, datasets=None, seeds=None, *, base_url: str | None = None,
             cache_dir: str | Path | None = None, manifest_sha256: str | None = None,
             offline: bool = False, retries: int = 2, progressbar: bool = False,
             timeout: float = 60.0) -> Downloaded:
    """Fetch benchmark ``name`` (only the partitions in ``datasets``/``seeds`` when given) into the cache.

    Every file is verified against the manifest's sha256 before it is used;
    ``manifest_sha256`` pins the manifest itself. ``offline=True`` never
    touches the network. Raises :class:`DownloadError` when the mirror cannot
    give what the cache lacks, :class:`CorruptFileError` when bytes do not match
    their hash (the bad file is deleted), :class:`UnknownNameError` for an
    unknown dataset or seed.
    """
    pooch, filelock = _require()
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UnknownNameError("benchmark name", name, ["lowercase letters, digits, '_', '-', '.'"])
    if manifest_sha256 is not None and not _HEX64.fullmatch(manifest_sha256.lower()):
        raise UnknownNameError("manifest sha256", manifest_sha256, ["64 hex digits"])
    root = locations.cache_root(cache_dir)
    bench = root / name
    root.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(root / f".{name}.lock")):
        mirror = None if offline else _mirror_url(name, base_url, bench)
        fetcher = _Fetcher(pooch, bench, mirror, retries, timeout, progressbar)
        manifest, digest, used_cache = _manifest(fetcher, name, bench, manifest_sha256)
        check_entries(bench, manifest)  # every path and hash from the mirror, before any file is created
        wanted = [*manifest.get("files", []), *select_shards(manifest, datasets, seeds)]
        result = Downloaded(name, bench, digest, offline=used_cache)
        for entry in wanted:
            if fetcher.file(entry["path"], entry["sha256"], entry.get("bytes")):
                result.fetched.append(entry["path"])
                result.bytes_fetched += (bench / entry["path"]).stat().st_size
            else:
                result.cached.append(entry["path"])
        _prune(bench, manifest)
        held = sorted({s["partition"]["dataset"] for s in manifest["shards"]}
                      - {s["partition"]["dataset"] for s in manifest["shards"] if not (bench / s["path"]).is_file()})
        atomic_write_text(bench / LOCAL_STATE, json.dumps({"manifest_sha256": digest, "datasets": held}) + "\n")
    return result


def downloaded_datasets(folder: str | Path) -> list[str] | None:
    """The datasets a download into ``folder`` holds, or None where ``folder`` is not a download."""
    state = Path(folder) / LOCAL_STATE
    if not state.is_file():
        return None
    try:
        return list(json.loads(state.read_text(encoding="utf-8"))["datasets"])
    except (ValueError, KeyError, TypeError) as err:
        raise CorruptFileError(f"{state} is damaged ({err}): run `nbx11 download` again") from err


def select_shards(manifest: dict, datasets=None, seeds=None) -> list[dict]:
    """The manifest's shards whose partition matches ``datasets`` and ``seeds`` (None = all).

    A filter on a key that is not a partition key of this benchmark (e.g.
    seeds, when shards are split by dataset only) keeps every shard: the rows
    are then filtered when read.
    """
    shards = list(manifest["shards"])
    for key, wanted in (("dataset", datasets), ("seed", seeds)):
        if wanted is None:
            continue
        wanted = {str(value) for value in ([wanted] if isinstance(wanted, (str, int)) else wanted)}
        present = {str(shard["partition"][key]) for shard in shards if key in shard.get("partition", {})}
        if not present:
            continue
        if wanted - present:
            raise UnknownNameError(key, sorted(wanted - present)[0], present)
        shards = [s for s in shards if str(s["partition"].get(key)) in wanted]
    return shards


def check_entries(bench: Path, manifest: dict) -> None:
    """Refuse a manifest whose file paths leave ``bench`` or whose sha256 values are not 64 hex digits.

    Paths and hashes come from the mirror and name files in the cache, so each is checked before anything
    is created: no absolute path, no ``..``, nothing resolving outside ``bench``, none of the cache's own
    bookkeeping names.
    """
    for entry in [*manifest.get("files", []), *manifest["shards"]]:
        path = entry.get("path") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not _inside(bench, path):
            raise CorruptFileError(f"the manifest of {manifest.get('name')!r} lists the file path {path!r}, which"
                                   f" is not a relative path inside the benchmark folder: refused, nothing written")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise CorruptFileError(f"the manifest of {manifest.get('name')!r} gives {path!r} the sha256 {digest!r},"
                                   " which is not 64 lowercase hex digits: refused, nothing written")


def _inside(bench: Path, path: object) -> bool:
    """Whether ``path`` (from a manifest) names a file strictly inside ``bench`` that is not bookkeeping."""
    if not isinstance(path, str) or not path or "\\" in path or "\0" in path or path.startswith("/"):
        return False
    parts = path.split("/")
    if ":" in parts[0] or parts[0] in (MANIFEST, MANIFEST_HASH, LOCAL_STATE, PARTIAL_DIR):
        return False
    if any(part in ("", ".", "..") for part in parts):
        return False
    root = bench.resolve()
    target = (bench / path).resolve()
    return target != root and target.is_relative_to(root)


def mirror_root(url: str, name: str) -> str:
    """The URL under which a mirror holds ``<name>/<path>``, from any of the forms the module docstring lists.

    >>> mirror_root("https://huggingface.co/datasets/org/nbx11/tree/v1/nb201/manifest.json", "nb201")
    'https://huggingface.co/datasets/org/nbx11/resolve/v1'
    >>> mirror_root("hf://datasets/org/nbx11", "nb201"), mirror_root("http://127.0.0.1:8000/", "nb201")
    ('https://huggingface.co/datasets/org/nbx11/resolve/main', 'http://127.0.0.1:8000')
    """
    text = str(url).strip()
    if text.startswith("hf://"):
        found = _HF_URI.fullmatch(text[len("hf://"):])
        if not found:
            raise DownloadError(f"{text}: a Hugging Face mirror is hf://datasets/ORG/REPO[@REVISION][/FOLDER]")
        text = f"https://{_HF_HOSTS[0]}/datasets/{found['repo']}/resolve/{found['rev'] or 'main'}{found['rest'] or ''}"
    parsed = urlsplit(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DownloadError(f"mirror {text!r} is not an http(s) URL: {MIRROR_FORMS}")
    path = parsed.path.rstrip("/")
    path = path.removesuffix(f"/{MANIFEST}").removesuffix(f"/{name}")
    if found := _HF_PATH.fullmatch(path):
        path = f"{found['repo']}/resolve/{found['rev']}{found['rest'] or ''}"
    elif parsed.hostname in _HF_HOSTS and re.fullmatch(r"/datasets/[^/]+/[^/]+", path):
        path += "/resolve/main"
    return urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))


class _Fetcher:
    """Fetches one benchmark's files through pooch, with hashes from the manifest."""

    def __init__(self, pooch, bench: Path, mirror: str | None, retries: int, timeout: float, progressbar: bool):
        self.pooch, self.bench, self.mirror = pooch, bench, mirror
        self.retries, self.timeout, self.progressbar = retries, timeout, progressbar

    def text(self, path: str) -> str | None:
        """A small file from the mirror, unverified (None when the mirror says 404)."""
        import io

        import requests

        assert self.mirror is not None  # asked only while a mirror is in reach
        buffer = io.BytesIO()
        try:
            self.pooch.HTTPDownloader(timeout=self.timeout)(self.mirror + path, buffer, None)
        except requests.HTTPError as err:
            if err.response is not None and err.response.status_code == 404:
                return None
            raise DownloadError(f"{self.mirror + path}: {err}") from err
        return buffer.getvalue().decode("utf-8", "replace")

    def file(self, path: str, sha256: str, size: int | None) -> bool:
        """Make ``path`` present and verified in the cache; True when it had to be downloaded."""
        target = self.bench / path
        if target.exists() and sha256_file(target) == sha256:
            return False
        if self.mirror is None:
            state = "is corrupted" if target.exists() else "is missing"
            raise DownloadError(f"{target} {state} in the cache and no mirror is in reach (offline)")
        from nbx11_data.readers.resumable import ResumableDownloader

        import requests

        getter = ResumableDownloader(self.bench / PARTIAL_DIR / f"{sha256}.part", size,
                                     timeout=self.timeout, progressbar=self.progressbar)
        pup = self.pooch.Pooch(path=self.bench, base_url=self.mirror, registry={path: f"sha256:{sha256}"},
                               retry_if_failed=self.retries)
        url = self.mirror + path
        try:
            pup.fetch(path, downloader=getter)
        except ValueError as err:  # pooch: hash mismatch; it has deleted the download
            raise CorruptFileError(f"{path} from {url} does not match its sha256 {sha256} in the manifest: "
                                   "refused and deleted (the mirror's copy is corrupted or stale)") from err
        except (requests.RequestException, OSError) as err:
            raise DownloadError(f"could not download {url}: {err} (rerun to resume)") from err
        return True


def _manifest(fetcher: _Fetcher, name: str, bench: Path, pin: str | None) -> tuple[dict, str, bool]:
    """The verified manifest, its sha256, and whether the cached copy stood in for the mirror's."""
    import requests

    cached = bench / MANIFEST
    published = None
    if fetcher.mirror is not None:
        try:
            text = fetcher.text(MANIFEST_HASH)
        except (requests.ConnectionError, requests.Timeout, DownloadError) as err:
            if not cached.exists():
                raise DownloadError(f"mirror {fetcher.mirror} is out of reach and {name} is not cached: {err}") from err
            fetcher.mirror = None  # offline from here on: use the cache
        else:
            if text is None and pin is None:
                raise DownloadError(f"{fetcher.mirror}{MANIFEST} is not published with a {MANIFEST_HASH} "
                                    f"(is {name!r} on this mirror?); pin its hash with manifest_sha256= / "
                                    "--manifest-sha256 to download it anyway")
            published = _parse_hash(text, fetcher.mirror + MANIFEST_HASH) if text is not None else None
    if published and pin and published != pin.lower():
        raise CorruptFileError(f"the manifest of {name} at {fetcher.mirror} has sha256 {published}, "
                               f"but the pinned hash is {pin.lower()}: refusing a different release")
    if fetcher.mirror is None:
        if not cached.exists():
            raise DownloadError(f"{name} is not in the cache {bench.parent} and no mirror is in reach (offline)")
        recorded = (bench / MANIFEST_HASH).read_text().split()[0] if (bench / MANIFEST_HASH).exists() else None
        expected = (pin or recorded or "").lower()
        digest = sha256_file(cached)
        if digest != expected:
            raise CorruptFileError(f"cached {cached} has sha256 {digest}, expected {expected or '(nothing recorded)'}"
                                   ": delete it and download again")
        return _load(cached, name), digest, True
    expected = (pin or published or "").lower()  # one of them: a mirror without a hash needs a pin (above)
    _fetch_manifest(fetcher, expected, "the pinned hash" if pin else fetcher.mirror + MANIFEST_HASH, name)
    atomic_write_text(bench / MANIFEST_HASH, f"{expected}  {MANIFEST}\n")
    return _load(cached, name), expected, False


def _fetch_manifest(fetcher: _Fetcher, expected: str, origin: str, name: str) -> None:
    target = fetcher.bench / MANIFEST
    if target.exists() and sha256_file(target) == expected:
        return
    pup = fetcher.pooch.Pooch(path=fetcher.bench, base_url=fetcher.mirror, registry={MANIFEST: f"sha256:{expected}"},
                              retry_if_failed=fetcher.retries)
    import requests

    try:
        pup.fetch(MANIFEST, downloader=fetcher.pooch.HTTPDownloader(timeout=fetcher.timeout))
    except ValueError as err:
        raise CorruptFileError(f"{fetcher.mirror}{MANIFEST} does not match its expected sha256 {expected} "
                               f"(from {origin}): refused and deleted") from err
    except requests.RequestException as err:
        raise DownloadError(f"could not download {fetcher.mirror}{MANIFEST} of {name}: {err}") from err


def _parse_hash(text: str, where: str) -> str:
    token = text.split()[0].lower() if text.split() else ""
    if not _HEX64.fullmatch(token):
        raise CorruptFileError(f"{where} does not hold a sha256 (got {text[:80]!r})")
    return token


def _load(path: Path, name: str) -> dict:
    manifest = manifest_io.load(path.parent)
    if manifest["name"] != name:
        raise CorruptFileError(f"{path} describes benchmark {manifest.get('name')!r}, not {name!r}")
    return manifest


def _mirror_url(name: str, base_url: str | None, bench: Path) -> str:
    """``<mirror>/<name>/`` from the flag, the environment, or a known manifest's ``base_url``."""
    candidates = [base_url, locations.mirror()]
    for manifest in (bench / MANIFEST, (locations.shipped("tables") or bench) / name / MANIFEST):
        if manifest.exists():
            try:
                candidates.append(json.loads(manifest.read_text(encoding="utf-8")).get("base_url"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
    for url in candidates:
        if url:
            return f"{mirror_root(url, name)}/{name}/"
    raise DownloadError(f"no mirror known for {name!r}: pass --base-url URL (base_url=URL) or set ${locations.MIRROR_ENV},"
                        f" where URL is {MIRROR_FORMS}")


def _prune(bench: Path, manifest: dict) -> None:
    """Delete shards and partial files that the current manifest no longer lists."""
    keep = {entry["path"] for entry in manifest["shards"]}
    hashes = {entry["sha256"] for entry in [*manifest["shards"], *manifest.get("files", [])]}
    for shard in bench.glob("**/*.parquet"):
        if shard.relative_to(bench).as_posix() not in keep:
            shard.unlink()
    for part in (bench / PARTIAL_DIR).glob("*.part"):
        if part.stem not in hashes:
            part.unlink()


def _require():
    try:
        import filelock
        import pooch
    except ImportError as err:
        raise MissingDependencyError(f"downloads need {err.name}: pip install 'nbx11-data[download]'") from err
    return pooch, filelock
