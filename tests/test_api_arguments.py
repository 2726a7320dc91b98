"""Bad arguments to the public API get the package's own error naming what is allowed; none is coerced."""

from __future__ import annotations

import numpy as np
import pytest

import nbx11_data
from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError, NBX11Error, UnknownNameError


@pytest.fixture(scope="module")
def bench():
    return nbx11_data.open("nb201")


@pytest.fixture(scope="module")
def surrogate():
    return nbx11_data.open("nbnlp11-wt2")


CASES = {  # each raised a raw exception or answered wrongly before
    "curves([2**63])": lambda b: b.curves([2**63]),
    "curves([True])": lambda b: b.curves([True]),
    "curve dataset=[..]": lambda b: b.curve(11, dataset=["cifar100"]),
    "curve metric=[..]": lambda b: b.curve(11, metric=["valid_acc"]),
    "curve budget=[..]": lambda b: b.curve(11, budget=[200]),
    "curve seed=[..]": lambda b: b.curve(11, seed=[777]),
    "curve seed=1.5": lambda b: b.curve(11, seed=777.0),
    "curve seed='777'": lambda b: b.curve(11, seed="777"),
    "curve seed=True": lambda b: b.curve(11, seed=True),
    "curve with_source='yes'": lambda b: b.curve(11, with_source="yes"),
    "rows seeds={0: 1}": lambda b: b.rows([11], seeds={0: 1}),
    "rows seeds=[True]": lambda b: b.rows([11], seeds=[True]),
    "rows seeds='01'": lambda b: b.rows([11], seeds="01"),
    "rows seeds=[2**70]": lambda b: b.rows([11], seeds=[2**70]),
    "query epoch=1.5": lambda b: b.query([11], epoch=1.5),
    "query epoch='1'": lambda b: b.query([11], epoch="1"),
    "query epoch=True": lambda b: b.query([11], epoch=True),
    "query metrics=5": lambda b: b.query([11], metrics=5),
    "register(123)": lambda b: b.register(123, [11]),
    "curves(None)": lambda b: b.curves(None),
    "curves('284')": lambda b: b.curves("284"),
    "curves({...})": lambda b: b.curves({11: 1}),
    "archs(dataset=[..])": lambda b: b.archs(dataset=["cifar100"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_argument_is_refused(bench, case):
    with pytest.raises(NBX11Error) as err:
        CASES[case](bench)
    assert isinstance(err.value, (UnknownNameError, InvalidArchitectureError))
    assert "allowed" in str(err.value) or "expected" in str(err.value) or "outside" in str(err.value)


@pytest.mark.parametrize("seed", ["abc", float("nan"), float("inf"), 1.5, 0.5, "0", True])
def test_surrogate_seed_is_never_coerced(surrogate, seed):
    arch = surrogate.archs()[0]
    with pytest.raises(UnknownNameError, match="seed"):
        surrogate.curve(arch, seed=seed)


def test_integer_seeds_still_answer(bench, surrogate):
    assert bench.curve(11, seed=np.int64(777), dataset="cifar100").shape == (200,)
    arch = surrogate.archs()[0]
    assert np.array_equal(surrogate.curve(arch, seed=3), surrogate.curve(arch, seed=np.int32(3)))
    third = bench.query([11], epoch=np.int64(12), dataset="cifar100", budget=12, seed=np.int16(111))
    assert third["seed"].tolist() == [111] and third["valid_accuracy"].notna().all()


@pytest.mark.parametrize("name", [5, None, "x" * 5000, "a\x00b", ""])
def test_open_refuses_bad_names(name):
    with pytest.raises(UnknownNameError):
        nbx11_data.open(name)


def test_space_inputs_from_the_audit():
    with pytest.raises(InvalidArchitectureError):
        spaces.get("nb101").parse("[" * 5000)
    with pytest.raises(InvalidArchitectureError):
        spaces.get("nb201").parse(np.array(3))
    with pytest.raises(InvalidArchitectureError):
        spaces.get("nb201").parse(b"\x00\x01\x02\x03\x04\x00")


def test_x11_seeds_are_never_coerced():
    model = nbx11_data.load_ensemble("checkpoints/nbnlp11-wt2-v1")
    arch = nbx11_data.open("nbnlp11-wt2").archs()[0]
    for seeds in (1.5, [1.5], [True], "01", {0: 1}):
        with pytest.raises(NBX11Error, match="seeds"):
            model.predict_batch([arch], seeds=seeds)
    assert model.predict_batch([arch], seeds=[np.int64(4)])["val_score"].shape[0] == 1
