"""Download figures on loopback for the committed nb201 table, side by side with a plain ``requests`` peer.

The table is published to a temporary folder and served by ``http.server`` on
127.0.0.1 (an ephemeral port). Figures (median of 3, fresh cache each time):

- ``nbx11 download``: full, one dataset (partial), a second call on a warm cache (all verified, nothing fetched),
  and a transfer cut at half of each shard then resumed;
- peer: the same files fetched with ``requests.get(stream=True)`` and nothing else (no hash, lock, resume).

Loopback shows the overhead of verification and bookkeeping, not network speed.

Example:
    .venv/bin/python benchmarks/bench_download.py
"""

from __future__ import annotations

import functools
import http.server
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

import nbx11_data
from nbx11_data import manifest as manifest_io
from nbx11_data.readers.download import download
from nbx11_data.readers.publish import publish


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _median(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    work = Path(tempfile.mkdtemp())
    source = manifest_io.load(nbx11_data.open("nb201").folder)
    publish("nb201", work / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(work / "site")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    paths = ["manifest.json.sha256", "manifest.json", "README.md", *(s["path"] for s in source["shards"])]
    total = sum(s["bytes"] for s in source["shards"])
    runs = iter(range(1000))

    def fresh(**kwargs):
        return lambda: download("nb201", base_url=url, cache_dir=work / f"c{next(runs)}", **kwargs)

    def peer():
        out = work / f"p{next(runs)}"
        for path in paths:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            with requests.get(f"{url}/nb201/{path}", stream=True, timeout=60) as response, open(out / path, "wb") as f:
                response.raise_for_status()
                for chunk in response.iter_content(1 << 16):
                    f.write(chunk)

    def resumed():
        cache = work / f"c{next(runs)}"
        for shard in source["shards"]:  # half of every shard already on disk, as after a cut transfer
            part = cache / "nb201" / ".partial" / f"{shard['sha256']}.part"
            part.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes((work / "site" / "nb201" / shard["path"]).read_bytes()[: shard["bytes"] // 2])
        download("nb201", base_url=url, cache_dir=cache)

    warm = work / "warm"
    download("nb201", base_url=url, cache_dir=warm)
    cifar100 = next(s["bytes"] for s in source["shards"] if s["partition"]["dataset"] == "cifar100")
    rows = [
        ("nbx11 download, full", fresh(), total),
        ("nbx11 download --dataset cifar100", fresh(datasets=["cifar100"]), cifar100),
        ("nbx11 download, resume from half", resumed, total - sum(s["bytes"] // 2 for s in source["shards"])),
        ("nbx11 download, warm cache", lambda: download("nb201", base_url=url, cache_dir=warm), 0),
        ("peer: requests.get, no checks", peer, total),
    ]
    print(f"nb201: {len(source['shards'])} shards, {total / 1e6:.2f} MB; loopback http.server; median of 3")
    print(f"{'what':40s} {'seconds':>8s} {'MB fetched':>11s} {'MB/s':>7s}")
    for name, fn, size in rows:
        seconds = _median(fn)
        rate = f"{size / 1e6 / seconds:7.1f}" if size else "      -"
        print(f"{name:40s} {seconds:8.3f} {size / 1e6:11.2f} {rate}")
    server.shutdown()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
