"""Builds that are safe to run twice: a lock on the output folder (the second build says who holds it, or
waits), work units kept while another build uses them, and local workers that die with their parent."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbx11_data import manifest as manifest_io
from nbx11_data.builder.fit import FitConfig
from nbx11_data.builder.recipes import get as get_recipe
from nbx11_data.builder.tables.lock import FolderLockedError, out_lock, work_lock
from nbx11_data.builder.train import train
from nbx11_data.cli import main
from nbx11_data.errors import UnknownNameError

TINY_FIT = FitConfig(members=1, max_components=2, num_boost_round=20, early_stopping_rounds=5, n_windows=2)


@pytest.fixture(scope="module")
def tiny(shared_data, tmp_path_factory) -> Path:
    """A tiny NB-NLP11 checkpoint (fast to load) trained on the real logs."""
    recipe = dataclasses.replace(get_recipe("nbnlp11-wt2"), config=TINY_FIT)
    return Path(train(recipe, shared_data / "nbnlp-wt2" / "logs.zip", tmp_path_factory.mktemp("ck"))["folder"])


def _options(tiny: Path, archs: int = 12, unit_archs: int = 4) -> list[str]:
    return ["--archs", str(archs), "--unit-archs", str(unit_archs), "--seeds", "2", "--no-progress",
            "--checkpoint", str(tiny)]


def _start(options: list[str], out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nbx11_data.cli", "build", "nbnlp11-wt2", *options, *extra,
                             "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _units(tmp_path: Path, name: str = "t") -> int:
    return len(list((tmp_path / f".{name}.build").glob("*/unit-*.arrow")))


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _fingerprint(manifest: dict) -> list[tuple]:
    return [(s["path"], s["sha256"], s["content_sha256"], s["rows"]) for s in manifest["shards"]]


def test_lock_names_its_holder_and_frees_on_exit(tmp_path):
    out = tmp_path / "t"
    with out_lock(out):
        started = time.monotonic()
        with pytest.raises(FolderLockedError, match=rf"t is being built by pid {os.getpid()} on host \S+ since 20"):
            with out_lock(out, wait=0.5):
                pass
        assert time.monotonic() - started >= 0.5
    with out_lock(out):  # released, and the lock file is gone again
        pass
    assert not list(tmp_path.iterdir())
    with pytest.raises(UnknownNameError, match="--wait"):
        with out_lock(out, wait=-1):
            pass


def test_second_build_of_a_folder_says_who_holds_it_or_waits_and_resumes(tiny, tmp_path):
    options = _options(tiny, archs=1800, unit_archs=3)  # 600 units: the first build is still computing below
    out = tmp_path / "t"
    first = _start(options, out)
    _wait_for(lambda: _units(tmp_path) >= 1 or first.poll() is not None)
    second = subprocess.run([sys.executable, "-m", "nbx11_data.cli", "build", "nbnlp11-wt2", *options,
                             "--out", str(out)], capture_output=True, text=True)
    assert second.returncode == 2, second.stderr[-2000:]
    assert f"is being built by pid {first.pid} on host" in second.stderr
    waiting = _start(options, out, "--wait", "300")
    time.sleep(1.0)
    assert first.poll() is None and waiting.poll() is None
    first.send_signal(signal.SIGKILL)  # the kernel frees its lock: the waiting build takes over and resumes
    assert waiting.wait(timeout=300) == 0, waiting.stderr.read()[-2000:]
    computed = int(waiting.stderr.read().split("computed ")[1].split()[0])
    assert computed < 600  # it resumed from the units the killed build stored
    assert manifest_io.verify(out, content=True)["build"]["predicted"] == 1800
    assert not (tmp_path / ".t.build").exists() and not (tmp_path / ".t.lock").exists()


def test_work_units_another_build_holds_are_kept(tiny, tmp_path):
    work = tmp_path / "work"
    options = [*_options(tiny), "--work", str(work)]
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(tmp_path / "a"), "--shard", "0/1"]) == 0
    (key,) = list(work.iterdir())
    with work_lock(key):  # another build (e.g. one into another --out) still uses these units
        assert main(["build", "nbnlp11-wt2", *options, "--out", str(tmp_path / "b")]) == 0
        assert len(list(key.glob("unit-*.arrow"))) == 3
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(tmp_path / "c")]) == 0
    assert not key.exists()
    assert _fingerprint(manifest_io.load(tmp_path / "b")) == _fingerprint(manifest_io.load(tmp_path / "c"))


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_workers_die_with_their_parent_and_store_nothing_after(tiny, tmp_path):
    out = tmp_path / "t"
    parent = _start(_options(tiny, archs=240, unit_archs=3), out, "--jobs", "2")
    _wait_for(lambda: _units(tmp_path) >= 2 or parent.poll() is not None)
    workers = _children(parent.pid)
    assert len(workers) >= 2, workers  # two workers (and the resource tracker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert parent.returncode == -signal.SIGKILL, parent.stderr.read()[-2000:]
    stored = _units(tmp_path)
    _wait_for(lambda: not any(_alive(pid) for pid in workers), seconds=10)
    time.sleep(1.0)
    assert _units(tmp_path) == stored < 80
    assert not (out / "manifest.json").exists()
