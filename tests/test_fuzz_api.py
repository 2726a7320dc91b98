"""Property-based fuzz of the public entry points: an answer of the right shape or the package's own error.

Derandomized with a fixed budget per entry point (part of the CI suite). A call
that succeeds must have been given arguments of the allowed types: a seed or
epoch that is a float, bool or string, or an architecture list that is a string
or a mapping, must be refused, never coerced.
"""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import ANY, fuzz, outcome
from hypothesis import given
from hypothesis import strategies as st

import nbx11_data
from nbx11_data.readers.benchmark import _DEFAULT

EXAMPLES = 150


@pytest.fixture(scope="module")
def bench():
    return nbx11_data.open("nb201")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _names(values):
    return st.sampled_from(values) | ANY


ARCHS = st.lists(st.integers(-2, 20_000) | st.sampled_from(["284", "421211", "x", "|none~0|"]) | ANY, max_size=4)


def _seed_ok(seed) -> bool:
    return seed is _DEFAULT or seed is None or _is_int(seed)


def test_curve_and_curves(bench):
    @fuzz(EXAMPLES)
    @given(st.integers(-2, 20_000) | ANY, ARCHS | ANY, _names(bench.datasets + [None]), _names(bench.metrics + [None]),
           st.sampled_from([_DEFAULT, None, 777, 111]) | ANY, _names([12, 200, None]))
    def run(arch, archs, dataset, metric, seed, budget):
        kind, got = outcome(bench.curve, arch, dataset=dataset, metric=metric, seed=seed, budget=budget)
        if kind == "ok":
            assert _seed_ok(seed) and (budget is None or _is_int(budget)) and got.ndim == 1
        kind, got = outcome(bench.curves, archs, dataset=dataset, metric=metric, seed=seed, budget=budget)
        if kind == "ok":
            assert _seed_ok(seed) and not isinstance(archs, (str, bytes, dict)) and got.shape[0] == len(archs)

    run()


def test_query_rows_register_archs(bench):
    @fuzz(EXAMPLES)
    @given(ARCHS | ANY, _names(bench.datasets + [None]), st.none() | st.sampled_from(bench.metrics) | ANY,
           st.sampled_from([_DEFAULT, None, 777]) | ANY, st.none() | st.integers(-2, 300) | ANY,
           st.sampled_from([777, [777, 888], range(2)]) | ANY, st.sampled_from(["cand", "curves"]) | ANY)
    def run(archs, dataset, metrics, seed, epoch, seeds, view):
        kind, got = outcome(bench.query, archs, dataset=dataset, metrics=metrics, seed=seed, epoch=epoch)
        if kind == "ok":
            assert _seed_ok(seed) and (epoch is None or _is_int(epoch)) and len(got) == len(archs)
        kind, got = outcome(bench.rows, archs, seeds=seeds, dataset=dataset)
        if kind == "ok":
            assert not isinstance(seeds, (str, bytes, dict, float, bool)) and got.num_rows >= len(archs) * 0
        kind, _ = outcome(bench.register, view, archs, seeds=seeds, dataset=dataset)
        if kind == "ok":
            assert isinstance(view, str) and view.isidentifier()
        kind, got = outcome(bench.archs, dataset)
        if kind == "ok":
            assert dataset is None or dataset in bench.datasets

    run()


def test_open():
    @fuzz(EXAMPLES)
    @given(st.sampled_from(["nb201", "nope", "../tables/nb201", "x" * 300]) | ANY, st.none() | ANY,
           st.booleans() | ANY)
    def run(name, root, fallback):
        kind, got = outcome(nbx11_data.open, name, root=root, fallback=fallback)
        if kind == "ok":
            assert isinstance(fallback, bool) and got.name

    run()


def test_x11_api():
    model = nbx11_data.load_ensemble("checkpoints/nbnlp11-wt2-v1")
    archs = nbx11_data.open("nbnlp11-wt2").archs()[:3]

    @fuzz(EXAMPLES)
    @given(st.sampled_from(archs) | ANY, st.sampled_from(["canonical", "compact"]) | ANY,
           st.none() | st.integers(0, 2**40) | ANY, st.none() | st.sampled_from(list(model.metrics)) | ANY,
           st.lists(st.sampled_from(archs), max_size=3) | ANY, st.none() | st.just(5) | ANY)
    def run(arch, representation, seed, metric, batch, seeds):
        kind, got = outcome(model.predict, arch, representation=representation, seed=seed, metric=metric)
        if kind == "ok":
            assert (seed is None or _is_int(seed)) and got.ndim == 1
        kind, got = outcome(model.predict_batch, batch, seeds=seeds)
        if kind == "ok":
            assert seeds is None or _is_int(seeds) or all(map(_is_int, seeds))

    run()


def test_load_ensemble(tmp_path):
    @fuzz(EXAMPLES // 3)
    @given(st.sampled_from(["checkpoints/nope", str(tmp_path), "tables/nb201", "README.md"]) | ANY)
    def run(path):
        outcome(nbx11_data.load_ensemble, path)

    run()
