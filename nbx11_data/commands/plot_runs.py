"""``nbx11 plot-runs RESULTS --out PNG``: what the runs report against simulated time, one line per optimizer.

Per benchmark it shows what its runs report (``--metric auto``): regret where the table is the whole space
(nb201, an NB101 table of every graph), else the validation error in the metric's unit (DARTS: %, NLP:
validation loss in nats), since the space's optimum is unknown. Also prints the table of final values
(mean and standard error over trials; for ``X_lce``/``X_svr`` the paired difference to ``X``) as
Markdown, and with ``--csv`` writes it as CSV.

Example:
    $ nbx11 plot-runs results/ --out results/regret.png
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    from nbx11_data.nas.plotting import COLUMNS

    parser.add_argument("results", nargs="+", help="Parquet files or folders written by `nbx11 run`")
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("--metric", choices=COLUMNS,
                        default="auto", help="what to show (default auto: per benchmark, what its runs report)")
    parser.add_argument("--csv", help="also write the table of final regrets as CSV here")


def run(args) -> int:
    import pandas as pd

    from nbx11_data.errors import CorruptFileError
    from nbx11_data.io import atomic_write_bytes
    from nbx11_data.nas.plotting import final_regrets, label, plot_runs

    files = []
    for item in map(Path, args.results):
        files.extend(sorted(item.rglob("*.parquet")) if item.is_dir() else [item])
    if not files:
        raise CorruptFileError(f"no Parquet results found in {', '.join(args.results)}")
    frames = []
    for path in files:
        try:
            frames.append(pd.read_parquet(path))
        except Exception as err:  # pyarrow raises several types for damaged files
            raise CorruptFileError(f"cannot read results file {path}: {err}") from err
    frame = pd.concat(frames, ignore_index=True)
    out = plot_runs(frame, args.out, column=args.metric)
    summary = final_regrets(frame, args.metric)
    print("| benchmark | optimizer | final value | mean | s.e. | trials | vs base (paired) | trials lower / higher |\n"
          "|---|---|---|---|---|---|---|---|")
    for (benchmark, optimizer), row in summary.iterrows():
        shown = label(frame[frame["benchmark"] == benchmark], row["column"])
        versus = "" if row["diff_vs_base"] != row["diff_vs_base"] else f"{row['diff_vs_base']:+.3f} +- {row['diff_sem']:.3f}"
        lower = "" if versus == "" else f"{int(row['lower_trials'])} / {int(row['higher_trials'])}"
        print(f"| {benchmark} | {optimizer} | {shown} | {row['mean']:.3f} | {row['sem']:.3f} | {int(row['count'])} | {versus} | {lower} |")
    if args.csv:
        atomic_write_bytes(args.csv, summary.reset_index().to_csv(index=False, float_format="%.4f").encode())
    print(f"wrote {out}", file=sys.stderr)  # stdout is the table (often redirected to a file)
    return 0
