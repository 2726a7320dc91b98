"""Seconds per full NAS trial through the reader, beside a per-architecture surrogate peer; LCE fit times.

Three measurements in one run, on one benchmark (default ``nb311-yahpo``, else ``nbnlp11-wt2`` when that
table is absent; the line says which):

1. every optimizer: seconds of wall time for one full trial with the paper's settings (``settings_for``),
   the pool built from the table and mutated architectures answered by the fallback (one process,
   ``NBX11_THREADS=1``, the checkpoint loaded before timing);
2. peer: the same RE trial (same seed, same moves) where every architecture the trial touches is
   predicted by calling the surrogate for that one architecture (``Ensemble.predict_batch([arch])``, as
   x11's ``predict`` is called per query), no table and no cache; the trajectories match where the
   table holds only surrogate rows (nbnlp11-wt2 also holds measured runs, which the peer predicts);
3. the weighted probabilistic model's fit on 40 partial curves of the table: the current fitter beside the
   previous one (``scipy.optimize.least_squares(method="lm")`` with scipy's finite differences, kept here
   as the peer), and the mean |difference| of their predictions.

Example:
    .venv/bin/python benchmarks/bench_nas.py [BENCHMARK] [--trials N]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("NBX11_THREADS", "1")

import numpy as np  # noqa: E402

from nbx11_data.nas import extrapolators  # noqa: E402
from nbx11_data.nas.adapter import ReaderPool, TableSource  # noqa: E402
from nbx11_data.nas.optimizers import OPTIMIZERS, run  # noqa: E402
from nbx11_data.nas.settings import settings_for  # noqa: E402
from nbx11_data.readers.paths import available  # noqa: E402


class SurrogatePerArch(ReaderPool):
    """The peer: every architecture a trial touches is one surrogate call, table rows included."""

    def __init__(self, source, seed) -> None:
        super().__init__(source, seed)
        self._fetched[:] = False
        self.calls = 0

    def _fetch(self, archs):
        state = self._source._load()
        bench, ensemble = state["bench"], state["bench"].fallback._ensemble()
        val, test, time_metric = state["metrics"]
        if not hasattr(self, "calls"):  # the table rows at construction: same as ReaderPool
            return super()._fetch(archs)
        out = {m: [] for m in dict.fromkeys((val, test, time_metric))}
        for arch in archs:
            self.calls += 1
            curves = ensemble.predict_batch([bench.space.parse(arch)], seeds=None if self.seed is None else [self.seed],
                                            metrics=list(out))
            for m in out:
                out[m].append(curves[m][0].astype(np.float64))
        return np.array(out[val]), np.array(out[test]), self._source.epoch_seconds(np.array(out[time_metric]))


def _old_fit_family(name, y, x=None):
    """The previous fitter (least_squares 'lm', scipy's own finite differences), for the peer timing."""
    from scipy.optimize import least_squares

    family = extrapolators.FAMILIES[name]
    y = np.asarray(y, dtype=np.float64)
    x = np.arange(1.0, len(y) + 1.0) if x is None else x
    lower, upper = np.array(family.lower, float), np.array(family.upper, float)
    best, best_cost = None, np.inf
    for start in extrapolators._starts(family, y):
        start = np.clip(start, np.nextafter(lower, upper) + 1e-9, np.nextafter(upper, lower) - 1e-9)

        def residual(p):
            inside = np.clip(p, lower, upper)
            with np.errstate(all="ignore"):
                r = family.fn(x, *inside) - y
            return np.concatenate([np.where(np.isfinite(r), r, 1e3), 10.0 * (p - inside)])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = least_squares(residual, start, method="lm", max_nfev=100, xtol=1e-10, ftol=1e-10)
            except (ValueError, FloatingPointError):
                continue
        params = np.clip(result.x, lower, upper)
        cost = float(np.sum((family.fn(x, *params) - y) ** 2))
        if np.isfinite(cost) and cost < best_cost:
            best, best_cost = params, cost
    if best is None:
        raise extrapolators.NBX11Error(f"family {name}: no fit")
    return best


def _touched(pool) -> list[int]:
    """Rows a trial read: table rows it trained, and every row added by a move."""
    return [r for r in range(len(pool)) if r >= pool.table_rows or r in pool.trained_rows]


def _trial_seconds(name, source, settings, trials, pool_class=ReaderPool):
    times, pools, results = [], [], []
    for t in range(trials):
        start = time.perf_counter()
        pool = pool_class(source, source.curve_seed(t))
        trial = run(name, pool, settings, seed=[0, t])
        pool.trained_rows = set(trial.trained)
        times.append(time.perf_counter() - start)
        pools.append(pool)
        results.append(trial.trajectory)
    return float(np.mean(times)), pools, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("benchmark", nargs="?", default=None)
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    args = parser.parse_args()
    name = args.benchmark or next(n for n in ("nb311-yahpo", "nbnlp11-wt2") if n in available())
    source = TableSource(name)
    bench = source.bench
    settings = settings_for(name, bench.epochs)
    start = time.perf_counter()
    bench.fallback._ensemble()
    print(f"{source.describe()}\ncheckpoint load {time.perf_counter() - start:.2f} s (once per process, not"
          f" counted below); budget {settings.budget:.0f} simulated s; {args.trials} trials each, seeds [0, t]")
    print(f"{'optimizer':12s} {'s/trial':>8s} {'rows':>6s} {'left table':>10s} {'fetches':>7s}")
    for optimizer in args.optimizers.split(","):
        seconds, pools, _ = _trial_seconds(optimizer, source, settings, args.trials)
        rows = np.mean([len(p) for p in pools])
        left = np.mean([len(p) - p.table_rows for p in pools])
        print(f"{optimizer:12s} {seconds:8.2f} {rows:6.0f} {left:10.0f} {np.mean([p.fetches for p in pools]):7.1f}")
    cold = TableSource(name)  # a fresh session: the fallback cache starts empty, as the peer's
    cold.bench.fallback._ensemble()
    ours, our_pools, ours_traj = _trial_seconds("re", cold, settings, args.trials)
    peer, peer_pools, peer_traj = _trial_seconds("re", source, settings, args.trials, SurrogatePerArch)
    calls = np.mean([p.calls for p in peer_pools])
    measured = sum(s == "measured" for p in our_pools
                   for s in bench.curves([p.archs[r] for r in _touched(p)], seed=p.seed, with_source=True)[1])
    print(f"re through the reader (cold cache): {ours:.2f} s/trial; peer, surrogate called per architecture:"
          f" {peer:.2f} s/trial ({calls:.0f} calls/trial); same trajectories: {ours_traj == peer_traj}"
          f" ({measured} of the touched table rows are measured runs, which the peer predicts instead)")

    partials = source.pool(0).val[:40, : settings.first_epochs] / 100.0
    timings = {}
    predictions = {}
    for label, fitter in (("current", extrapolators.fit_family), ("previous", _old_fit_family)):
        extrapolators.fit_family = fitter  # the model looks the fitter up at call time
        start = time.perf_counter()
        predictions[label] = [extrapolators.WeightedProbabilisticModel(mcmc_steps=settings.mcmc_steps, seed=0)
                              .fit(c, target=settings.target_epoch).predict(settings.target_epoch) for c in partials]
        timings[label] = (time.perf_counter() - start) / len(partials) * 1e3
    difference = float(np.mean(np.abs(np.subtract(predictions["current"], predictions["previous"]))))
    print(f"weighted model fit ({settings.first_epochs} epochs -> {settings.target_epoch}): current"
          f" {timings['current']:.1f} ms, previous {timings['previous']:.1f} ms per fit;"
          f" mean |prediction difference| {difference:.2e} (fraction)")


if __name__ == "__main__":
    main()
