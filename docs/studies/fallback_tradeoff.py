"""Speed against fidelity for smaller versions of the nb311-yahpo model (evidence for a 200 ms live-fallback goal).

The fallback's live time is LightGBM tree evaluation: 3 metrics x 3 members x 4 chained components of up to
250 trees. This script keeps the committed checkpoint's boosters and evaluates cut-down versions of it
(fewer members; each booster cut to its first T trees) on 1,000 fresh DARTS architectures: the CPU time of
the boosters for all 3 metrics, and the validation-accuracy fidelity against the YAHPO teacher (avg / final
Kendall tau, final R^2). A cut-down model is a *lower bound* on what a model retrained at that size would
reach (a booster trained for T rounds uses them better than the first T of 250), so these rows bracket the
trade-off without a retrain. Side by side in one run: the full model is the first row.

Usage:
    python docs/studies/fallback_tradeoff.py [--source ../shared/data/yahpo-nb301] [--archs 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nbx11_data import load_ensemble
from nbx11_data.builder import metrics as fidelity
from nbx11_data.builder.sources.yahpo import Teacher
from nbx11_data.spaces import darts

VARIANTS = [(3, None), (2, None), (1, None), (3, 100), (1, 100), (1, 50), (1, 25)]  # (members, trees)


def components(model, features, members: int, trees: int | None) -> np.ndarray:
    """Member-mean components of the first ``members`` members, each booster cut to ``trees`` trees."""
    n, d = features.shape
    total = np.zeros((n, model.k))
    for member in model.boosters[:members]:
        chained = np.empty((n, d + model.k))
        chained[:, :d] = features
        for j, booster in enumerate(member):
            chained[:, d + j] = booster.predict(chained[:, : d + j], num_iteration=trees, num_threads=1)
        total += chained[:, d:]
    return total / members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="../shared/data/yahpo-nb301")
    parser.add_argument("--archs", type=int, default=1000)
    args = parser.parse_args()
    ensemble = load_ensemble("checkpoints/nb311-yahpo-x11-v2")
    archs = darts.sample(args.archs, seed=2026)  # not the training sample (seed 0) nor the check (seed 1)
    truth = Teacher(args.source).curves(archs, metrics=("val_accuracy",))["val_accuracy"]
    features = ensemble.features(archs)
    print(f"{args.archs} fresh DARTS archs (darts.sample seed 2026); boosters of all 3 metrics on one thread;"
          " fidelity of val_accuracy (noiseless mean) against the YAHPO teacher")
    header = ("members", "trees", "boosters CPU", "ratio", " avg tau", "final tau", "final R^2")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (7, 6, 13, 6, 8, 9, 9))))
    base = None
    for members, trees in VARIANTS:
        start = time.process_time()
        for metric in ensemble.metrics:
            comps = components(ensemble._models[metric], features, members, trees)
            if metric == "val_accuracy":
                predicted = ensemble._models[metric].decode(comps)
        cpu = 1e3 * (time.process_time() - start)
        base = base or cpu
        f = fidelity.curve_fidelity(truth, predicted)
        print(f"{members:>7} {trees or '<=250':>6} {cpu:>10.0f} ms {cpu / base:>6.2f}  {f['avg_kendall_tau']:>7.3f}"
              f" {f['final_kendall_tau']:>9.3f} {f['final_r2']:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
