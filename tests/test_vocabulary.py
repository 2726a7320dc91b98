"""One vocabulary in every table: today's column names and units, cumulative time that never decreases, and the
old names still working as aliases (reader, x11's predict API, CLI).

The same checks run on the committed tables and on tables built here, in a temporary folder, with today's
builders.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest

import nbx11_data
from nbx11_data import vocabulary
from nbx11_data.cli import main
from nbx11_data.errors import UnknownNameError

REPO = Path(__file__).resolve().parent.parent
COMMITTED = ["nb201", "nb111-ec4", "nbnlp11-wt2", "nb311-yahpo"]
SMALL = ["--archs", "12", "--seeds", "2", "--unit-archs", "8", "--no-progress"]


def _columns(folder: Path) -> list[dict]:
    return json.loads((folder / "manifest.json").read_text())["columns"]


def _bad_names(folder: Path) -> list[str]:
    """Columns whose name is not today's, or whose unit is not today's spelling for it."""
    bad = []
    for column in _columns(folder):
        name, unit = column["name"], column["unit"]
        if not vocabulary.is_today(name):
            bad.append(name)
        elif column["kind"] == "cost" and unit != vocabulary.COSTS[name]:
            bad.append(f"{name} [{unit}]")
        elif column["kind"] in ("curve", "final") and unit != vocabulary.canonical_unit(unit):
            bad.append(f"{name} [{unit}]")
    return bad


def _decreasing_rows(folder: Path) -> tuple[int, int]:
    """(rows whose cumulative-time curve decreases somewhere among its measured epochs, rows)."""
    dataset = ds.dataset(folder / "data", format="parquet")
    column = vocabulary.resolve("elapsed_time", dataset.schema.names)
    if column is None:
        pytest.skip(f"{folder.name} has no cumulative-time column")
    values = dataset.to_table(columns=[column]).column(column).combine_chunks()
    curves = values.flatten().to_numpy(zero_copy_only=False).reshape(len(values), -1).astype(np.float64)
    # between measured epochs only: carry each row's last measured value over the NaN gaps (nb111: epochs 2, 4)
    filled = curves.copy()
    for j in range(1, filled.shape[1]):
        gap = np.isnan(filled[:, j])
        filled[gap, j] = filled[gap, j - 1]
    steps = np.diff(filled, axis=1)
    return int((np.nan_to_num(steps, nan=0.0) < 0).any(axis=1).sum()), len(curves)


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_tables_use_only_vocabulary_names(name):
    assert _bad_names(REPO / "tables" / name) == []


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_cumulative_time_never_decreases(name):
    decreasing, rows = _decreasing_rows(REPO / "tables" / name)
    assert rows > 0 and decreasing == 0


@pytest.fixture(scope="module")
def built(shared_data, tmp_path_factory) -> Path:
    """nb201 in full and small nbnlp11-wt2 (with its measured rows) and nb111-ec4, built with today's code."""
    root = tmp_path_factory.mktemp("tables")
    assert main(["build", "nb201", "--source", str(shared_data), "--out", str(root / "nb201")]) == 0
    assert main(["build", "nbnlp11-wt2", "--source", str(shared_data), *SMALL, "--out", str(root / "nbnlp11-wt2")]) == 0
    assert main(["build", "nb111-ec4", *SMALL, "--out", str(root / "nb111-ec4")]) == 0
    return root


@pytest.mark.parametrize("name", ["nb201", "nbnlp11-wt2", "nb111-ec4"])
def test_tables_built_today_use_only_vocabulary_names(built, name):
    assert _bad_names(built / name) == []
    bench = nbx11_data.open(name, root=built)
    assert vocabulary.is_today(bench.defaults["metric"]) and bench.defaults["metric"] in bench.metrics


def test_nb201_card_says_which_columns_few_cells_have(built):
    card = (built / "nb201" / "README.md").read_text()
    assert "`test_accuracy` at budget 200: 3 of 15,625 cells;" in card  # the 3 NATS cells, every dataset
    assert "`valid_accuracy` at budget" not in card  # every cell has both budgets' validation results


@pytest.mark.parametrize("name", ["nb201", "nb111-ec4"])
def test_tables_built_today_have_cumulative_time_that_never_decreases(built, name):
    decreasing, rows = _decreasing_rows(built / name)
    assert rows > 0 and decreasing == 0


def test_nlp_keeps_the_derived_score_and_counts_parameters_in_millions(built, shared_data):
    bench = nbx11_data.open("nbnlp11-wt2", root=built)
    assert "derived" in bench.columns["valid_score"]["description"]
    # the same column under today's, the table's old and x11's names
    arch = bench.sql("SELECT arch FROM final WHERE source = 'measured' AND seed IS NULL LIMIT 1").fetchall()[0][0]
    curve = bench.curve(arch, seed=None)
    for name in ("valid_score", "val_score"):
        np.testing.assert_array_equal(bench.curve(arch, seed=None, metric=name), curve)
    (params,) = bench.sql("SELECT params FROM final WHERE arch = ? AND seed IS NULL", [arch]).fetchall()[0]
    from nbx11_data.builder.sources import nbnlp

    counts = {run.arch: run.costs["num_params"] for run in nbnlp.load(shared_data / "nbnlp-wt2" / "logs.zip").runs}
    assert params == pytest.approx(counts[arch] / 1e6)


def test_live_rows_of_a_renamed_table_equal_its_stored_rows(built):
    pytest.importorskip("lightgbm")
    bench = nbx11_data.open("nbnlp11-wt2", root=built)
    stored = bench.sql("SELECT arch FROM final WHERE source LIKE 'table:%' LIMIT 2").fetchall()
    archs = [a for (a,) in stored]
    expected = bench.curves(archs, seed=1, metric="valid_score")
    # the table's checkpoint asked for the stored rows by the table's (today's) column name
    from nbx11_data.readers.fallback import Fallback

    live = Fallback.of(bench.manifest, bench.datasets, bench.epochs, bench.budgets)
    parsed = [bench.space.parse(a) for a in archs]
    got = live.curves("wikitext-2", parsed, [bench.space.arch_id(a) for a in archs], [1, 1], ["valid_score"])
    np.testing.assert_array_equal(got["valid_score"], expected)


def test_x11_predict_takes_old_and_new_metric_names():
    pytest.importorskip("lightgbm")
    from nbx11_data import load_ensemble
    from nbx11_data.spaces import nlp

    model = load_ensemble(REPO / "checkpoints" / "nbnlp11-wt2-v1")
    arch = nlp.format(nlp.sample(1, seed=3, encodable=True)[0])
    old = model.predict(arch, seed=4, metric="val_score")
    np.testing.assert_array_equal(model.predict(arch, seed=4, metric="valid_score"), old)
    assert set(model.predict_batch([arch], metrics=["valid_score"])) == {"valid_score"}
    with pytest.raises(UnknownNameError, match="metric"):
        model.predict(arch, metric="valid_accuracy")


def test_unit_and_name_spellings():
    assert vocabulary.canonical_unit("percent") == "%" and vocabulary.canonical_unit("cross-entropy") == "nats"
    assert vocabulary.canonical("train_time") == vocabulary.canonical("runtime") == "elapsed_time"
    assert vocabulary.is_today("valid_accuracy_final") and not vocabulary.is_today("val_score")
    assert not vocabulary.is_today("nonsense_final")
