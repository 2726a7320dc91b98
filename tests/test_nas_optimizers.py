"""NAS optimizers on the SYNTHETIC NB201-subspace pool (invented curves; see nbx11_data.nas.synthetic)."""

from __future__ import annotations

import pandas as pd
import pytest

from nbx11_data.cli import main
from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.nas import synthetic
from nbx11_data.nas.objective import BudgetExhausted, Trial
from nbx11_data.nas.optimizers import OPTIMIZERS, run
from nbx11_data.nas.settings import settings_for


@pytest.fixture(scope="module")
def pool():
    return synthetic.nb201_subspace_pool(seed=0)


def small(pool, **overrides):
    base = dict(budget=6e5, population_size=10, sample_size=5, num_init=10, num_candidates=30,
                batch_size=5, num_ensemble=2, svr_hypers=10, mcmc_steps=5)
    base.update(overrides)
    return settings_for("toy", pool.epochs, **base)


def test_pool_neighbours_are_one_op_changes(pool):
    for row in (0, 100, 728):
        ops = pool.archs[row].strip("|").replace("|+|", "|").split("|")
        for n in pool.neighbours(row):
            other = pool.archs[n].strip("|").replace("|+|", "|").split("|")
            assert sum(a != b for a, b in zip(ops, other)) == 1
        assert len(pool.neighbours(row)) == 12  # 6 edges x 2 other ops


@pytest.fixture(scope="module")
def tiny():
    return synthetic.nb201_subspace_pool(seed=0, n_ops=2)  # 64 cells


@pytest.mark.parametrize("name", ["rs", "re", "ls", "bananas", "hb", "bohb"])
def test_optimizer_finds_the_best_architecture(tiny, name):
    # training all 64 cells fully costs about 1.6e5 s; three times that is "enough budget"
    full = tiny.epoch_seconds.sum()
    budget = (1.5 if name == "bananas" else 3) * full
    trial = run(name, tiny, small(tiny, budget=budget, population_size=8, num_init=8), seed=0)
    assert trial.incumbent == tiny.best_index
    assert trial.elapsed <= trial.budget


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_budget_never_exceeded_and_seed_reproduces(pool, name):
    settings = small(pool, budget=3e4 if name.endswith("_lce") else 6e4, population_size=6, num_init=6)
    first, again = run(name, pool, settings, seed=5), run(name, pool, settings, seed=5)
    assert 0 < first.elapsed <= settings.budget
    assert first.trajectory == again.trajectory and first.elapsed == again.elapsed
    assert first.trained == again.trained


def test_screening_charges_only_extra_epochs_and_hyperband_restarts(pool):
    trial = Trial(pool, budget=1e6, seed=0)
    per_epoch = pool.epoch_seconds[3, 0]
    trial.train(3, 10)
    trial.train(3, pool.epochs)
    assert trial.elapsed == pytest.approx(per_epoch * pool.epochs)
    trial.train(3, 10, restart=True)
    assert trial.elapsed == pytest.approx(per_epoch * (pool.epochs + 10))
    small_trial = Trial(pool, budget=per_epoch * 5, seed=0)
    with pytest.raises(BudgetExhausted):
        small_trial.train(3, 6)
    assert small_trial.elapsed == 0


def test_lce_screening_rejects_some_candidates(pool):
    trial = run("re_lce", pool, small(pool, budget=4e4, population_size=6), seed=2)
    partial_only = sum(0 < epochs < pool.epochs for epochs in trial.trained.values())
    assert partial_only > 0


def test_bad_names_and_settings(pool):
    with pytest.raises(UnknownNameError):
        run("evolution", pool, small(pool), seed=0)
    with pytest.raises(NBX11Error):
        settings_for("toy", 50)  # generic settings need a budget
    with pytest.raises(NBX11Error):
        settings_for("toy", 50, budget=1e5, first_epochs=60)
    assert settings_for("nbnlp11-wt2", 50).target_epoch == 50


def test_cli_run_and_plot(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", "rs", "re", "--benchmark", "synthetic", "--trials", "3", "--seed", "1",
                 "--budget", "1e5", "--jobs", "2", "--out", str(out)]) == 0
    frame = pd.read_parquet(out / "synthetic-nb201-subspace" / "re.parquet")
    assert sorted(frame.trial.unique()) == [0, 1, 2]
    assert (frame.time <= 1e5).all() and (frame.val_regret >= 0).all()
    serial = tmp_path / "serial"
    main(["run", "re", "--benchmark", "synthetic", "--trials", "3", "--seed", "1", "--budget", "1e5",
          "--out", str(serial)])
    pd.testing.assert_frame_equal(frame, pd.read_parquet(serial / "synthetic-nb201-subspace" / "re.parquet"))
    png = tmp_path / "regret.png"
    csv = tmp_path / "final.csv"
    assert main(["plot-runs", str(out), "--out", str(png), "--csv", str(csv)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| synthetic-nb201-subspace | re |" in capsys.readouterr().out
    summary = pd.read_csv(csv).set_index("optimizer")
    last = frame.sort_values("time").groupby("trial")["val_regret"].last()
    assert summary.loc["re", "mean"] == pytest.approx(last.mean(), abs=1e-4) and summary.loc["re", "count"] == 3
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    assert main(["plot-runs", str(tmp_path / "bad.parquet"), "--out", str(png)]) == 2


def test_cli_resume_runs_only_missing_trials_and_equals_one_run(tmp_path, capsys):
    common = ["--benchmark", "synthetic", "--seed", "2", "--budget", "1e5"]
    whole, steps = tmp_path / "whole", tmp_path / "steps"
    assert main(["run", "re", *common, "--trials", "4", "--out", str(whole)]) == 0
    assert main(["run", "re", *common, "--trials", "1", "--out", str(steps)]) == 0
    assert main(["run", "re", *common, "--trials", "4", "--resume", "--out", str(steps)]) == 0
    assert "3 trials run, 4 in the file" in capsys.readouterr().out
    path = "synthetic-nb201-subspace/re.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(whole / path), pd.read_parquet(steps / path))
    assert main(["run", "re", *common, "--trials", "4", "--resume", "--out", str(steps)]) == 0
    assert "0 trials run, 4 in the file" in capsys.readouterr().out
    # another seed or budget must not be mixed into the file
    assert main(["run", "re", *common[:-3], "3", "--budget", "1e5", "--trials", "5", "--resume",
                 "--out", str(steps)]) == 2
    assert main(["run", "re", *common[:-1], "2e5", "--trials", "5", "--resume", "--out", str(steps)]) == 2
    assert "cannot resume" in capsys.readouterr().err
