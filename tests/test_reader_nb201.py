"""The committed nb201 table through the reader, plain DuckDB and pyarrow, traced back to the sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import nbx11_data
from nbx11_data.builder.shards import Card, write_benchmark
from nbx11_data.builder.sources import mini_nb201, nats_tss, nb201_finals
from nbx11_data.errors import ArchitectureNotFoundError, InvalidArchitectureError, UnknownNameError
from nbx11_data.spaces import nb201
from nbx11_data.table_format import Column, build_schema

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "tables" / "nb201"


@pytest.fixture(scope="module")
def bench():
    return nbx11_data.open("nb201", root=REPO / "tables")


def test_plain_duckdb_and_pyarrow_read_the_shards():
    import duckdb
    import pyarrow.dataset as ds

    rows = duckdb.sql(f"SELECT dataset, count(*) FROM read_parquet('{TABLE}/data/*.parquet')"
                      " GROUP BY dataset ORDER BY dataset").fetchall()
    assert rows == [("ImageNet16-120", 55044), ("cifar10-valid", 55050), ("cifar100", 55044)]
    table = ds.dataset(TABLE / "data", format="parquet").to_table(
        filter=(ds.field("arch_index") == 11) & (ds.field("budget") == 200) & (ds.field("seed") == 777))
    assert table.num_rows == 3 and table.schema.field("valid_accuracy").type == pa.list_(pa.float32(), 200)


@pytest.mark.parametrize("dataset", list(nb201_finals.DATASETS))
def test_random_archs_trace_back_to_sources(shared_data, bench, dataset):
    archs = np.random.Generator(np.random.PCG64(3)).choice(nb201.SIZE, 300, replace=False)
    finals = nb201_finals.load(shared_data / "nb201-finals", dataset)
    mini = mini_nb201.load(shared_data / "mini-nb201")[dataset]
    for i, seed in enumerate(nb201_finals.SEEDS):
        ran = archs[~np.isnan(finals["val_acc"][archs, i])]
        got = bench.curves(ran.tolist(), dataset=dataset, seed=seed, budget=200)[:, -1]
        np.testing.assert_array_equal(got, finals["val_acc"][ran, i].astype(np.float32))
    frame = bench.query(archs.tolist(), dataset=dataset, metrics=["train_time"], seed=777)
    np.testing.assert_array_equal(frame["elapsed_time"], finals["train_time"][archs, 0].astype(np.float32))
    low = bench.query(archs.tolist(), dataset=dataset, metrics=["valid_acc"], seed=mini["seed"], budget=12)
    np.testing.assert_array_equal(low["valid_accuracy"], mini["valid_acc"][archs].astype(np.float32))
    costs = bench.sql(f"SELECT arch_index, params FROM final WHERE dataset = '{dataset}' AND budget = 200"
                      " AND seed = 777 ORDER BY arch_index").fetchnumpy()
    np.testing.assert_array_equal(costs["params"], finals["params"][costs["arch_index"]])


def test_fixture_curves_are_whole(shared_data, bench):
    for run in nats_tss.iter_archive(shared_data / "nats-tss-fixture"):
        if run.dataset in nb201_finals.DATASETS:
            got = bench.curve(run.arch, dataset=run.dataset, metric="train_loss", seed=run.seed, budget=run.budget)
            np.testing.assert_array_equal(got, np.asarray(run.curves["train_loss"], dtype=np.float32))


def test_any_representation_and_views(bench):
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"
    expected = bench.curve(arch, dataset="cifar100", metric="train_acc")
    assert len(expected) == 200 and not np.isnan(expected).any()
    for form in (11, "11", nb201.parse(arch), [3, 3, 4, 0, 3, 4], nb201.arch_id(arch)):
        np.testing.assert_array_equal(bench.curve(form, dataset="cifar100", metric="train_acc"), expected)
    long = bench.sql("SELECT epoch, train_accuracy FROM curves_long WHERE arch_index = 11 AND dataset = 'cifar100'"
                     " AND seed = 777 AND budget = 200 ORDER BY epoch").fetchnumpy()
    np.testing.assert_array_equal(long["epoch"], np.arange(1, 201))
    np.testing.assert_array_equal(long["train_accuracy"], expected)
    final = bench.sql("SELECT train_accuracy FROM final WHERE arch_index = 11 AND dataset = 'cifar100' AND seed = 777"
                      " AND budget = 200").fetchall()[0][0]
    assert final == expected[-1]
    assert len(bench.archs()) == nb201.SIZE and bench.info()["seeds"] == [None, 111, 777, 888, 999]


@pytest.mark.parametrize(("budget", "seed"), [(200, 777), (200, 999), (12, 111)])
def test_batches_equal_the_stored_column_in_every_representation(bench, budget, seed):
    """The reader's compact curve store and batch index give back the Parquet column as stored (mostly-NaN
    rows, and the fixture's whole curves)."""
    import pyarrow.parquet as pq

    table = pq.read_table(TABLE / "data", columns=["arch_index", "seed", "budget", "elapsed_time"],
                          filters=[("dataset", "=", "cifar100")])
    mask = (table.column("budget").to_numpy() == budget) & (table.column("seed").to_numpy(zero_copy_only=False) == seed)
    stored = table.column("elapsed_time").combine_chunks().flatten().to_numpy().reshape(table.num_rows, -1)[mask]
    order = np.random.Generator(np.random.PCG64(budget + seed)).permutation(int(mask.sum()))
    indices = table.column("arch_index").to_numpy()[mask][order]
    expected = stored[order, :budget]
    assert (~np.isnan(expected)).sum(axis=1).max() == budget  # whole curves are among them
    lookup = {"dataset": "cifar100", "metric": "train_time", "seed": seed, "budget": budget}
    strings, ids = [nb201.format(int(i)) for i in indices], [nb201.arch_id(int(i)) for i in indices]
    for form in (indices.tolist(), indices, strings, ids):
        np.testing.assert_array_equal(bench.curves(form, **lookup), expected)
    for i in (0, int(np.argmax((~np.isnan(expected)).sum(axis=1)))):
        np.testing.assert_array_equal(bench.curve(int(indices[i]), **lookup), expected[i])
    with pytest.raises(InvalidArchitectureError):
        bench.curves([1, True], **lookup)  # a bool is not an arch_index


def test_errors_name_what_exists(bench):
    with pytest.raises(UnknownNameError, match="nb201"):
        nbx11_data.open("nb999", root=REPO / "tables")
    with pytest.raises(UnknownNameError, match="cifar10-valid"):
        bench.curve(0, dataset="cifar10")
    with pytest.raises(UnknownNameError, match="valid_accuracy"):
        bench.curve(0, metric="valid_accurcy")
    with pytest.raises(UnknownNameError, match="12, 200"):
        bench.curve(0, budget=50)
    with pytest.raises(UnknownNameError, match="budget=12 seed=None"):
        bench.curve(1, budget=12, seed=777)
    with pytest.raises(InvalidArchitectureError):
        bench.curve("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")


def test_architecture_not_in_table(tmp_path):
    schema = build_schema([Column("valid_acc", "curve", "%", "max", "acc")], [], 2)
    arch = nb201.format(5)
    rows = pa.table({"arch_id": [nb201.arch_id(arch)], "arch": [arch], "arch_index": [5], "seed": [None],
                     "budget": [2], "source": ["measured"], "valid_acc": [[1.0, 2.0]]})
    card = Card(pretty_name="t", license="mit", summary="", how_made="", limits="", citation="")
    write_benchmark(tmp_path / "tiny", {"d": rows}, name="tiny", space="nb201", schema=schema, provenance=[],
                    card=card, extra={"budgets": {"2": 2}, "defaults": {"seed": None}})
    tiny = nbx11_data.open("tiny", root=tmp_path)
    assert tiny.curve(5).tolist() == [1.0, 2.0]
    with pytest.raises(ArchitectureNotFoundError, match=nb201.arch_id(6)):
        tiny.curve(6)


def test_reader_imports_no_model_library():
    code = ("import sys, nbx11_data; b = nbx11_data.open('nb201'); b.curve(0); b.query([1, 2]);"
            " b.sql('SELECT count(*) FROM final').fetchall();"
            " bad = [m for m in sys.modules if m.split('.')[0] in ('lightgbm', 'sklearn', 'onnxruntime', 'pickle')"
            " and m != 'pickle']; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_cli_round_trip(tmp_path):
    from nbx11_data.cli import main

    assert main(["verify", "nb201"]) == 0
    assert main(["sql", "nb201", "SELECT count(*) AS n FROM final", "--format", "csv", "-o", str(tmp_path / "n.csv")]) == 0
    assert (tmp_path / "n.csv").read_text() == "n\n165138\n"
    assert main(["query", "nb201", "11", "--metric", "valid_acc", "--format", "json", "-o", str(tmp_path / "q")]) == 0
    assert '"valid_accuracy":87.7' in (tmp_path / "q").read_text()


def test_a_metric_is_found_by_any_of_its_names(bench):
    by_alias = bench.curve(11, dataset="cifar100", metric="valid_accuracy", seed=777, budget=200)
    by_old_name = bench.curve(11, dataset="cifar100", metric="valid_acc", seed=777, budget=200)
    np.testing.assert_array_equal(by_alias, by_old_name)
    assert list(bench.query([11], dataset="cifar100", metrics=["val_acc"]).columns)[-1] == "valid_accuracy"
