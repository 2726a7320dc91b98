"""NAS on nb201 as a two-budget table: every cell in the pool, the 12- and 200-epoch results as fidelities,
each budget its own run, refusals that say what the table holds, and what runs report (regret here, the
error where the space's optimum is unknown)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nbx11_data
from nbx11_data.cli import main
from nbx11_data.errors import NBX11Error
from nbx11_data.nas.adapter import TableSource
from nbx11_data.nas.objective import Trial
from nbx11_data.nas.optimizers import run
from nbx11_data.nas.settings import settings_for


@pytest.fixture(scope="module")
def source():
    return TableSource("nb201")


@pytest.fixture(scope="module")
def pool(source):
    return source.pool(trial=0)


def _settings(**overrides):
    return settings_for("nb201", 2, **{"budget": 1e5, "population_size": 8, "sample_size": 4, **overrides})


def test_the_pool_is_every_cell_at_both_budgets(source, pool):
    bench = nbx11_data.open("nb201")
    assert source.fidelities == (12, 200) and pool.fidelities == (12, 200)
    assert len(pool) == pool.table_rows == 15625 and pool.incomplete == 0 and source.left_out() == {}
    rows = [5, 1462, 9000, 15624]
    archs = [pool.archs[r] for r in rows]
    low = bench.query(archs, dataset="cifar10-valid", budget=12, seed=None)  # cifar10-valid's 12-epoch mean rows
    high = bench.query(archs, dataset="cifar10-valid", budget=200, seed=777)
    metric = bench._metric("valid_accuracy")
    np.testing.assert_array_equal(pool.val[rows, 0], low[metric].to_numpy())
    np.testing.assert_array_equal(pool.val[rows, 1], high[metric].to_numpy())
    # a NATS cell has a 12-epoch run of the trial's seed: that one, not the mean
    nats = bench.query([pool.archs[11]], dataset="cifar10-valid", budget=12, seed=777)
    assert pool.val[11, 0] == nats[metric].iloc[0]
    time = bench._metric("elapsed_time")
    np.testing.assert_allclose(pool.epoch_seconds[rows, 1], high[time].to_numpy(), rtol=1e-7)
    assert pool.optimum_known and pool.best_val == pytest.approx(float(np.max(pool.val[:, 1])))
    assert np.isnan(pool.test[:, 1]).sum() == 15625 - 3  # 200-epoch test results: the 3 NATS cells only


def test_a_budget_is_one_run_of_its_own(pool):
    row = next(r for r in range(len(pool)) if r > 3)  # a cell without a NATS curve: no 12-epoch runtime
    trial = Trial(pool, budget=1e7, seed=0)
    trial.train(row, 1)
    assert trial.elapsed == pytest.approx(pool.epoch_seconds[row, 1] * 12 / 200)  # scaled from the 200-epoch run
    before = trial.elapsed
    trial.train(row, 2)  # not a continuation: the whole 200-epoch run is charged
    assert trial.elapsed - before == pytest.approx(pool.epoch_seconds[row, 1])
    assert trial.incumbent == row


@pytest.mark.parametrize("name", ["hb", "bohb"])
def test_hyperband_rungs_are_the_two_budgets(pool, name):
    trial = run(name, pool, _settings(), seed=1)
    assert trial.elapsed <= 1e5 and trial.incumbent is not None
    assert set(trial.trained.values()) == {1, 2}  # some cells stop at 12 epochs, some go to 200
    low = sum(1 for level in trial.trained.values() if level == 1)
    assert low > len(trial.trained) / 2  # the first rung of each bracket holds most cells


def test_screened_variant_screens_on_the_12_epoch_result_and_lce_refuses(pool):
    trial = run("re_svr", pool, _settings(population_size=6), seed=2)
    assert trial.screened and trial.elapsed <= 1e5
    with pytest.raises(NBX11Error, match="12 and 200 epochs"):
        run("re_lce", pool, _settings(), seed=0)


def test_cli_searches_every_cell_and_says_what_it_left_out(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "rs", "hb", "re", "--benchmark", "nb201", "--budget", "200000", "--trials", "2",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "search pool 15625 of the table's 15625 archs, left out: none" in printed
    assert "budgets 12/200 epochs" in printed and printed.count("final val regret") == 3
    frame = pd.read_parquet(out / "nb201" / "re.parquet")
    assert (frame.val_regret >= 0).all() and (frame.time <= 2e5).all() and set(frame.reported) == {"val_regret"}
    assert frame.groupby("trial").val_regret.last().max() < 3  # a real search, not a 3-cell pool


def test_cli_errors_name_the_flag_and_what_the_table_holds(tmp_path, capsys):
    assert main(["run", "rs", "--benchmark", "nb201", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--budget SECONDS" in err and "budget=" not in err
    assert main(["run", "re_lce", "--benchmark", "nb201", "--budget", "1e5", "--out", str(tmp_path)]) == 2
    assert "no per-epoch curves" in capsys.readouterr().err
    assert not (tmp_path / "nb201").exists()


def test_runs_report_the_error_where_the_optimum_is_unknown(tmp_path, capsys):
    pytest.importorskip("lightgbm")
    out = tmp_path / "res"
    assert main(["run", "rs", "--benchmark", "nbnlp11-wt2", "--budget", "2e5", "--trials", "2",
                 "--out", str(out)]) == 0
    assert "final validation loss (nats)" in capsys.readouterr().out
    frame = pd.read_parquet(out / "nbnlp11-wt2" / "rs.parquet")
    assert set(frame.reported) == {"val_error"} and set(frame.error_unit) == {"nats"}
    np.testing.assert_allclose(frame.val_error, 100 - frame.val_acc)  # valid_score = 100 - loss: the loss
    png = tmp_path / "p.png"
    assert main(["plot-runs", str(out), "--out", str(png)]) == 0
    assert "| nbnlp11-wt2 | rs | validation loss (nats) |" in capsys.readouterr().out
