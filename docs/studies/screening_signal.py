"""Is there anything for learning-curve screening to find? Rank agreement of early and target epochs per table.

x11's Algorithm 2 trains a candidate for the first epochs, predicts the target epoch and continues only
promising ones; that can only work where a curve's first epochs say something about its target epoch.
For every architecture of a surrogate table (rows ``source = table:...``), this prints the Kendall tau,
across architectures, between the value at the last screened epoch (``first_epochs`` of the benchmark's
settings) and at the target epoch, on the noiseless mean curves and on the seeded noisy curves a search
sees, and the spread between architectures beside the seed noise (standard deviations, table units).

Usage:
    python docs/studies/screening_signal.py [BENCHMARK ...]   (default: nb311-yahpo nbnlp11-wt2)
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import kendalltau

import nbx11_data
from nbx11_data.nas.settings import settings_for


def signal(name: str, seeds=range(5)) -> None:
    bench = nbx11_data.open(name)
    settings = settings_for(name, bench.epochs)
    metric = bench.defaults.get("metric") or bench.metrics[0]
    query = "SELECT DISTINCT arch FROM curves WHERE source LIKE 'table:%' ORDER BY arch"
    archs = [a for (a,) in bench.sql(query).fetchall()]
    mean = bench.curves(archs, metric=metric, seed=None)
    noisy = np.stack([bench.curves(archs, metric=metric, seed=s) for s in seeds])
    first, target = settings.first_epochs - 1, settings.target_epoch - 1

    def tau(a, b):
        return float(kendalltau(a, b).statistic)

    noisy_tau = np.mean([tau(curves[:, first], curves[:, target]) for curves in noisy])
    between_seeds = np.mean([tau(noisy[0][:, -1], curves[:, -1]) for curves in noisy[1:]])
    print(f"{name}: {len(archs)} table architectures, {metric}, screened at epoch {first + 1}, target epoch"
          f" {target + 1} of {bench.epochs}")
    mean_tau = tau(mean[:, first], mean[:, target])
    print(f"  Kendall tau(epoch {first + 1}, epoch {target + 1}): noiseless mean {mean_tau:.3f},"
          f" noisy (mean over {len(noisy)} seeds) {noisy_tau:.3f}")
    print(f"  Kendall tau of the final value between seed 0 and other seeds: {between_seeds:.3f}")
    for epoch in sorted({0, first, target, bench.epochs - 1}):
        spread = mean[:, epoch].std()
        noise = (noisy[:, :, epoch] - mean[None, :, epoch]).std()
        print(f"  epoch {epoch + 1:>3}: spread between architectures (sd) {spread:7.3f}, seed noise (sd) {noise:7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["nb311-yahpo", "nbnlp11-wt2"])
    for name in parser.parse_args().names:
        signal(name)


if __name__ == "__main__":
    main()
