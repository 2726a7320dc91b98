"""Learning curves as a picture: the mean over seeds as a line, the seed spread as a band.

matplotlib is optional (the ``plot`` extra) and imported only when a plot is
drawn; without a display it falls back to its Agg backend by itself.

Example:
    >>> import nbx11_data
    >>> bench = nbx11_data.open("nb201")
    >>> figure = plot_benchmark(bench, [0, 1462], metric="valid_accuracy")  # out="curves.png" also saves it
    >>> len(figure.axes[0].get_legend().get_texts())  # one entry per architecture
    2
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nbx11_data.errors import MissingDependencyError

# Short names of the operations of the cell spaces, so that legends stay readable.
_SHORT_OPS = {"nor_conv_3x3": "c3", "nor_conv_1x1": "c1", "avg_pool_3x3": "avg", "skip_connect": "skip",
              "none": "—", "sep_conv_3x3": "sep3", "sep_conv_5x5": "sep5", "dil_conv_3x3": "dil3",
              "dil_conv_5x5": "dil5", "max_pool_3x3": "max", "conv3x3-bn-relu": "c3", "conv1x1-bn-relu": "c1",
              "maxpool3x3": "max"}
_NB201_CELL = re.compile(r"\|([^|~]+)~\d")


@dataclass(frozen=True)
class Series:
    """One architecture's runs: ``values`` (n_runs, E) with NaN = not measured, and a legend label."""

    label: str
    values: np.ndarray
    runs: str = ""  # how the legend counts the runs; default "(N seeds)"


def short_label(arch: str, arch_index: int | None = None, width: int = 34) -> str:
    """A legend-sized name: ``#index`` and the arch string with short op names, cut to ``width``.

    >>> short_label("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", 1462)
    '#1462  c3 | c3 avg | skip c3 skip'
    """
    if arch.startswith("|") and "~" in arch:  # NB201 cell: one op per edge, nodes separated by '+'
        text = " | ".join(" ".join(_SHORT_OPS.get(op, op) for op in _NB201_CELL.findall(node))
                          for node in arch.split("+"))
    else:
        text = arch
        for long, short in _SHORT_OPS.items():
            text = text.replace(long, short)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"#{arch_index}  {text}" if arch_index is not None else text


def plot_curves(series: list[Series], *, ylabel: str, title: str, note: str = "", out: str | Path | None = None):
    """Draw each series' mean curve and min–max band over its runs; return the Figure (saved if ``out``)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120, layout="constrained")
    colours = plt.get_cmap("tab10")
    for i, one in enumerate(series):
        values = np.atleast_2d(np.asarray(one.values, dtype=float))
        colour = colours(i % 10)
        measured = np.flatnonzero(~np.all(np.isnan(values), axis=0))
        if not len(measured):
            ax.plot([], [], color=colour, ls="none", marker="x", label=f"{one.label}  (not measured)")
            continue
        values = values[:, measured]
        epochs = measured + 1
        mean = np.array([np.mean(column[~np.isnan(column)]) for column in values.T])
        runs = int(np.sum(~np.all(np.isnan(values), axis=1)))
        sparse = len(measured) <= 3  # e.g. only the final epoch was measured: points, not a line
        ax.plot(epochs, mean, color=colour, lw=1.8, marker="o" if sparse else None, ms=5,
                label=f"{one.label}  ({one.runs or f'{runs} seed' + ('s' if runs != 1 else '')})")
        if runs > 1:
            low = np.array([np.min(column[~np.isnan(column)]) for column in values.T])
            high = np.array([np.max(column[~np.isnan(column)]) for column in values.T])
            if sparse:
                ax.errorbar(epochs, mean, yerr=[mean - low, high - mean], color=colour, ls="none", capsize=4)
            else:
                ax.fill_between(epochs, low, high, color=colour, alpha=0.2, lw=0)
    if series:
        ax.set_xlim(0, np.atleast_2d(series[0].values).shape[1] + 1)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    legend = ax.legend(loc="best", fontsize=8, title=note or None, title_fontsize=8, frameon=True)
    legend.get_frame().set_alpha(0.9)
    if out is not None:
        fig.savefig(out)
    return fig


def plot_benchmark(bench, archs, metric=None, dataset=None, budget=None, out=None):
    """Plot ``archs`` from an open benchmark: one curve per architecture over its seeds; return the Figure."""
    import pandas as pd

    from nbx11_data.readers.export import curves_long, identities

    metric = bench.defaults.get("metric", bench.metrics[0]) if metric is None else bench._metric(metric)
    dataset = bench.defaults.get("dataset", bench.datasets[0]) if dataset is None else dataset
    budget = bench.defaults.get("budget", max(bench.budgets)) if budget is None else budget
    frame = curves_long(bench, archs, metrics=[metric], datasets=[dataset], budget=budget)
    series = []
    for arch_index, arch_id, arch in identities(bench, archs).itertuples(index=False):
        runs = frame[frame["arch_id"] == arch_id]
        if runs["seed"].notna().any():  # per-seed rows; the seed-NULL mean row only where there are none
            runs = runs[runs["seed"].notna()]
        codes, seeds = pd.factorize(runs["seed"], use_na_sentinel=False)
        values = np.full((max(len(seeds), 1), bench.budgets[budget]), np.nan)
        values[codes, runs["epoch"].to_numpy(dtype=int) - 1] = runs[metric].to_numpy(dtype=float)
        only_mean = len(runs) and runs["seed"].isna().all()
        series.append(Series(short_label(arch, None if pd.isna(arch_index) else int(arch_index)), values,
                             runs="mean over seeds only" if only_mean else ""))
    column = bench.columns[metric]
    unit = f" ({column['unit']})" if column.get("unit") else ""
    better = {"max": "higher is better", "min": "lower is better"}.get(column.get("direction"), "")
    note = "line: mean over seeds; band: min–max over seeds"
    if any(arch.startswith("|") for arch in frame["arch"].unique()[:1]):
        note += "\nc3/c1: 3×3/1×1 conv, avg: 3×3 avg pool, —: none"
    return plot_curves(series, ylabel=f"{metric}{unit}", title=f"{bench.name} · {dataset} · {budget}-epoch budget"
                       + (f"  ({better})" if better else ""), note=note, out=out)


def _pyplot():
    try:
        import matplotlib.pyplot as plt  # picks Agg by itself where there is no display
    except ImportError as err:
        raise MissingDependencyError("plots need matplotlib: pip install 'nbx11-data[plot]'") from err
    return plt
