"""Exports (wide finals, long curves) and plots, on the committed nb201 table."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import nbx11_data
from nbx11_data import vocabulary
from nbx11_data.cli import main
from nbx11_data.errors import ArchitectureNotFoundError, MissingDependencyError, UnknownNameError
from nbx11_data.readers import export
from nbx11_data.readers.plot import plot_benchmark, short_label

SEEDS = (777, 888, 999)
# the table's own names (before and after the rename of the vocabulary); requests may use any alias
_COLUMNS = nbx11_data.open("nb201").metrics
VALID, TEST, TIME = (vocabulary.resolve(n, _COLUMNS) for n in ("valid_accuracy", "test_accuracy", "elapsed_time"))


@pytest.fixture(scope="module")
def bench():
    return nbx11_data.open("nb201")


def test_finals_wide_is_the_seed_mean_of_the_final_values(bench, tmp_path):
    wide = export.finals_wide(bench, datasets=["cifar10-valid", "cifar100"])
    assert len(wide) == 15625 and wide["arch_index"].tolist() == list(range(15625))
    assert list(wide.columns[:5]) == ["arch_index", "arch_id", "arch", "cifar10-valid.seeds", "cifar10-valid.source"]
    assert set(wide["cifar100.source"]) == {"measured"}
    assert "cifar100.params" in wide.columns and f"cifar10-valid.{TIME}" not in wide.columns
    row = wide.iloc[11]
    finals = [bench.curve(11, dataset="cifar100", metric="valid_acc", seed=s, budget=200)[-1] for s in SEEDS]
    assert row["cifar100.seeds"] == 3
    assert row[f"cifar100.{VALID}"] == pytest.approx(np.mean(finals), rel=1e-6)
    back = pd.read_csv(export.write(wide, tmp_path / "w.csv", "csv"))
    assert back.shape == wide.shape
    np.testing.assert_allclose(back[f"cifar100.{VALID}"], wide[f"cifar100.{VALID}"], rtol=1e-5)
    assert back[f"cifar100.{TEST}"].isna().sum() == wide[f"cifar100.{TEST}"].isna().sum() > 0  # empty = not measured


def test_finals_wide_at_the_low_budget_uses_the_mean_rows(bench):
    wide = export.finals_wide(bench, metrics=["valid_acc"], datasets=["cifar10-valid"], budget=12)
    row = wide.set_index("arch_index").loc[1462]
    assert row["cifar10-valid.seeds"] == 0  # mini-nb201 gives only the mean over seeds
    mean_row = bench.curve(1462, dataset="cifar10-valid", metric="valid_acc", seed=None, budget=12)
    assert row[f"cifar10-valid.{VALID}"] == pytest.approx(float(mean_row[~np.isnan(mean_row)][-1]), rel=1e-6)


def test_curves_long_matches_the_reader(bench, tmp_path):
    arch = bench.space.format(bench.space.parse(284))
    long = export.curves_long(bench, [0, arch], metrics=["valid_acc", "train_loss"], datasets=["cifar100"])
    assert long.groupby(["arch_index", "seed"]).size().to_dict() == {(i, s): 200 for i in (0, 284) for s in SEEDS}
    one = long[(long["arch_index"] == 284) & (long["seed"] == 888)]
    np.testing.assert_array_equal(one[VALID].to_numpy(dtype=np.float32),
                                  bench.curve(284, dataset="cifar100", metric="valid_acc", seed=888, budget=200))
    assert one["epoch"].tolist() == list(range(1, 201))
    path = export.write(long, tmp_path / "c.parquet", "parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), long, check_dtype=False)


def test_export_errors_name_what_is_wrong(bench, tmp_path):
    with pytest.raises(ArchitectureNotFoundError, match="'0123456789abcdef0123456789abcdef' is not in the table"):
        export.curves_long(bench, ["0123456789abcdef0123456789abcdef"])
    with pytest.raises(UnknownNameError, match=f"unknown metric 'acc'; allowed: .*{VALID}"):
        export.finals_wide(bench, metrics=["acc"])
    with pytest.raises(UnknownNameError, match="unknown budget 50; allowed: 12, 200"):
        export.curves_long(bench, [0], budget=50)
    with pytest.raises(UnknownNameError, match="unknown export format 'xlsx'"):
        export.write(pd.DataFrame(), tmp_path / "x", "xlsx")


def test_cli_export_and_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "nb201", "--to", "csv", "--dataset", "cifar100", "--metrics", "valid_acc"]) == 0
    assert "nb201_finals.csv: 15625 rows x 9 columns" in capsys.readouterr().out  # with cifar100.source
    # today's name and the old one mean the same column
    assert main(["export", "nb201", "--archs", "11", "--dataset", "cifar10-valid", "--metrics", "valid_accuracy"]) == 0
    curves = pd.read_csv(tmp_path / "nb201_curves.csv")
    assert curves.shape == (600, 9) and set(curves["source"]) == {"measured"}
    assert main(["plot", "nb201", "0", "11", "--dataset", "cifar100"]) == 0
    assert (tmp_path / "nb201_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", "nb201", "99999"]) == 2
    assert "outside 0..15624" in capsys.readouterr().err


def test_plot_has_a_mean_line_and_seed_band_per_arch(bench, tmp_path):
    from matplotlib.collections import PolyCollection

    out = tmp_path / "p.png"
    figure = plot_benchmark(bench, [0, 11, 1462], metric="valid_acc", dataset="cifar10-valid", out=out)
    ax = figure.axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0].startswith("#0  avg | c1 skip") and labels[0].endswith("(3 seeds)")
    assert labels[2].startswith("#1462")  # only the final epoch measured: a point with its seed range
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2  # bands for #0 and #11
    assert ax.get_ylabel() == f"{VALID} (%)" and ax.get_xlabel() == "epoch"
    assert "cifar10-valid" in ax.get_title() and "higher is better" in ax.get_title()
    line = ax.get_lines()[0]
    means = np.mean([bench.curve(0, dataset="cifar10-valid", metric="valid_acc", seed=s, budget=200) for s in SEEDS],
                    axis=0)
    np.testing.assert_allclose(line.get_ydata(), means, rtol=1e-5)
    from PIL import Image

    assert Image.open(out).size == (960, 576)


def test_short_label_and_missing_matplotlib(bench, monkeypatch):
    assert short_label("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|", 7) == \
        "#7  — | skip c1 | avg — c3"
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingDependencyError, match=r"nbx11-data\[plot\]"):
        plot_benchmark(bench, [0])
