"""Downloads end to end: a published mirror served over real HTTP on loopback.

The server (``http.server`` in a thread, ephemeral port) supports Range
requests and can be told to cut a transfer midway or to serve corrupted bytes.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pyarrow as pa
import pytest

from nbx11_data import manifest as manifest_io
from nbx11_data import spaces
from nbx11_data.builder.shards import Card, write_benchmark
from nbx11_data.cli import main
from nbx11_data.errors import CorruptFileError, DownloadError, UnknownNameError
from nbx11_data.io import sha256_file
from nbx11_data.readers.download import PARTIAL_DIR, download, mirror_root
from nbx11_data.readers.publish import publish
from nbx11_data.table_format import Column, build_schema

NAME = "tiny201"
HUB_REPO, HUB_REVISION = "datasets/org/nbx11", "v1"
DATASETS = ("cifar10-valid", "cifar100", "ImageNet16-120")


def write_tiny_table(root: Path, n_archs: int = 60, epochs: int = 30) -> Path:
    """A small nb201-style benchmark written with the project's shard writer (synthetic curves)."""
    nb201 = spaces.get("nb201")
    archs = nb201.sample(n_archs, seed=3)
    rng = np.random.default_rng(7)
    schema = build_schema([Column("valid_acc", "curve", "%", "max", "validation accuracy (synthetic)")],
                          [Column("params", "cost", "M", "min", "parameters in millions (synthetic)")],
                          epochs=epochs)
    partitions = {}
    for dataset in DATASETS:
        rows = {"arch_id": [], "arch": [], "arch_index": [], "seed": [], "budget": [], "source": [],
                "valid_acc": [], "params": []}
        for arch in archs:
            for seed in (777, 888, 999):
                rows["arch_id"].append(nb201.arch_id(arch))
                rows["arch"].append(nb201.format(arch))
                rows["arch_index"].append(nb201.arch_index(arch))
                rows["seed"].append(seed)
                rows["budget"].append(epochs)
                rows["source"].append("measured")
                rows["valid_acc"].append((90 * (1 - np.exp(-np.arange(1, epochs + 1) / 8))
                                          + rng.normal(0, 1, epochs)).astype(np.float32))
                rows["params"].append(float(rng.uniform(0.1, 1.5)))
        partitions[dataset] = pa.table(rows)
    card = Card(pretty_name="Tiny", license="mit", summary="Synthetic test table.", how_made="tests.",
                limits="Synthetic.", citation="")
    write_benchmark(root / NAME, partitions, name=NAME, space="nb201", schema=schema,
                    provenance=[{"name": "synthetic", "origin": "tests/test_download.py"}], card=card)
    return root


class _State:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log: list[tuple[str, str | None]] = []
        self.cut: dict[str, int] = {}  # path -> bytes to send before dropping the connection (once)
        self.corrupt: set[str] = set()  # paths served with one byte flipped
        self.delay = 0.0  # seconds between 16 KiB chunks
        self.lock = threading.Lock()

    def gets(self, path: str) -> int:
        return sum(1 for p, _ in self.log if p == path)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        state: _State = self.server.state
        rel = unquote(urlparse(self.path).path).lstrip("/")
        with state.lock:
            state.log.append((rel, self.headers.get("Range")))
            cut = state.cut.pop(rel, None)
        hub = re.fullmatch(rf"{HUB_REPO}/resolve/([^/]+)/(.*)", rel)  # the Hugging Face layout of the same folder
        if hub and hub[1] != HUB_REVISION:
            return self._reply(404, b"Revision not found")
        if hub and hub[2].endswith(".parquet"):  # the Hub redirects LFS files to its CDN
            self.send_response(302)
            self.send_header("Location", f"/cdn/{hub[2]}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rel = hub[2] if hub else rel.removeprefix("cdn/")
        file = (state.root / rel).resolve()
        if state.root.resolve() not in file.parents or not file.is_file():
            return self._reply(404, b"not found")
        data = bytearray(file.read_bytes())
        if rel in state.corrupt:
            data[len(data) // 2] ^= 0xFF
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return self._reply(416, b"")
        body = bytes(data[start:])
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        for i in range(0, len(body), 16384):
            self.wfile.write(body[i:i + 16384])
            time.sleep(state.delay)

    def _reply(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    """The loopback mirror; a client that hangs up mid-answer (some tests make it) is not reported."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> Path:
    return write_tiny_table(tmp_path_factory.mktemp("tables"))


@pytest.fixture
def mirror(tables, tmp_path):
    """A published mirror of the tiny table, served on 127.0.0.1:<ephemeral>; yields (url, state)."""
    site = tmp_path / "site"
    publish(NAME, site, root=tables)
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.state = _State(site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.state
    server.shutdown()
    server.server_close()


def _shards(tables: Path) -> list[dict]:
    return manifest_io.load(tables / NAME)["shards"]


def test_publish_lays_out_a_verified_static_mirror(tables, tmp_path):
    site = publish(NAME, tmp_path / "site", root=tables).parent
    assert manifest_io.verify(site / NAME)["name"] == NAME
    recorded = (site / NAME / "manifest.json.sha256").read_text().split()[0]
    assert recorded == sha256_file(site / NAME / "manifest.json") == sha256_file(tables / NAME / "manifest.json")
    with pytest.raises(UnknownNameError, match=NAME):
        publish("nope", tmp_path / "site2", root=tables)


def test_publish_refuses_a_corrupted_source(tables, tmp_path):
    broken = tmp_path / "broken"
    write_tiny_table(broken, n_archs=5)
    shard = broken / NAME / _shards(broken)[0]["path"]
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(CorruptFileError, match="part-00000"):
        publish(NAME, tmp_path / "site", root=broken)
    assert not (tmp_path / "site" / NAME / "manifest.json").exists()


def test_full_download_then_cached(tables, mirror, tmp_path):
    url, state = mirror
    got = download(NAME, base_url=url, cache_dir=tmp_path / "cache")
    assert got.path == tmp_path / "cache" / NAME and got.root == tmp_path / "cache"
    assert manifest_io.verify(got.path, content=True)["name"] == NAME
    assert sorted(got.fetched) == sorted(["README.md", "index/arrays.bin", *[s["path"] for s in _shards(tables)]])
    assert got.bytes_fetched == sum(s["bytes"] for s in _shards(tables)) + sum(
        (tables / NAME / f).stat().st_size for f in ("README.md", "index/arrays.bin"))
    again = download(NAME, base_url=url, cache_dir=tmp_path / "cache")
    assert again.fetched == [] and len(again.cached) == len(got.fetched)
    assert all(state.gets(f"{NAME}/{s['path']}") == 1 for s in _shards(tables))


def test_partial_download_fetches_only_the_asked_dataset(tables, mirror, tmp_path):
    url, state = mirror
    got = download(NAME, ["cifar100"], seeds=[777], base_url=url, cache_dir=tmp_path / "cache")
    shard = next(s["path"] for s in _shards(tables) if s["partition"]["dataset"] == "cifar100")
    assert got.fetched == ["README.md", "index/arrays.bin", shard]
    assert [p for p, _ in state.log if p.endswith(".parquet")] == [f"{NAME}/{shard}"]
    assert [p.relative_to(got.path).as_posix() for p in got.path.glob("*/*.parquet")] == [shard]
    with pytest.raises(UnknownNameError, match="cifar1000.*allowed: ImageNet16-120, cifar10-valid, cifar100"):
        download(NAME, ["cifar1000"], base_url=url, cache_dir=tmp_path / "cache")


def test_env_vars_choose_mirror_and_cache(mirror, tmp_path, monkeypatch):
    url, _ = mirror
    monkeypatch.setenv("NBX11_MIRROR", url)
    monkeypatch.setenv("NBX11_CACHE", str(tmp_path / "envcache"))
    got = download(NAME, ["cifar10-valid"])
    assert got.path == tmp_path / "envcache" / NAME and len(got.fetched) == 3


def test_corrupted_file_is_refused_deleted_and_named(tables, mirror, tmp_path):
    url, state = mirror
    shard = _shards(tables)[1]["path"]
    state.corrupt.add(f"{NAME}/{shard}")
    with pytest.raises(CorruptFileError, match=f"{shard}.*does not match its sha256.*refused and deleted"):
        download(NAME, base_url=url, cache_dir=tmp_path / "cache", retries=0)
    bench = tmp_path / "cache" / NAME
    assert not (bench / shard).exists()
    assert list((bench / PARTIAL_DIR).glob("*")) == []
    listed = {Path(s["path"]).name for s in _shards(tables)}
    assert [p.name for p in (bench / shard).parent.iterdir() if p.name not in listed] == []  # no temporary file
    state.corrupt.clear()
    rest = [s["path"] for s in _shards(tables)[1:]]  # the first error stops the download
    assert download(NAME, base_url=url, cache_dir=tmp_path / "cache").fetched == rest


def test_corrupted_cache_file_is_replaced_online_and_named_offline(tables, mirror, tmp_path):
    url, _ = mirror
    got = download(NAME, base_url=url, cache_dir=tmp_path / "cache")
    shard = _shards(tables)[0]["path"]
    (got.path / shard).write_bytes(b"rotten")
    with pytest.raises(DownloadError, match=f"{shard} is corrupted in the cache.*offline"):
        download(NAME, offline=True, cache_dir=tmp_path / "cache")
    assert download(NAME, base_url=url, cache_dir=tmp_path / "cache").fetched == [shard]
    assert sha256_file(got.path / shard) == _shards(tables)[0]["sha256"]


def test_interrupted_transfer_resumes_with_range(tables, mirror, tmp_path):
    url, state = mirror
    entry = _shards(tables)[2]
    path = f"{NAME}/{entry['path']}"
    half = entry["bytes"] // 2
    state.cut[path] = half
    with pytest.raises(DownloadError, match="rerun to resume"):
        download(NAME, base_url=url, cache_dir=tmp_path / "cache", retries=0)
    part = tmp_path / "cache" / NAME / PARTIAL_DIR / f"{entry['sha256']}.part"
    assert part.stat().st_size == half
    got = download(NAME, base_url=url, cache_dir=tmp_path / "cache", retries=0)
    assert got.fetched == [entry["path"]]
    assert [r for p, r in state.log if p == path] == [None, f"bytes={half}-"]
    assert sha256_file(got.path / entry["path"]) == entry["sha256"] and not part.exists()


def test_interrupted_transfer_resumes_within_one_call(tables, mirror, tmp_path):
    url, state = mirror
    entry = _shards(tables)[0]
    path = f"{NAME}/{entry['path']}"
    state.cut[path] = 1000
    got = download(NAME, base_url=url, cache_dir=tmp_path / "cache", retries=1)
    assert [r for p, r in state.log if p == path] == [None, "bytes=1000-"]
    assert manifest_io.verify(got.path)["name"] == NAME


def test_manifest_hash_mismatch_is_a_clear_error(mirror, tmp_path):
    url, state = mirror
    state.corrupt.add(f"{NAME}/manifest.json")
    with pytest.raises(CorruptFileError, match=r"manifest\.json does not match its expected sha256.*sha256"):
        download(NAME, base_url=url, cache_dir=tmp_path / "cache", retries=0)
    assert not (tmp_path / "cache" / NAME / "manifest.json").exists()
    state.corrupt.clear()
    with pytest.raises(CorruptFileError, match="pinned hash is " + "0" * 64):
        download(NAME, base_url=url, cache_dir=tmp_path / "cache", manifest_sha256="0" * 64)


def test_offline_from_cache_and_unreachable_mirror(mirror, tmp_path):
    url, state = mirror
    download(NAME, ["cifar100"], base_url=url, cache_dir=tmp_path / "cache")
    before = len(state.log)
    offline = download(NAME, ["cifar100"], offline=True, cache_dir=tmp_path / "cache")
    assert offline.offline and offline.fetched == [] and len(state.log) == before
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = download(NAME, ["cifar100"], base_url=dead, cache_dir=tmp_path / "cache")
    assert unreachable.offline and unreachable.cached == offline.cached
    shard = next(s["path"] for s in manifest_io.load(tmp_path / "cache" / NAME)["shards"]
                 if s["partition"]["dataset"] == "ImageNet16-120")
    with pytest.raises(DownloadError, match=f"{shard}.*is missing in the cache.*offline"):
        download(NAME, ["ImageNet16-120"], base_url=dead, cache_dir=tmp_path / "cache")
    with pytest.raises(DownloadError, match="out of reach and other is not cached"):
        download("other", base_url=dead, cache_dir=tmp_path / "cache")


_CHILD = """
import sys
from nbx11_data.readers.download import download
got = download(sys.argv[1], base_url=sys.argv[2], cache_dir=sys.argv[3])
print(len(got.fetched), len(got.cached))
"""


def test_two_processes_share_one_cache(tables, mirror, tmp_path):
    url, state = mirror
    state.delay = 0.05  # ~1 s per download, so the two processes overlap
    cache = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, NAME, url, str(cache)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    counts = sorted(tuple(map(int, out.split())) for out, _ in outputs)
    total = len(_shards(tables)) + 2  # the shards, README.md and the index
    assert counts == [(0, total), (total, 0)]  # one downloaded everything, the other found it cached
    assert all(state.gets(f"{NAME}/{s['path']}") == 1 for s in _shards(tables))
    assert manifest_io.verify(cache / NAME)["name"] == NAME


def test_cli_publish_and_download(tables, mirror, tmp_path, capsys):
    url, _ = mirror
    assert main(["publish", NAME, str(tmp_path / "site"), "--root", str(tables)]) == 0
    assert "published to" in capsys.readouterr().out
    assert main(["download", NAME, "--dataset", "cifar100", "--base-url", url,
                 "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "fetched 3 files" in out and "all verified" in out
    assert main(["download", NAME, "--dataset", "nope", "--base-url", url, "--cache-dir", str(tmp_path / "c")]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err


def test_reader_opens_a_partial_download_and_falls_back_to_the_cache(mirror, tmp_path, monkeypatch):
    import nbx11_data

    url, _ = mirror
    got = nbx11_data.download(NAME, ["cifar100"], base_url=url, cache_dir=tmp_path / "cache")
    bench = nbx11_data.open(NAME, root=got.root)
    assert bench.datasets == ["cifar100"]
    assert bench.sql("SELECT count(DISTINCT dataset), count(*) FROM final").fetchall() == [(1, 180)]
    assert bench.curve(bench.archs()[0], dataset="cifar100", metric="valid_acc", seed=888, budget=30).shape == (30,)
    with pytest.raises(UnknownNameError, match="unknown dataset 'cifar10-valid'; allowed: cifar100"):
        bench.curve(bench.archs()[0], dataset="cifar10-valid")
    monkeypatch.setenv("NBX11_TABLES", str(tmp_path / "no-tables"))
    monkeypatch.setenv("NBX11_CACHE", str(got.root))
    assert nbx11_data.open(NAME).folder == got.path
    nbx11_data.download(NAME, base_url=url)  # the rest: now complete
    assert nbx11_data.open(NAME).datasets == sorted(DATASETS)


def test_committed_nb201_round_trip(tmp_path):
    """The real table: published, served, downloaded partially then fully, and identical to the source."""
    import nbx11_data

    source = manifest_io.load(nbx11_data.open("nb201").folder)
    site = tmp_path / "site"
    publish("nb201", site)
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.state = _State(site)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        part = download("nb201", ["cifar100"], base_url=url, cache_dir=tmp_path / "cache")
        assert nbx11_data.open("nb201", root=part.root).datasets == ["cifar100"]
        full = download("nb201", base_url=url, cache_dir=tmp_path / "cache")
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(part.fetched + full.fetched) == sorted([*(f["path"] for f in source["files"]), *(s["path"] for s in source["shards"])])
    assert manifest_io.verify(full.path) == source  # every sha256, row count and schema


def test_publish_writes_a_hugging_face_dataset_repository(tables, tmp_path):
    site = publish(NAME, tmp_path / "site", root=tables).parent
    card = (site / "README.md").read_text()
    header = card.split("---")[1].splitlines()
    assert "license: mit" in header and f"- config_name: {NAME}" in header and "  - split: train" in header
    listed = [line.removeprefix("    - ") for line in header if line.startswith("    - ")]
    assert sorted(listed) == sorted(f"{NAME}/{s['path']}" for s in _shards(tables))
    assert all((site / path).is_file() for path in listed)
    assert "*.parquet filter=lfs" in (site / ".gitattributes").read_text()
    assert sha256_file(site / NAME / "manifest.json") in card


@pytest.mark.parametrize("form", ["resolve/{rev}", "resolve/{rev}/", "tree/{rev}", "resolve/{rev}/tiny201",
                                  "resolve/{rev}/tiny201/manifest.json"])
def test_download_takes_a_hugging_face_repository_url(tables, mirror, tmp_path, form):
    url, state = mirror
    got = download(NAME, ["cifar100"], base_url=f"{url}/{HUB_REPO}/{form.format(rev=HUB_REVISION)}",
                   cache_dir=tmp_path / "cache")
    import nbx11_data

    assert nbx11_data.open(NAME, root=got.root).datasets == ["cifar100"]
    shard = next(s["path"] for s in _shards(tables) if s["partition"]["dataset"] == "cifar100")
    assert state.gets(f"{HUB_REPO}/resolve/{HUB_REVISION}/{NAME}/{shard}") == 1  # asked the Hub path,
    assert state.gets(f"cdn/{NAME}/{shard}") == 1  # followed its redirect


def test_a_wrong_revision_or_no_mirror_says_what_to_pass(mirror, tmp_path, monkeypatch):
    url, _ = mirror
    with pytest.raises(DownloadError, match="manifest.json.sha256"):
        download(NAME, base_url=f"{url}/{HUB_REPO}/resolve/nope", cache_dir=tmp_path / "cache")
    monkeypatch.delenv("NBX11_MIRROR", raising=False)
    with pytest.raises(DownloadError, match=r"--base-url URL.*NBX11_MIRROR.*http://127.0.0.1:8000.*huggingface.co"):
        download(NAME, cache_dir=tmp_path / "cache2")
    with pytest.raises(DownloadError, match="not an http"):
        download(NAME, base_url="ftp://example.org/x", cache_dir=tmp_path / "cache3")


def test_mirror_root_reads_each_address_form():
    hub = "https://huggingface.co/datasets/org/nbx11"
    assert mirror_root(f"{hub}", "nb201") == f"{hub}/resolve/main"
    assert mirror_root(f"{hub}/blob/v2/mirrors/nb201/manifest.json?download=true", "nb201") == f"{hub}/resolve/v2/mirrors"
    assert mirror_root("hf://datasets/org/nbx11@v2/mirrors", "nb201") == f"{hub}/resolve/v2/mirrors"
    assert mirror_root("http://127.0.0.1:8000/site/", "nb201") == "http://127.0.0.1:8000/site"


@pytest.mark.parametrize("where, key, value", [
    ("files", "path", "../../escape_file.txt"),
    ("files", "path", "{tmp}/escape_file.txt"),
    ("files", "path", "README.md/../../../escape_file.txt"),
    ("shards", "sha256", "../../../escape_file.txt"),
    ("shards", "path", "manifest.json"),
])
def test_a_mirror_path_or_hash_that_leaves_the_cache_is_refused_before_anything_is_written(
        tables, mirror, tmp_path, where, key, value):
    url, state = mirror
    published = state.root / NAME / "manifest.json"
    manifest = json.loads(published.read_text())
    manifest[where][0][key] = value.format(tmp=tmp_path)
    published.write_text(json.dumps(manifest))
    (state.root / NAME / "manifest.json.sha256").write_text(f"{sha256_file(published)}  manifest.json\n")
    with pytest.raises(CorruptFileError, match="refused|must stay inside"):
        download(NAME, base_url=url, cache_dir=tmp_path / "cache")
    assert not list(tmp_path.rglob("escape_file.txt"))
    assert sorted(p.name for p in (tmp_path / "cache" / NAME).iterdir()) == ["manifest.json", "manifest.json.sha256"]
    assert not any(p.endswith(".parquet") for p, _ in state.log)
