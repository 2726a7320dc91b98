"""``nbx11 run OPTIMIZER --benchmark NAME --trials N --seed S``: simulated NAS runs, results as Parquet.

Writes ``OUT/<benchmark>/<optimizer>.parquet`` (incumbent val/test values, errors and regret over simulated
time, one row per incumbent change per trial) and prints seconds of wall time per trial and the final
value a paper reports: regret where the table is the whole space (nb201, an NB101 table of every graph),
else the validation error (%) or, for NLP, the validation loss (nats), since the space's optimum is
unknown; progress (trials done, elapsed, an estimate of the time left) goes to stderr. On nb201 the
fidelities are its two budgets (12 and 200 epochs; see :mod:`nbx11_data.nas.adapter`).
Benchmarks are read through the reader: table hits, live fallback predictions for architectures a mutation leads out of
the table (``--in-table`` keeps every move inside it); see :mod:`nbx11_data.nas.adapter` for the curve
seed each trial reads. ``--benchmark synthetic`` runs on the synthetic NB201-subspace pool (invented
curves, for trying things). Fallback predictions run on one thread per process (``NBX11_THREADS=1``
unless set): trials run in parallel instead (``--jobs``).

Example:
    $ nbx11 run re_lce --benchmark nb311-yahpo --trials 30 --seed 0 --jobs 2 --out results/
    $ nbx11 run rs re hb bohb --benchmark nb201 --budget 200000 --trials 30 --out results/
"""

from __future__ import annotations

import time
from pathlib import Path


def add_arguments(parser) -> None:
    from nbx11_data.nas.optimizers import OPTIMIZERS

    parser.add_argument("optimizer", nargs="+", choices=OPTIMIZERS, metavar="OPTIMIZER",
                        help=f"one or more of: {', '.join(OPTIMIZERS)}")
    parser.add_argument("--benchmark", required=True, help="a benchmark under the tables root, or 'synthetic'")
    parser.add_argument("--trials", type=int, default=30, help="run trials 0..N-1 (default 30)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the trials already in the output file (same settings, source and seed) "
                             "and run only the missing ones (the file is rewritten after every finished trial, "
                             "so a stopped run resumes where it stopped)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (local cores)")
    parser.add_argument("--out", default="results", help="results folder")
    parser.add_argument("--dataset", help="dataset partition (default: the table's default)")
    parser.add_argument("--budget", type=float, help="the simulated budget in seconds (default: the paper's, for"
                                                     " nb311* and nbnlp11*; required for other benchmarks)")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")
    parser.add_argument("--in-table", action="store_true",
                        help="keep mutations and neighbours inside the table (no fallback predictions)")
    parser.add_argument("--mean-curves", action="store_true",
                        help="every trial reads the noiseless mean curves (default: seeded noisy curves)")


def run(args) -> int:
    import os

    from nbx11_data import locations

    os.environ.setdefault(locations.THREADS_ENV, "1")
    from nbx11_data.errors import NBX11Error
    from nbx11_data.nas.runner import iter_trials, merge_trials, resume_from, write_results
    from nbx11_data.nas.optimizers import check
    from nbx11_data.nas.settings import has_paper_settings, settings_for

    if args.trials < 1 or args.jobs < 1:
        raise NBX11Error(f"--trials and --jobs must be at least 1, got {args.trials} and {args.jobs}")
    if args.benchmark == "synthetic":
        from nbx11_data.nas.synthetic import nb201_subspace_pool

        pool = nb201_subspace_pool()
        source, description, name, epochs = pool, "SYNTHETIC curves (nbx11_data.nas.synthetic), not measured", pool.name, pool.epochs
        overrides = {"budget": args.budget or 3e5}
        fidelity, report = f"{epochs} epochs", ("val_regret", "%")
    else:
        from nbx11_data.nas.adapter import TableSource

        source = TableSource(args.benchmark, root=args.root, dataset=args.dataset, in_table=args.in_table,
                             seeds=[None] if args.mean_curves else "table")
        description, name = source.describe(), source.bench.name
        fidelities = source.fidelities
        epochs = source.bench.epochs if fidelities is None else len(fidelities)
        fidelity = f"{epochs} epochs" if fidelities is None else f"budgets {'/'.join(map(str, fidelities))} epochs"
        report = ("val_regret" if source.optimum_known else "val_error", source.error_unit)
        overrides = {"budget": args.budget} if args.budget else {}
    if args.budget is not None and not args.budget > 0:
        raise NBX11Error(f"--budget must be a positive number of simulated seconds, got {args.budget}")
    if "budget" not in overrides and not has_paper_settings(name):
        raise NBX11Error(f"{name} has no paper settings (they exist for nb311* and nbnlp11*): give the simulated"
                         " budget with --budget SECONDS, e.g. --budget 200000")
    settings = settings_for(name, epochs, **overrides)
    for optimizer in args.optimizer:
        check(optimizer, source)
    print(f"{name}: {fidelity}, budget {settings.budget:.0f} s; {description}")
    error = "loss" if report[1] == "nats" else "error"
    label = {"val_regret": "final val regret", "val_error": f"final validation {error} ({report[1]})"}[report[0]]
    for optimizer in args.optimizer:
        path = Path(args.out) / name / f"{optimizer}.parquet"
        done = resume_from(path, settings, description, args.seed) if args.resume else None
        missing = sorted(set(range(args.trials)) - (set() if done is None else set(done["trial"].tolist())))
        start = time.perf_counter()
        frame, finished = done, []
        # the file is rewritten (atomically) after every finished trial: a stopped run keeps its trials
        for trial in iter_trials(optimizer, source, settings, trials=missing, seed=args.seed, jobs=args.jobs):
            finished.append(trial)
            frame = merge_trials(done, finished)
            write_results(frame, path, settings, description)
            _progress(optimizer, len(finished), len(missing), time.perf_counter() - start)
        wall = time.perf_counter() - start
        final = frame.sort_values("time", kind="stable").groupby("trial")[report[0]].last()
        per_trial = f"{wall * args.jobs / len(missing):.2f} s per trial per core" if missing else "nothing to run"
        print(f"{optimizer:12s} {len(missing)} trials run, {final.size} in the file, in {wall:.1f} s ({per_trial});"
              f" {label} {final.mean():.3f} +- {final.sem():.3f}; -> {path}")
    return 0


def _progress(optimizer: str, done: int, total: int, elapsed: float) -> None:
    """``re: 3/30 trials, 12 s elapsed, about 108 s left`` on stderr (one line, redrawn on a terminal)."""
    import sys

    left = elapsed / done * (total - done)
    line = f"{optimizer}: {done}/{total} trials, {elapsed:.1f} s elapsed, about {left:.1f} s left"
    end = "\n" if done == total or not sys.stderr.isatty() else ""
    print(("\r" if sys.stderr.isatty() else "") + line, end=end, file=sys.stderr, flush=True)
