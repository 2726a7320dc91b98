"""How well can any student learn the YAHPO NB301 teacher's final accuracy? (evidence for the nb311 floors)

A distilled ``nb311-yahpo`` student was asked for Kendall tau >= 0.9 against the teacher. This
script fits students directly to the teacher's final-epoch validation accuracy (no SVD, no chaining, so
an upper bound for the checkpoint's final-epoch figure) and prints Kendall tau and R^2 on 2,000 fresh
architectures, for more training data and for a neural-network student beside LightGBM.

Usage:
    python docs/studies/distill_ceiling.py [--source ../shared/data/yahpo-nb301] [--sizes 40000 200000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import kendalltau
from sklearn.metrics import r2_score

from nbx11_data.builder.sources.yahpo import Teacher
from nbx11_data.spaces import darts


def final_accuracy(teacher: Teacher, archs) -> np.ndarray:
    """The teacher's epoch-98 validation accuracy (percent) of ``archs``."""
    x_cat = darts.encode_yahpo(archs)
    epoch = np.full((len(x_cat), 1), 98, np.float32)
    return teacher.session.run(None, {"x_cat": x_cat, "x_cont": epoch})[0][:, 0] * 100


def one_hot(archs) -> np.ndarray:
    """One column per (YAHPO input, category): the teacher's own view of an architecture."""
    x_cat = darts.encode_yahpo(archs)
    return np.hstack([np.eye(12, dtype=np.float32)[x_cat[:, j]] for j in range(x_cat.shape[1])])


def report(name: str, n: int, predicted, truth, seconds: float) -> None:
    tau = kendalltau(predicted, truth)[0]
    print(f"{name:28s} {n:>8,d}  tau {tau:.3f}  R^2 {r2_score(truth, predicted):.3f}  ({seconds:.0f} s)", flush=True)


def main() -> None:
    import lightgbm as lgb
    from sklearn.neural_network import MLPRegressor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="../shared/data/yahpo-nb301")
    parser.add_argument("--sizes", type=int, nargs="+", default=[40_000, 200_000])
    args = parser.parse_args()
    teacher = Teacher(args.source, threads=1)
    train, test = darts.sample(max(args.sizes), seed=10), darts.sample(2000, seed=11)
    y_train, y_test = final_accuracy(teacher, train), final_accuracy(teacher, test)
    print(f"teacher final accuracy on the test archs: mean {y_test.mean():.2f}, sd {y_test.std():.3f} (percent)")
    params = dict(objective="regression", learning_rate=0.1, num_leaves=63, verbose=-1, num_threads=1)
    for name, encode in [("LightGBM, darts.encode", darts.encode), ("LightGBM, one-hot", one_hot)]:
        x_train, x_test = encode(train), encode(test)
        for n in args.sizes:
            start = time.perf_counter()
            model = lgb.train(params, lgb.Dataset(x_train[:n], y_train[:n]), num_boost_round=1500)
            report(name, n, model.predict(x_test), y_test, time.perf_counter() - start)
    n = min(args.sizes)
    x_train, x_test = one_hot(train[:n]), one_hot(test)
    mean, sd = y_train[:n].mean(), y_train[:n].std()
    start = time.perf_counter()
    mlp = MLPRegressor(hidden_layer_sizes=(256, 256), max_iter=60, early_stopping=True, random_state=0)
    mlp.fit(x_train, (y_train[:n] - mean) / sd)
    report("MLP 256x256, one-hot", n, mlp.predict(x_test) * sd + mean, y_test, time.perf_counter() - start)


if __name__ == "__main__":
    main()
