"""Live surrogate fallback: the table is a cache of its checkpoint, misses are predicted with provenance."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nbx11_data
from nbx11_data import cli, spaces
from nbx11_data.errors import (ArchitectureNotFoundError, CorruptFileError, InvalidArchitectureError,
                               UnknownNameError)

REPO = Path(__file__).resolve().parent.parent
CHECKPOINT = "nbnlp11-wt2-v1"
NLP = spaces.get("nlp")


def _surrogate_tables() -> list[str]:
    """The default tables in tables/ that a checkpoint built (their manifest names it)."""
    root = REPO / "tables"
    return sorted(p.parent.name for p in root.glob("*/manifest.json") if "checkpoint" in json.loads(p.read_text()))


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A small nbnlp11-wt2 table (24 sampled cells, mean + seeds 0 and 1) built by `nbx11 build`."""
    out = tmp_path_factory.mktemp("tables")
    assert cli.main(["build", "nbnlp11-wt2", "--archs", "24", "--seeds", "2", "--unit-archs", "16", "--no-progress",
                     "--out", str(out / "nbnlp11-wt2")]) == 0
    return out


@pytest.fixture(scope="module")
def bench(root):
    return nbx11_data.open("nbnlp11-wt2", root=root)


@pytest.fixture(scope="module")
def unseen(bench) -> list[str]:
    """Encodable cells that are not in the small table."""
    held = set(bench.archs())
    return [a for a in map(NLP.format, NLP.sample(12, seed=2024, encodable=True)) if a not in held][:6]


def _assert_cache(bench, archs: list[str], seeds: list) -> None:
    """Table rows of ``archs`` equal fresh live predictions of the same (arch, seed), bit for bit."""
    space = bench.space
    parsed = [space.parse(a) for a in archs]
    ids = [space.arch_id(a) for a in parsed]
    dataset = bench.defaults.get("dataset", bench.datasets[0])
    n = len(archs)
    live = bench.fallback.curves(dataset, parsed * len(seeds), ids * len(seeds), [s for s in seeds for _ in archs],
                                 bench.metrics)  # one call per kind of seed (mean, noisy)
    for j, seed in enumerate(seeds):
        for metric in bench.metrics:
            stored = bench.curves(archs, dataset=dataset, metric=metric, seed=seed)
            np.testing.assert_array_equal(live[metric][j * n:(j + 1) * n], stored, err_msg=f"{metric} seed {seed}")


@pytest.mark.parametrize("name", _surrogate_tables())
def test_default_table_is_a_cache_of_its_checkpoint(name):
    bench = nbx11_data.open(name)
    archs = [a for (a,) in bench.sql("SELECT DISTINCT arch FROM curves WHERE source LIKE 'table:%'"
                                     " ORDER BY hash(arch) LIMIT 300").fetchall()]
    table_seeds = [s for s in bench.info()["seeds"] if s is not None]
    _assert_cache(bench, archs, [None, *table_seeds[:1], *table_seeds[-1:]])


def test_built_table_is_a_cache_of_its_checkpoint(bench):
    _assert_cache(bench, bench.archs(), [None, 0, 1])


def test_misses_are_predicted_in_one_call_and_cached(root, unseen, monkeypatch):
    bench = nbx11_data.open("nbnlp11-wt2", root=root)
    hits = bench.archs()[:3]
    calls = []
    ensemble = bench.fallback._ensemble()
    real = ensemble.predict_distinct
    monkeypatch.setattr(ensemble, "predict_distinct", lambda *a, **k: calls.append(len(a[0])) or real(*a, **k))
    parsed, real_parse = [], NLP.parse
    monkeypatch.setattr(NLP, "parse", lambda a, *k: (type(a) is str and parsed.append(a)) or real_parse(a, *k))
    mixed = [hits[0], unseen[0], hits[1], unseen[1], unseen[2], hits[2]]
    values, sources = bench.curves(mixed, seed=1, with_source=True)
    assert calls == [3] and sorted(parsed) == sorted(unseen[:3])  # table names are looked up, not parsed
    assert list(sources) == ["table:" + CHECKPOINT, "live:" + CHECKPOINT] * 1 + ["table:" + CHECKPOINT] + \
        ["live:" + CHECKPOINT] * 2 + ["table:" + CHECKPOINT]
    np.testing.assert_array_equal(values[[0, 2, 5]], bench.curves(hits, seed=1))
    again, _ = bench.curves(mixed[::-1], seed=1, with_source=True)
    assert calls == [3] and len(parsed) == 3  # the session cache answered, without parsing again
    np.testing.assert_array_equal(again, values[::-1])
    one, source = bench.curve(unseen[3], seed=None, with_source=True)
    assert source == "live:" + CHECKPOINT and calls == [3, 1] and one.dtype == np.float32 and one.shape == (50,)
    new_seed, source = bench.curve(hits[0], seed=7, with_source=True)  # an arch of the table, a seed it lacks
    assert source == "live:" + CHECKPOINT and calls == [3, 1, 1]


def test_live_rows_differ_by_seed_and_match_the_ensemble(bench, unseen):
    ensemble = bench.fallback._ensemble()
    for seed in (None, 3):
        got = bench.curves(unseen, metric="train_loss", seed=seed)
        want = ensemble.predict_batch(unseen, seeds=None if seed is None else [seed] * len(unseen))["train_loss"]
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(bench.curves(unseen, seed=3), bench.curves(unseen, seed=4))


def test_seeds_of_one_arch_share_parsing_and_boosters_not_noise(bench, unseen, monkeypatch):
    """archs x seeds in one call: each arch parsed and run through the boosters once; rows equal per-seed calls,
    and the mean rows' and the reader's live rows (one metric asked: only that metric predicted)."""
    from nbx11_data.surrogate.model import CurveModel

    ensemble = bench.fallback._ensemble()
    rows, seeds = [a for a in unseen[:4] for _ in range(3)], [0, 1, 2] * 4
    parsed, boosted = [], []
    real_parse, real_member = NLP.parse, CurveModel.member_components
    monkeypatch.setattr(NLP, "parse", lambda a, *k: (type(a) is str and parsed.append(a)) or real_parse(a, *k))
    monkeypatch.setattr(CurveModel, "member_components",
                        lambda self, x, member: boosted.append(len(x)) or real_member(self, x, member))
    got = ensemble.predict_batch(rows, seeds=seeds)
    members = sum(len(ensemble._models[m].boosters) for m in ensemble.metrics)
    assert len(parsed) == 4 and boosted == [4] * members
    monkeypatch.undo()
    for j in range(3):
        want = ensemble.predict_batch(unseen[:4], seeds=j)
        for metric in ensemble.metrics:
            np.testing.assert_array_equal(got[metric][j::3], want[metric])
    boosted.clear()
    monkeypatch.setattr(CurveModel, "member_components",
                        lambda self, x, member: boosted.append(len(x)) or real_member(self, x, member))
    fresh = nbx11_data.open("nbnlp11-wt2", root=bench.folder.parent)
    live = fresh.curves(unseen[:4], metric="train_loss", seed=2)
    assert boosted == [4] * len(ensemble._models["train_loss"].boosters)  # one metric asked: its boosters only
    np.testing.assert_array_equal(live, got["train_loss"][2::3])


def test_query_says_where_each_row_came_from(bench, unseen):
    hit = bench.archs()[0]
    frame = bench.query([unseen[0], hit], seed=0)
    assert frame["source"].tolist() == ["live:" + CHECKPOINT, "table:" + CHECKPOINT]
    assert frame["arch"].tolist() == [unseen[0], hit]
    assert frame["arch_id"][0] == NLP.arch_id(unseen[0])
    assert frame["valid_score"][0] == bench.curve(unseen[0], seed=0)[-1]
    at = bench.query([unseen[0]], seed=0, epoch=10, metrics=["epoch_time"])
    assert at["epoch_time"][0] == bench.curve(unseen[0], metric="epoch_time", seed=0)[9]


def test_invalid_architectures_are_refused_not_predicted(root):
    bench = nbx11_data.open("nbnlp11-wt2", root=root)
    with pytest.raises(InvalidArchitectureError):
        bench.curves([bench.archs()[0], "node_0=linear(x,h_prev_0);h_new_0=nonsense(node_0)"])
    with pytest.raises(InvalidArchitectureError):
        bench.query(["not a cell"])
    assert bench.fallback._ensemble_loaded is None  # nothing was predicted


def test_fallback_off_raises_not_found(root, unseen):
    bench = nbx11_data.open("nbnlp11-wt2", root=root, fallback=False)
    assert bench.curve(bench.archs()[0], seed=1).shape == (50,)
    with pytest.raises(ArchitectureNotFoundError, match="not in the table"):
        bench.curves([bench.archs()[0], unseen[0]])
    with pytest.raises(UnknownNameError, match="budget=50 seed=7"):
        bench.curve(bench.archs()[0], seed=7)


def test_register_puts_predictions_beside_table_rows_in_sql(bench, unseen):
    hits = bench.archs()[:2]
    bench.register("candidates", hits + unseen[:2], seeds=[None, 0, 1])
    assert bench.sql("DESCRIBE candidates").fetchall() == bench.sql("DESCRIBE curves").fetchall()
    counts = dict(bench.sql("SELECT source, count(*) FROM candidates GROUP BY source").fetchall())
    assert counts == {"table:" + CHECKPOINT: 6, "live:" + CHECKPOINT: 6}
    stored = bench.sql("SELECT arch, seed, valid_score, valid_score_final FROM curves WHERE arch IN (?, ?)"
                       " ORDER BY ALL", params=hits).fetchall()
    again = bench.sql("SELECT arch, seed, valid_score, valid_score_final FROM candidates WHERE source LIKE 'table:%'"
                      " ORDER BY ALL").fetchall()
    assert again == stored
    live = bench.sql("SELECT arch, seed, valid_score, valid_score_final FROM candidates WHERE arch = ? AND seed = 1",
                     params=[unseen[1]]).fetchall()
    curve = bench.curve(unseen[1], seed=1)
    assert live[0][2] == pytest.approx(curve.tolist(), abs=0) and live[0][3] == curve[-1]
    ranked = bench.sql("SELECT arch, source, avg(valid_score_final) AS score FROM"
                       " (SELECT * FROM curves UNION ALL SELECT * FROM candidates WHERE source LIKE 'live:%')"
                       " WHERE seed IS NOT NULL GROUP BY ALL ORDER BY score DESC").fetchall()
    assert len(ranked) == len(bench.archs()) + 2
    with pytest.raises(UnknownNameError):
        bench.register("curves", unseen)


def test_measured_table_has_no_fallback():
    bench = nbx11_data.open("nb201")
    assert bench.fallback is None
    assert bench.query([0], seed=777)["source"].tolist() == ["measured"]
    with pytest.raises(UnknownNameError, match="budget=200 seed=5"):
        bench.curve(0, seed=5, budget=200)


def test_checkpoint_that_differs_from_the_builder_s_is_refused(root, unseen, tmp_path, monkeypatch):
    copy = tmp_path / CHECKPOINT
    shutil.copytree(REPO / "checkpoints" / CHECKPOINT, copy)
    (copy / "checkpoint.json").write_text((copy / "checkpoint.json").read_text() + "\n")
    monkeypatch.setenv("NBX11_CHECKPOINTS", str(tmp_path))
    with pytest.raises(CorruptFileError, match="differs from the checkpoint that built"):
        nbx11_data.open("nbnlp11-wt2", root=root).curves(unseen)


_SCRIPT = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "lightgbm" or name.startswith("lightgbm."):
            raise ImportError("lightgbm blocked for this test")
if BLOCK:
    sys.meta_path.insert(0, Block())
import nbx11_data
from nbx11_data import spaces
from nbx11_data.errors import MissingDependencyError
bench = nbx11_data.open("nbnlp11-wt2", root=ROOT)
hit = bench.archs()[0]
print("hit", bench.curves([hit], seed=0, with_source=True)[1][0], bench.sql("SELECT count(*) FROM final").fetchall()[0][0])
print("lightgbm loaded:", "lightgbm" in sys.modules)
try:
    print("miss", bench.curves([hit, UNSEEN], seed=0, with_source=True)[1][1])
except MissingDependencyError as err:
    print("error:", err)
print("lightgbm loaded:", "lightgbm" in sys.modules)
"""


@pytest.mark.parametrize("block", [True, False])
def test_reader_needs_lightgbm_only_for_a_miss(root, unseen, block):
    script = _SCRIPT.replace("BLOCK", repr(block)).replace("ROOT", repr(str(root))).replace("UNSEEN", repr(unseen[0]))
    env = {**os.environ, "NBX11_TABLES": str(root)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"hit table:{CHECKPOINT} {len(bench_rows(root))}"
    assert lines[1] == "lightgbm loaded: False"
    if block:
        assert lines[2].startswith("error: nbnlp11-wt2: architectures not in the table are predicted live by")
        assert 'pip install "nbx11-data[surrogate]"' in lines[2]
        assert lines[3] == "lightgbm loaded: False"
    else:
        assert lines[2:] == [f"miss live:{CHECKPOINT}", "lightgbm loaded: True"]


def bench_rows(root) -> list:
    return nbx11_data.open("nbnlp11-wt2", root=root).sql("SELECT arch FROM final").fetchall()


def test_cli_query_answers_misses_with_their_source(root, unseen, capsys):
    hit = nbx11_data.open("nbnlp11-wt2", root=root).archs()[0]
    assert cli.main(["query", "nbnlp11-wt2", hit, unseen[0], "--root", str(root), "--seed", "1",
                     "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["arch"], r["seed"], r["source"]) for r in rows] == [(hit, "1", "table:" + CHECKPOINT),
                                                                  (unseen[0], "1", "live:" + CHECKPOINT)]
    assert cli.main(["query", "nbnlp11-wt2", unseen[0], "--root", str(root), "--no-fallback"]) == 2
    assert "not in the table" in capsys.readouterr().err


def test_members_on_threads_give_the_same_bits_as_one_thread(bench, unseen, monkeypatch):
    from nbx11_data.surrogate import ensemble as ensemble_module

    ensemble = bench.fallback._ensemble()
    seeds = [0, 1] * (len(unseen) // 2)
    monkeypatch.setattr(ensemble_module, "THREADS", 1)
    serial = ensemble.predict_batch(unseen[: len(seeds)], seeds=seeds)
    monkeypatch.setattr(ensemble_module, "THREADS", 3)
    threaded = ensemble.predict_batch(unseen[: len(seeds)], seeds=seeds)
    for metric in ensemble.metrics:
        np.testing.assert_array_equal(serial[metric], threaded[metric])
