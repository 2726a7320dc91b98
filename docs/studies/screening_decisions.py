"""What x11's Algorithm 2 decides in one trial: candidates screened, continued, predictions against thresholds.

A screened optimizer (``*_lce``, ``*_svr``) trains a candidate for the first epochs, predicts its target
epoch and continues it only when the prediction beats the worst of the top fraction of the *observed*
target-epoch values in its history. This runs one trial and prints how many candidates were screened and
continued, with the mean prediction and mean threshold: on noisy curves whose target-epoch noise exceeds the
spread between architectures, the observed top values are noise-inflated and smooth predictions rarely reach
them. ``--mean-curves`` runs the same trial on the noiseless mean curves (the control).

Usage:
    python docs/studies/screening_decisions.py [BENCHMARK] [OPTIMIZER] [--trial T] [--mean-curves]
    (default nb311-yahpo re_svr; re_lce takes minutes per trial)
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NBX11_THREADS", "1")

import numpy as np  # noqa: E402

from nbx11_data.nas.adapter import TableSource  # noqa: E402
from nbx11_data.nas.optimizers import run  # noqa: E402
from nbx11_data.nas.runner import pool_for  # noqa: E402
from nbx11_data.nas.settings import settings_for  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benchmark", nargs="?", default="nb311-yahpo")
    parser.add_argument("optimizer", nargs="?", default="re_svr")
    parser.add_argument("--trial", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mean-curves", action="store_true")
    args = parser.parse_args()
    source = TableSource(args.benchmark, seeds=[None] if args.mean_curves else "table")
    settings = settings_for(args.benchmark, source.bench.epochs)
    started = time.perf_counter()
    trial = run(args.optimizer, pool_for(source, args.trial), settings, seed=[args.seed, args.trial])
    results = trial.results()
    screened = np.array(trial.screened).reshape(-1, 2)
    continued = int((screened[:, 0] > screened[:, 1]).sum())
    curves = "noiseless mean curves" if args.mean_curves else "noisy curves"
    print(f"{args.benchmark} {args.optimizer} trial {args.trial} ({curves}), {time.perf_counter() - started:.0f} s:"
          f" {len(screened)} candidates screened, {continued} continued ({continued / max(len(screened), 1):.1%});"
          f" mean prediction {screened[:, 0].mean():.2f}, mean threshold {screened[:, 1].mean():.2f};"
          f" final val regret {results['val_regret'][-1]:.3f}")


if __name__ == "__main__":
    main()
