"""How far off is the weighted probabilistic model where Algorithm 2 uses it? Bias, error and ranking per table.

x11's ``*_lce`` optimizers fit the weighted probabilistic model (Domhan et al.'s 11 curve families) to a
candidate's first epochs, predict its target epoch and continue it only if that prediction beats the top
fraction of the *observed* target-epoch values. A prediction that is low on average (a biased extrapolator)
then continues almost nothing, however well it ranks. For the first ``--archs`` cells of each surrogate table
this fits the model exactly as the optimizers do (``first_epochs`` -> ``target_epoch`` of the benchmark's
settings, 10 Metropolis steps) and prints, on the noiseless mean curves and on seed-0 noisy curves: the mean
true and predicted target value, the bias (mean of predicted - true), the mean absolute error and the
Kendall tau between predicted and true values. Two starts of the chain are compared: ours (the families'
non-negative least-squares weights on the observed epochs) and the uniform weights 1/11 of x11's code
(NASLib's ``ParametricEnsemble``).

Usage:
    python docs/studies/extrapolation_bias.py [BENCHMARK ...] [--archs 200]   (default: nb311-yahpo nbnlp11-wt2)
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import kendalltau

import nbx11_data
from nbx11_data.errors import NBX11Error
from nbx11_data.nas.extrapolators import WeightedProbabilisticModel
from nbx11_data.nas.settings import settings_for


class UniformStart(WeightedProbabilisticModel):
    """The same model with the chain started from uniform family weights, as x11's code does."""

    def _initial_weights(self, params) -> np.ndarray:
        return np.full(len(params), 1.0 / len(params))


def predictions(model_class, curves: np.ndarray, first: int, target: int, steps: int) -> np.ndarray:
    """Target-epoch predictions from the first epochs, as ``nbx11_data.nas.screening`` makes them."""
    out = np.empty(len(curves))
    for i, curve in enumerate(curves):
        try:
            model = model_class(mcmc_steps=steps, seed=i).fit(curve[:first] / 100.0, target=target)
            out[i] = 100.0 * model.predict(target)
        except NBX11Error:  # the optimizers' fallback: the curve stays where it is
            out[i] = curve[first - 1]
    return out


def report(name: str, n_archs: int) -> None:
    bench = nbx11_data.open(name)
    settings = settings_for(name, bench.epochs)
    first, target = settings.first_epochs, settings.target_epoch
    metric = bench.defaults.get("metric", bench.metrics[0])
    archs = bench.archs()[:n_archs]
    print(f"{name}: {metric}, epochs 1..{first} -> epoch {target}, {len(archs)} cells, "
          f"{settings.mcmc_steps} Metropolis steps")
    for seed, label in ((None, "mean curves"), (0, "noisy, seed 0")):
        curves = bench.curves(archs, metric=metric, seed=seed)
        true = curves[:, target - 1]
        for start, model_class in (("NNLS start (ours)", WeightedProbabilisticModel), ("uniform start (x11)", UniformStart)):
            predicted = predictions(model_class, curves, first, target, settings.mcmc_steps)
            print(f"  {label:14s} {start:19s} true {true.mean():7.2f}  predicted {predicted.mean():7.2f}  "
                  f"bias {np.mean(predicted - true):+6.2f}  MAE {np.mean(np.abs(predicted - true)):5.2f}  "
                  f"tau {kendalltau(predicted, true)[0]:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmarks", nargs="*", default=["nb311-yahpo", "nbnlp11-wt2"])
    parser.add_argument("--archs", type=int, default=200)
    args = parser.parse_args()
    for name in args.benchmarks:
        report(name, args.archs)


if __name__ == "__main__":
    main()
