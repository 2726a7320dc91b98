"""``nbx11 plot-runs RESULTS --out PNG``: regret against simulated time, one line per optimizer.

Also prints the table of final regrets (mean and standard error over trials) as Markdown.

Example:
    $ nbx11 plot-runs results/ --out results/regret.png
"""

from __future__ import annotations

from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="+", help="Parquet files or folders written by `nbx11 run`")
    parser.add_argument("--out", required=True, help="PNG to write")
    parser.add_argument("--metric", choices=("val_regret", "test_regret"), default="val_regret")


def run(args) -> int:
    import pandas as pd

    from nbx11_data.errors import CorruptFileError
    from nbx11_data.nas.plotting import plot_runs

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
    final = frame.sort_values("time").groupby(["benchmark", "optimizer", "trial"])[args.metric].last()
    summary = final.groupby(["benchmark", "optimizer"]).agg(["mean", "sem", "count"])
    print(f"| benchmark | optimizer | final {args.metric} (mean) | s.e. | trials |\n|---|---|---|---|---|")
    for (benchmark, optimizer), row in summary.iterrows():
        print(f"| {benchmark} | {optimizer} | {row['mean']:.3f} | {row['sem']:.3f} | {int(row['count'])} |")
    print(f"wrote {out}")
    return 0
