"""The paper's kind of figure: mean and standard error of what a run reports against simulated time, log axes.

What each benchmark's panel shows (``column="auto"``) is what its runs report (their ``reported`` column):
regret where the table is the whole space and its optimum is known (nb201, an NB101 table of every
graph), else the validation error itself in the metric's unit (``100 - accuracy`` in %, NLP's validation
loss in nats), as NAS-Bench-x11's figures do for DARTS and NLP. Results written before runs said what
they report show regret. A regret panel where a mean (minus its standard error) goes below zero gets a
symmetric-log y axis (linear within +-0.01) instead of clipping it.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"benchmark": "b", "optimizer": "rs", "trial": [0, 0, 1], "time": [1.0, 10.0, 2.0],
    ...                       "val_regret": [3.0, 1.0, 2.0], "budget": 100.0})
    >>> grid, mean, sem = regret_curve(frame, "val_regret", np.array([5.0, 50.0]))
    >>> mean.tolist()
    [2.5, 1.5]
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from nbx11_data.io import atomic_write_bytes

REGRET_FLOOR = 1e-2  # regrets of exactly 0 are drawn at this floor on the log axis
COLUMNS = ("auto", "val_regret", "test_regret", "val_error", "test_error")


def reported(frame: pd.DataFrame, column: str = "auto") -> str:
    """The column a summary of ``frame`` (one benchmark's runs) shows: ``column``, or with ``"auto"`` what
    the runs report (``val_regret`` for results that do not say).

    Example:
        >>> reported(pd.DataFrame({"reported": ["val_error"]}))
        'val_error'
    """
    if column != "auto":
        return column
    if "reported" not in frame or frame["reported"].isna().all():
        return "val_regret"
    kinds = frame["reported"].dropna().unique()
    return str(kinds[0]) if len(kinds) == 1 else "val_regret"


def with_errors(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``val_error``/``test_error`` (100 - value) added where results written before runs
    recorded them lack them."""
    missing = {f"{split}_error": 100.0 - frame[f"{split}_acc"] for split in ("val", "test")
               if f"{split}_error" not in frame and f"{split}_acc" in frame}
    return frame.assign(**missing) if missing else frame


def label(frame: pd.DataFrame, column: str) -> str:
    """Axis label of ``column`` with its unit (``validation loss (nats)`` for NLP's error)."""
    split = "validation" if column.startswith("val") else "test"
    known = "error_unit" in frame and frame["error_unit"].notna().any()
    unit = str(frame["error_unit"].dropna().iloc[0]) if known else "%"
    if column.endswith("_regret"):
        return f"{split} regret ({'nats' if unit == 'nats' else 'percentage points'})"
    return f"{split} {'loss' if unit == 'nats' else 'error'} ({unit})"


def regret_curve(frame: pd.DataFrame, column: str, grid: np.ndarray):
    """Step-function regret of every trial on ``grid``; mean and standard error over trials, NaN until
    every trial has an incumbent (so the line never rises because a late trial joins)."""
    values = []
    for _, trial in frame.groupby("trial"):
        trial = trial.sort_values("time")
        position = np.searchsorted(trial["time"].to_numpy(), grid, side="right") - 1
        regret = trial[column].to_numpy()[np.maximum(position, 0)].astype(float)
        values.append(np.where(position >= 0, regret, np.nan))
    values = np.array(values)
    mean = values.mean(axis=0)
    sem = values.std(axis=0, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.zeros(len(grid))
    return grid, mean, np.nan_to_num(sem)


def final_regrets(frame: pd.DataFrame, column: str = "val_regret") -> pd.DataFrame:
    """Final ``column`` per (benchmark, optimizer) (``"auto"``: per benchmark, what its runs report, named in
    the ``column`` column of the result): mean, standard error, trials; for a screened variant
    (``X_lce``, ``X_svr``) also the paired difference to ``X`` over trials with the same number (same curve
    seed), its standard error, and in how many of them the variant ended lower and higher (the rest tie).

    Example:
        >>> f = pd.DataFrame({"benchmark": "b", "optimizer": ["re", "re", "re_lce", "re_lce"], "trial": [0, 1, 0, 1],
        ...                   "time": 1.0, "val_regret": [1.0, 2.0, 0.5, 2.5]})
        >>> final_regrets(f).loc[("b", "re_lce"), ["mean", "diff_vs_base", "lower_trials", "higher_trials"]].tolist()
        [1.5, 0.0, 1.0, 1.0]
    """
    frame = with_errors(frame)
    if column == "auto":
        parts = {b: final_regrets(sub, reported(sub)) for b, sub in frame.groupby("benchmark")}
        return pd.concat(parts.values()) if parts else final_regrets(frame, "val_regret")
    final = frame.sort_values("time").groupby(["benchmark", "optimizer", "trial"])[column].last()
    out = final.groupby(["benchmark", "optimizer"]).agg(["mean", "sem", "count"])
    out["column"] = column
    out["diff_vs_base"], out["diff_sem"], out["lower_trials"], out["higher_trials"] = np.nan, np.nan, np.nan, np.nan
    for benchmark, optimizer in out.index:
        base = optimizer.split("_")[0]
        if base == optimizer or (benchmark, base) not in out.index:
            continue
        pair = pd.concat([final[benchmark][optimizer], final[benchmark][base]], axis=1, join="inner").to_numpy()
        diff = pair[:, 0] - pair[:, 1]
        out.loc[(benchmark, optimizer), ["diff_vs_base", "diff_sem", "lower_trials", "higher_trials"]] = (
            diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan,
            float((diff < 0).sum()), float((diff > 0).sum()))
    return out


def plot_runs(frame: pd.DataFrame, out: str | Path, column: str = "auto") -> Path:
    """One panel per benchmark, one line (mean +- s.e.) per optimizer; saves a PNG at ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = with_errors(frame)
    benchmarks = sorted(frame["benchmark"].unique())
    fig, axes = plt.subplots(1, len(benchmarks), figsize=(6.4 * len(benchmarks), 4.6), squeeze=False)
    optimizers = sorted(frame["optimizer"].unique())
    bases = sorted({name.split("_")[0] for name in optimizers})
    colors = {base: plt.get_cmap("tab10")(k) for k, base in enumerate(bases)}
    styles = {"lce": "--", "svr": ":"}
    for ax, benchmark in zip(axes[0], benchmarks):
        sub = frame[frame["benchmark"] == benchmark]
        shown = reported(sub, column)
        budget = float(sub["budget"].max())
        grid = np.geomspace(max(sub["time"].min(), budget * 1e-3), budget, 200)
        curves = {name: regret_curve(runs, shown, grid)[1:] + (runs["trial"].nunique(),)
                  for name, runs in sub.groupby("optimizer")}
        negative = any(np.nanmin(mean - sem) < 0 for mean, sem, _ in curves.values() if np.isfinite(mean).any())
        floor = -np.inf if negative else REGRET_FLOOR if shown.endswith("_regret") else 0.0
        for name in optimizers:
            if name not in curves:
                continue
            mean, sem, trials = curves[name]
            base, _, variant = name.partition("_")
            color, style = colors[base], styles.get(variant, "-")
            ax.plot(grid, np.maximum(mean, floor), style, color=color, lw=1.8, label=f"{name} (n={trials})")
            ax.fill_between(grid, np.maximum(mean - sem, floor), np.maximum(mean + sem, floor), color=color,
                            alpha=0.15, lw=0)
        ax.set_xscale("log")
        if negative:
            ax.set_yscale("symlog", linthresh=REGRET_FLOOR)
            ax.axhline(0.0, color="black", lw=0.8)
        elif shown.endswith("_regret"):
            ax.set_yscale("log")
        ax.set_xlabel("simulated wall-clock time (s)")
        ax.set_ylabel(f"{label(sub, shown)}; mean +- s.e.")
        ax.set_title(benchmark)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=130)
    plt.close(fig)
    atomic_write_bytes(out, buffer.getvalue())
    return Path(out)
