"""NAS through the reader on the committed nbnlp11-wt2 table (table hits, live fallback for mutated cells).

The search-space moves themselves are tested in test_space_contract.py and test_space_<name>.py."""

from __future__ import annotations

import numpy as np
import pytest

import nbx11_data
from nbx11_data import spaces
from nbx11_data.nas.adapter import TableSource
from nbx11_data.nas.optimizers import run
from nbx11_data.nas.runner import run_trials
from nbx11_data.nas.settings import settings_for

pytest.importorskip("lightgbm")  # mutated cells are predicted live by the table's checkpoint
NAME = "nbnlp11-wt2"


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    # live predictions of one or a few cells: one LightGBM thread is fastest (as in `nbx11 run`)
    monkeypatch.setattr("nbx11_data.surrogate.model.THREADS", 1)


@pytest.fixture(scope="module")
def source():
    return TableSource(NAME)


def settings(**overrides):
    return settings_for(NAME, 50, **{"budget": 4e5, "population_size": 8, "sample_size": 4, **overrides})


def test_evolution_leaves_the_table_and_reads_what_the_reader_answers(source):
    pool = source.pool(trial=2)
    assert pool.seed == 2 and pool.table_rows == len(pool)
    trial = run("re", pool, settings(), seed=[0, 2])
    new = [row for row in trial.trained if row >= pool.table_rows]
    assert new and pool.fetches >= 1  # mutated cells left the table
    bench = nbx11_data.open(NAME)
    archs = [pool.archs[row] for row in new]
    expected, sources = bench.curves(archs, metric="val_score", seed=2, with_source=True)
    assert set(sources) == {"live:nbnlp11-wt2-v1"}
    np.testing.assert_array_equal(pool.val[new], expected.astype(np.float64))
    seconds = bench.curves(archs, metric="epoch_time", seed=2).astype(np.float64)  # every epoch costs the mean
    np.testing.assert_allclose(pool.epoch_seconds[new], np.repeat(seconds.mean(axis=1, keepdims=True), 50, axis=1))
    table_rows = [row for row in trial.trained if row < pool.table_rows][:5]
    np.testing.assert_array_equal(pool.val[table_rows], bench.curves([pool.archs[r] for r in table_rows],
                                                                     metric="val_score", seed=2))
    once = sum(pool.epoch_seconds[r, :e].sum() for r, e in trial.trained.items())
    assert once - 1e-6 <= trial.elapsed <= 4e5  # a child met again is trained (and charged) again


def test_a_trial_reproduces_with_a_warm_cache_or_cold_in_parallel_workers(source):
    import pandas as pd

    run("re", source.pool(1), settings(), seed=9)  # warms this process's fallback cache
    warm = run_trials("ls", source, settings(), trials=2, seed=3)
    parallel = run_trials("ls", TableSource(NAME), settings(), trials=2, seed=3, jobs=2)  # fresh processes
    pd.testing.assert_frame_equal(warm, parallel)
    assert set(warm["curve_seed"]) == {0, 1} and (warm["time"] <= 4e5).all()


def test_in_table_option_never_leaves_the_table():
    pool = TableSource(NAME, in_table=True).pool(trial=0)
    trial = run("re", pool, settings(), seed=1)
    assert len(pool) == pool.table_rows and pool.fetches == 0
    assert max(trial.trained) < pool.table_rows


def test_mean_curves_and_regret_reference(source):
    pool = TableSource(NAME, seeds=[None]).pool(trial=7)
    assert pool.seed is None
    bench = nbx11_data.open(NAME)
    finals = bench.query(pool.archs, metrics=["val_score"], seed=None)["valid_score"].to_numpy()
    assert pool.best_val == pytest.approx(float(finals.max()))


def test_random_draws_take_the_table_without_replacement_then_sample_the_space(source):
    pool, rng = source.pool(trial=0), np.random.default_rng(4)
    first = [pool.sample(rng) for _ in range(pool.table_rows)]
    assert sorted(first) == list(range(pool.table_rows))
    fresh = pool.sample(rng)
    assert fresh == pool.table_rows and spaces.get("nlp").parse(pool.archs[fresh])
    pool.ensure([fresh])
    assert np.isfinite(pool.val[fresh]).all()
