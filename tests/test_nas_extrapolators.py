"""Extrapolators recover curves generated from each of Domhan et al.'s parametric families."""

from __future__ import annotations

import numpy as np
import pytest

from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.nas.extrapolators import FAMILIES, LcSVR, WeightedProbabilisticModel, fit_family

X = np.arange(1.0, 101.0)
# parameters that generate a plausible accuracy curve (at most 1) for each family
TRUTH = {
    "vapor_pressure": (-0.1, -1.5, -0.02),
    "pow3": (0.9, 0.6, 0.7),
    "log_log_linear": (0.2, 1.2),
    "hill3": (0.92, 1.2, 5.0),
    "log_power": (0.9, 1.0, -1.5),
    "pow4": (0.92, 0.5, 0.5, 0.8),
    "mmf": (0.91, 0.1, 0.2, 1.5),
    "exp4": (0.9, 0.3, 0.0, 0.7),
    "janoschek": (0.92, 0.1, 0.2, 0.8),
    "weibull": (0.9, 0.1, 0.1, 1.2),
    "ilog2": (0.95, 0.25),
}


def test_all_eleven_families_are_there():
    assert sorted(FAMILIES) == sorted(TRUTH)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_fit_recovers_parameters_and_extrapolation(name):
    curve = FAMILIES[name].fn(X, *TRUTH[name])
    assert curve.min() > -0.2 and curve.max() <= 1.0
    params = fit_family(name, curve[:30])
    np.testing.assert_allclose(FAMILIES[name].fn(X, *params), curve, atol=2e-3)
    np.testing.assert_allclose(params, TRUTH[name], rtol=0.05, atol=0.02)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_weighted_model_extrapolates_each_family(name):
    curve = FAMILIES[name].fn(X, *TRUTH[name])
    model = WeightedProbabilisticModel(mcmc_steps=50, seed=3).fit(curve[:30], target=100)
    assert abs(model.predict(100) - curve[-1]) < 0.01


def test_weighted_model_is_reproducible_and_noise_tolerant():
    rng = np.random.default_rng(0)
    curve = FAMILIES["weibull"].fn(X, 0.88, 0.1, 0.08, 1.1) + rng.normal(0, 0.005, len(X))
    first = WeightedProbabilisticModel(mcmc_steps=100, seed=7).fit(curve[:25], target=100)
    again = WeightedProbabilisticModel(mcmc_steps=100, seed=7).fit(curve[:25], target=100)
    assert first.predict(100) == again.predict(100)
    np.testing.assert_array_equal(first.samples_, again.samples_)
    assert abs(first.predict(100) - 0.88) < 0.05


def test_weighted_model_rejects_bad_input():
    with pytest.raises(NBX11Error):
        WeightedProbabilisticModel().fit([0.1, np.nan, 0.3])
    with pytest.raises(UnknownNameError):
        WeightedProbabilisticModel(families=("pow3", "gompertz"))


def test_lcsvr_learns_final_accuracy_from_partial_curves():
    rng = np.random.default_rng(1)
    finals = rng.uniform(0.6, 0.95, 120)
    rates = rng.uniform(0.1, 0.4, 120)
    epochs = np.arange(1, 11)
    curves = finals[:, None] * (1 - np.exp(-rates[:, None] * epochs)) / (1 - np.exp(-rates[:, None] * 50))
    model = LcSVR(n_hypers=30, seed=0).fit(curves[:80], finals[:80])
    error = np.abs(model.predict(curves[80:]) - finals[80:]).mean()
    assert error < 0.5 * np.abs(finals[80:] - finals[:80].mean()).mean()  # beats predicting the mean by 2x
    again = LcSVR(n_hypers=30, seed=0).fit(curves[:80], finals[:80])
    assert again.hyper_ == model.hyper_
