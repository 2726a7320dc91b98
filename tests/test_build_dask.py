"""Builds on a Dask cluster (a LocalCluster of 2 worker processes): byte-identical to ``--jobs 1``, resuming
from the units already stored, the same table when a worker is killed mid-build (Dask reruns its units on
the restarted worker, which loads the checkpoint again), and clear errors for options that do not go together."""

from __future__ import annotations

import contextlib
import dataclasses
import time

import pytest

from nbx11_data import manifest as manifest_io
from nbx11_data.builder.fit import FitConfig
from nbx11_data.builder.recipes import get as get_recipe
from nbx11_data.builder.train import train
from nbx11_data.cli import main

distributed = pytest.importorskip("distributed")

TINY_FIT = FitConfig(members=1, max_components=2, num_boost_round=20, early_stopping_rounds=5, n_windows=2)


@pytest.fixture(scope="module")
def options(shared_data, tmp_path_factory) -> list[str]:
    """A small build from a tiny NB-NLP11 checkpoint trained on the real logs, with its real runs as rows."""
    recipe = dataclasses.replace(get_recipe("nbnlp11-wt2"), config=TINY_FIT)
    tiny = train(recipe, shared_data / "nbnlp-wt2" / "logs.zip", tmp_path_factory.mktemp("ck"))["folder"]
    return ["--archs", "40", "--unit-archs", "16", "--seeds", "2", "--no-progress", "--checkpoint", str(tiny),
            "--source", str(shared_data)]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def _fingerprint(manifest: dict) -> list[tuple]:
    return [(s["path"], s["sha256"], s["content_sha256"], s["rows"]) for s in manifest["shards"]]


def test_cluster_build_equals_jobs_1_and_resumes(options, cluster, tmp_path, capsys):
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(local)]) == 0
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(remote), "--shard", "0/4"]) == 0  # a stopped build
    capsys.readouterr()
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(remote), "--scheduler", cluster.scheduler_address]) == 0
    log = capsys.readouterr().err
    total = manifest_io.load(local)["build"]
    assert total["measured"] > 200 and total["predicted"] == 40
    units = -(-(total["measured"] + total["predicted"]) // 16)
    stored = len(range(0, units, 4))
    assert f"computed {units - stored} units" in log and f"on the Dask cluster {cluster.scheduler_address}" in log
    assert _fingerprint(manifest_io.verify(remote, content=True)) == _fingerprint(manifest_io.verify(local))
    assert not (tmp_path / ".remote.build").exists()
    with distributed.Client(cluster.scheduler_address) as client:  # each worker unloaded the checkpoint after
        loaded = client.run(lambda: sorted(__import__("nbx11_data.builder.tables.dask_runner", fromlist=["_"])._LOADED))
    assert list(loaded.values()) == [[], []]


def test_cluster_options_that_do_not_go_together(options, tmp_path, capsys):
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(tmp_path / "t"), "--jobs", "2",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--jobs with --scheduler" in capsys.readouterr().err
    assert main(["build", "nbnlp11-wt2", *options, "--out", str(tmp_path / "t"), "--scheduler", " "]) == 2
    assert "unknown --scheduler ' '" in capsys.readouterr().err
    assert not (tmp_path / "t").exists()


@pytest.mark.slow
def test_a_worker_killed_mid_build_is_replaced_and_the_table_is_the_same(options, cluster, tmp_path):
    import os
    import threading

    small = [*options[:options.index("--source")], "--archs", "150", "--unit-archs", "1"]  # still running below
    assert main(["build", "nbnlp11-wt2", *small, "--out", str(tmp_path / "local")]) == 0
    codes = []
    build = threading.Thread(target=lambda: codes.append(main(
        ["build", "nbnlp11-wt2", *small, "--out", str(tmp_path / "remote"), "--scheduler", cluster.scheduler_address])))
    build.start()
    units = lambda: len(list((tmp_path / ".remote.build").glob("*/unit-*.arrow")))  # noqa: E731
    deadline = time.monotonic() + 120
    while units() < 5 and build.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    with distributed.Client(cluster.scheduler_address) as client:
        victim = sorted(client.scheduler_info()["workers"])[0]
        with contextlib.suppress(Exception):  # the worker dies before it answers
            client.run(os._exit, 1, workers=[victim])
    assert build.is_alive() and 5 <= units(), "the build ended before the worker was killed"
    build.join(timeout=300)
    assert codes == [0]
    assert _fingerprint(manifest_io.verify(tmp_path / "remote", content=True)) == _fingerprint(
        manifest_io.load(tmp_path / "local"))
