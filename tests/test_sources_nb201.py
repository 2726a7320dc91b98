"""The meaning of each NB201 source, established against the NATS-Bench archive fixture, and the x11 layout."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nbx11_data.builder.sources import mini_nb201, nats_tss, nb201_finals, x11_nb201
from nbx11_data.spaces import nb201

FIXTURE = (0, 11, 284)


@pytest.fixture(scope="module")
def runs(shared_data):
    return {run.key: run for run in nats_tss.iter_archive(shared_data / "nats-tss-fixture")}


@pytest.mark.parametrize("dataset", list(nb201_finals.DATASETS))
def test_finals_are_x_valid_at_199_per_seed(shared_data, runs, dataset):
    finals = nb201_finals.load(shared_data / "nb201-finals", dataset)
    for index in FIXTURE:
        arch = nb201.format(index)
        for i, seed in enumerate(nb201_finals.SEEDS):
            run = runs[(arch, dataset, seed, 200)]
            assert finals["val_acc"][index, i] == run.curves["valid_acc"][199]
            assert finals["train_time"][index, i] == pytest.approx(run.curves["train_time"][199], rel=1e-12)
        assert finals["params"][index] == run.costs["params"]
        assert finals["latency"][index] == run.costs["latency"]


def test_finals_two_seed_entries_leave_999_empty(shared_data):
    finals = nb201_finals.load(shared_data / "nb201-finals", "cifar10-valid")
    two = np.isnan(finals["val_acc"][:, 2])
    assert two.sum() == 7456 and not np.isnan(finals["val_acc"][:, :2]).any()


def test_mini_is_the_12_epoch_budget(shared_data, runs):
    mini = mini_nb201.load(shared_data / "mini-nb201")
    for index in FIXTURE:
        arch = nb201.format(index)
        mean = np.mean([runs[(arch, "cifar10-valid", s, 12)].curves["valid_acc"][11] for s in (111, 777)])
        assert mini["cifar10-valid"]["valid_acc"][index] == pytest.approx(mean, rel=1e-12)
        for dataset in ("cifar100", "ImageNet16-120"):
            run = runs[(arch, dataset, 111, 12)]
            assert mini[dataset]["valid_acc"][index] == run.curves["valid_acc"][11]
            assert mini[dataset]["test_acc"][index] == run.curves["test_acc"][11]


def test_nats_archive_curves(runs):
    run = runs[(nb201.format(11), "cifar10-valid", 777, 200)]
    assert len(run.curves["valid_acc"]) == 200 and not np.isnan(run.curves["valid_acc"]).any()
    assert np.all(np.diff(run.curves["train_time"]) > 0)
    hundred = runs[(nb201.format(11), "cifar100", 777, 200)]
    assert np.isnan(hundred.curves["valid_acc"][:199]).all() and not np.isnan(hundred.curves["valid_acc"][199])
    assert {run.budget for run in runs.values()} == {12, 200}


def test_x11_full_training_layout(tmp_path):
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"
    curve = list(np.linspace(10, 90, 200))
    data = {arch: {"cifar10-valid": {"train_acc1es": curve, "train_losses": curve[::-1], "eval_acc1es": curve,
                                     "eval_losses": curve[::-1], "train_times": [2.0] * 200, "eval_times": [1.0] * 200,
                                     "cost_info": {"train_time": 400.0}, "flop": 113.9, "params": 0.8,
                                     "latency": 0.016, "epochs": 200}}}
    path = tmp_path / x11_nb201.FILES["cifar10-valid"]
    path.write_bytes(pickle.dumps(data))
    (run,) = x11_nb201.iter_file(path, trust=True)
    assert (run.arch, run.dataset, run.seed, run.budget) == (arch, "cifar10-valid", None, 200)
    assert run.curves["valid_acc"][-1] == 90 and run.curves["train_time"][-1] == 400.0
    assert run.costs == {"params": 0.8, "flops": 113.9, "latency": 0.016}
