"""Cross-validated fidelity of the NB-NLP11 recipes per architecture encoding (test split untouched).

For each recipe and each ``nlp.encode`` kind, the architectures the encoding holds are grouped and
split exactly as ``nbx11 train`` does (seed 0); only the train + validation part is used here. It is
cut into ``--folds`` folds (``--repeats`` times, fold permutations seeded 1000, 1001, ...); each fold
is predicted by a model fitted, with the recipe's FitConfig, on the other folds (of which 1/9 serves
as the validation set for early stopping and the choice of k). Prints the final-epoch and average
Kendall tau of ``val_score`` over the held-out folds (mean and standard deviation across folds).

    python docs/studies/cv_nbnlp11.py [--source ../shared/data/nbnlp-wt2/logs.zip] [--folds 5] [--repeats 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from nbx11_data import spaces  # noqa: E402
from nbx11_data.builder.fit import fit_curve_model  # noqa: E402
from nbx11_data.builder.recipes import get  # noqa: E402
from nbx11_data.builder.train import _group, split  # noqa: E402
from nbx11_data.surrogate._lightgbm import lightgbm  # noqa: E402
from nbx11_data.surrogate.ensemble import first_epoch_features  # noqa: E402
from nbx11_data.surrogate.model import CurveModel  # noqa: E402

METRIC = "val_score"


def fit_rows_data(recipe, data):
    """Features and mean curves of the train + validation architectures of ``recipe``'s split."""
    space = spaces.get(recipe.space)
    arch_ids, runs, _, encoded, _ = _group(recipe, data, space)
    Y = np.stack([data.curves[METRIC][r].mean(axis=0) for r in runs])
    X = encoded
    if recipe.first_epochs:
        first = np.stack([data.curves[recipe.first_epochs["metric"]][r].mean(axis=0) for r in runs])
        X = np.hstack([X, first_epoch_features(first[:, : recipe.first_epochs["count"]], recipe.first_epochs)])
    parts = split(arch_ids, recipe.split_seed)
    rows = np.sort(np.concatenate([parts["train"], parts["val"]]))
    return X[rows], Y[rows]


def cross_validate(recipe, X, Y, folds: int, repeats: int) -> dict:
    lgb = lightgbm()
    final, average, ks = [], [], []
    for repeat in range(repeats):
        order = np.random.Generator(np.random.PCG64(1000 + repeat)).permutation(len(X))
        for fold in range(folds):
            held = order[fold::folds]
            rest = np.setdiff1d(order, held)
            rest = rest[np.random.Generator(np.random.PCG64([1000 + repeat, fold])).permutation(len(rest))]
            val, train = rest[: max(1, len(rest) // 9)], rest[max(1, len(rest) // 9):]
            fitted = fit_curve_model(X[train], Y[train], X[val], Y[val], recipe.config)
            model = CurveModel([[lgb.Booster(model_str=t) for t in member] for member in fitted.models], fitted.mean,
                               fitted.basis, fitted.scaler_mean, fitted.scaler_std, None, None)
            predicted = model.decode(model.components(np.ascontiguousarray(X[held])))
            taus = [stats.kendalltau(Y[held, j], predicted[:, j]).statistic for j in range(Y.shape[1])]
            final.append(taus[-1])
            average.append(float(np.mean(taus)))
            ks.append(fitted.k)
    return {"final": (float(np.mean(final)), float(np.std(final))), "avg": (float(np.mean(average)),
            float(np.std(average))), "k": ks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="../shared/data/nbnlp-wt2/logs.zip")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--encodings", default="x11,stats")
    parser.add_argument("--recipes", default="nbnlp11-wt2,nbnlp11-wt2-lc3")
    args = parser.parse_args()
    print(f"{args.folds}-fold CV x {args.repeats} on train+validation; final / average Kendall tau of {METRIC}")
    print("| recipe | encoding | architectures (train+val) | final tau (sd) | avg tau (sd) | k chosen | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in args.recipes.split(","):
        data = get(name).prepare(args.source)
        for kind in args.encodings.split(","):
            recipe = dataclasses.replace(get(name), encoding=None if kind == "x11" else kind)
            X, Y = fit_rows_data(recipe, data)
            start = time.perf_counter()
            result = cross_validate(recipe, X, Y, args.folds, args.repeats)
            print(f"| {name} | {kind} | {len(X)} | {result['final'][0]:.3f} ({result['final'][1]:.3f}) | "
                  f"{result['avg'][0]:.3f} ({result['avg'][1]:.3f}) | {min(result['k'])}-{max(result['k'])} | "
                  f"{time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
