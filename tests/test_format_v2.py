"""Table format 2: every common Parquet reader opens the folder, the stored index answers like the schema-1
reader bit for bit, corruption is caught on read, manifest names never become SQL, sandboxed SQL."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import nbx11_data
from nbx11_data import manifest as manifest_io
from nbx11_data.builder.shards import Card, write_benchmark
from nbx11_data.cli import main
from nbx11_data.errors import CorruptFileError
from nbx11_data.readers.columns import ColumnStore
from nbx11_data.spaces import nb201
from nbx11_data.io import sha256_file
from nbx11_data.table_format import SHARD_KEY, content_sha256, describe_schema

REPO = Path(__file__).resolve().parent.parent
CARD = Card(pretty_name="Copy", license="mit", summary="A copy.", how_made="Copied.", limits="None.", citation="")
ROW_SCHEMA_DROP = ("dataset",)


def _partitions(name: str) -> tuple[dict, dict[str, pa.Table]]:
    """The committed table ``name``'s manifest and its rows per dataset, without the stored ``dataset`` column."""
    folder = REPO / "tables" / name
    manifest = manifest_io.load(folder)
    parts = {}
    for dataset in manifest["datasets"]:
        tables = [pq.read_table(folder / s["path"]) for s in manifest["shards"] if s["partition"]["dataset"] == dataset]
        table = pa.concat_tables(tables)
        parts[dataset] = table.drop_columns(["dataset"]) if "dataset" in table.column_names else table
    return manifest, parts


def to_v1(name: str, out: Path) -> Path:
    """A schema-1 copy of the committed table ``name``, as builds before schema 2 wrote them: hive folders
    ``dataset=<d>/``, no ``dataset`` column in the files, no stored index."""
    manifest, parts = _partitions(name)
    folder = out / name
    shards = []
    for dataset, table in parts.items():
        info = json.loads(table.schema.metadata[b"nbx11"])
        info["schema_version"] = 1
        table = table.replace_schema_metadata({b"nbx11": json.dumps(info, sort_keys=True).encode()})
        relative = f"dataset={dataset}/part-00000-of-00001.parquet"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / relative, compression="zstd")
        shards.append(manifest_io.shard_entry(folder, relative, {"dataset": dataset}, table))
    shutil.copy(REPO / "tables" / name / "README.md", folder / "README.md")
    old = {k: v for k, v in manifest.items() if k not in ("index", "shards", "files", "schema")}
    old.update(schema_version=1, shards=shards, schema=describe_schema(table.schema),
               files=[{"path": "README.md", "sha256": sha256_file(folder / "README.md")}])
    (folder / manifest_io.FILENAME).write_text(json.dumps(old, indent=1, sort_keys=True))
    return folder


@pytest.fixture(scope="module")
def v1_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("v1")
    for name in ("nb111-ec4", "nbnlp11-wt2", "nb201"):
        to_v1(name, root)
    return root


def _v1(root: Path, name: str) -> nbx11_data.readers.Benchmark:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the one-line hint to rebuild a schema-1 table
        return nbx11_data.open(name, root=root)


def to_v2(name: str, out: Path, only: dict[str, int] | None = None) -> Path:
    """A schema-2 copy of the committed table ``name`` (the same rows; ``only``: first rows per dataset)."""
    manifest, parts = _partitions(name)
    if only:
        parts = {dataset: table.slice(0, only[dataset]) for dataset, table in parts.items()}
    schema = parts[manifest["datasets"][0]].schema
    info = json.loads(schema.metadata[b"nbx11"])
    info["schema_version"] = 2
    schema = schema.with_metadata({b"nbx11": json.dumps(info, sort_keys=True).encode()})
    keep = ("budgets", "defaults", "checkpoint", "build")
    write_benchmark(out / name, parts, name=name, space=manifest["space"], schema=schema,
                    provenance=manifest["provenance"], card=CARD, extra={k: manifest[k] for k in keep if k in manifest})
    return out / name


@pytest.fixture(scope="module")
def v2_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("v2")
    to_v2("nb111-ec4", root)
    to_v2("nbnlp11-wt2", root)
    to_v2("nb201", root, {"ImageNet16-120": 2000, "cifar10-valid": 2000, "cifar100": 2000})
    return root


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A small schema-2 nb201 copy whose datasets have different row counts."""
    return to_v2("nb201", tmp_path_factory.mktemp("small"), {"ImageNet16-120": 300, "cifar10-valid": 400,
                                                            "cifar100": 500})


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / folder.name))


def _expected_counts(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for shard in manifest_io.load(folder)["shards"]:
        counts[shard["partition"]["dataset"]] = counts.get(shard["partition"]["dataset"], 0) + shard["rows"]
    return counts


def _counts(table: pa.Table) -> dict[str, int]:
    values, counts = np.unique(np.asarray(table.column("dataset").to_pylist()), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


# ----- every reader opens the folder ---------------------------------------------------------------------


def test_pandas_and_pyarrow_read_every_row_with_its_dataset(small):
    import pandas as pd
    import pyarrow.dataset as ds

    expected = _expected_counts(small)
    assert pd.read_parquet(small / "data").groupby("dataset").size().to_dict() == expected
    assert _counts(pq.read_table(small / "data")) == expected
    assert _counts(ds.dataset(small / "data").to_table()) == expected


def test_duckdb_reads_every_row_with_its_dataset(small):
    import duckdb

    rows = duckdb.sql(f"SELECT dataset, count(*) FROM read_parquet('{small}/data/*.parquet') GROUP BY ALL").fetchall()
    assert dict(rows) == _expected_counts(small)


def test_polars_reads_every_row_with_its_dataset(small):
    polars = pytest.importorskip("polars", reason="polars is not installed")
    frame = polars.scan_parquet(str(small / "data/**/*.parquet")).group_by("dataset").len().collect()
    assert dict(zip(frame["dataset"].to_list(), frame["len"].to_list())) == _expected_counts(small)


def test_hugging_face_datasets_loads_the_default_config(small):
    datasets = pytest.importorskip("datasets", reason="the datasets library is not installed")
    loaded = datasets.load_dataset(str(small))
    assert list(loaded) == ["train"]
    assert _counts(loaded["train"].data.table) == _expected_counts(small)
    one = datasets.load_dataset(str(small), "cifar10-valid")
    assert list(one) == ["train"] and set(one["train"]["dataset"]) == {"cifar10-valid"}


def test_no_file_name_holds_a_split_word(v2_root):
    words = ("train", "valid", "test", "eval", "dev")
    names = ["/".join(p.relative_to(v2_root).parts[1:]) for p in v2_root.rglob("*") if p.name != "README.md"]
    assert "data/part-00000-of-00003.parquet" in names and "index/arrays.bin" in names
    assert not [n for n in names if any(w in n for w in words)]


def test_the_card_shows_the_one_line_reads(small):
    card = (small / "README.md").read_text()
    assert "config_name: default" in card and "default: true" in card and "path: data/*.parquet" in card
    for read in ("pandas.read_parquet", "pyarrow.parquet.read_table", "polars.scan_parquet", "read_parquet(",
                 "datasets.load_dataset"):
        assert read in card


# ----- the stored index answers as the schema-1 reader ---------------------------------------------------


@pytest.mark.parametrize("name", ["nb111-ec4", "nbnlp11-wt2"])
def test_every_lookup_path_is_bit_identical_to_schema_1(v1_root, v2_root, name):
    old, new = _v1(v1_root, name), nbx11_data.open(name, root=v2_root, fallback=False)
    assert new.manifest["schema_version"] == 2 and old.manifest["schema_version"] == 1
    names = old.archs()
    rng = np.random.Generator(np.random.PCG64(5))
    pick = rng.choice(len(names), min(2000, len(names)), replace=False)
    strings = [names[i] for i in pick]
    ids = old.query(strings[:50], arrow=True).column("arch_id").to_pylist()
    assert new.archs() == names and new.archs(old.datasets[-1]) == old.archs(old.datasets[-1])
    assert {k: v for k, v in new.info().items() if k not in ("folder", "code_version")} == \
        {k: v for k, v in old.info().items() if k not in ("folder", "code_version")}
    seed = old.defaults.get("seed")
    for dataset in old.datasets:
        for metric in old.metrics:
            a = old.curves(strings, dataset=dataset, metric=metric, seed=seed)
            b, sources = new.curves(strings, dataset=dataset, metric=metric, seed=seed, with_source=True)
            assert a.tobytes() == b.tobytes()
            assert list(sources) == list(old.curves(strings, dataset=dataset, metric=metric, seed=seed,
                                                    with_source=True)[1])
        assert old.curve(ids[3], dataset=dataset).tobytes() == new.curve(ids[3], dataset=dataset).tobytes()
        assert old.curve(strings[7], dataset=dataset, with_source=True)[1] == \
            new.curve(strings[7], dataset=dataset, with_source=True)[1]
        for epoch in (None, 1):
            a, b = (bench.query(ids, dataset=dataset, epoch=epoch, arrow=True) for bench in (old, new))
            assert content_sha256(a.cast(b.schema)) == content_sha256(b)
        a, b = (bench.rows(strings[:40], dataset=dataset, seeds=[seed], arrow=True) for bench in (old, new))
        assert [repr(a.column(c).to_pylist()) for c in a.column_names] == \
            [repr(b.column(c).to_pylist()) for c in b.column_names]
    query = f"SELECT dataset, budget, seed, count(*), sum({old.metrics[0]}) FROM final GROUP BY ALL ORDER BY ALL"
    assert old.sql(query).fetchall() == new.sql(query).fetchall()
    assert old.sql("SELECT * FROM curves LIMIT 0").columns == new.sql("SELECT * FROM curves LIMIT 0").columns


def test_nb201_int_batches_and_seeds_match(v1_root, v2_root):
    old, new = _v1(v1_root, "nb201"), nbx11_data.open("nb201", root=v2_root)
    index, rng = new._ensure_index(), np.random.Generator(np.random.PCG64(1))
    for budget, seed in ((200, 777), (200, 888), (12, 111)):
        have = np.flatnonzero(index.rows_of("cifar100", budget, seed) >= 0)  # the copy holds the first rows only
        indices = [nb201.arch_index(a) for a in index.names(rng.choice(have, 3000))]
        a = old.curves(indices, dataset="cifar100", metric="valid_acc", seed=seed, budget=budget)
        assert a.tobytes() == new.curves(indices, dataset="cifar100", metric="valid_acc", seed=seed,
                                         budget=budget).tobytes()
        assert list(new.curves(indices[:9], dataset="cifar100", seed=seed, budget=budget, with_source=True)[1]) == \
            ["measured"] * 9


def test_opening_and_the_first_lookup_read_no_identity_column(v2_root, monkeypatch):
    def refuse(self, shard, columns):
        raise AssertionError(f"read {columns} of {shard['path']}")

    monkeypatch.setattr(ColumnStore, "read", refuse)
    bench = nbx11_data.open("nb201", root=v2_root)
    arch = nb201.format(123)
    assert bench.curve(arch, dataset="cifar100", seed=777).shape == (200,)
    assert bench.curve(123, dataset="cifar100", seed=777).tobytes() == bench.curve(arch, dataset="cifar100",
                                                                                 seed=777).tobytes()
    assert bench.store._whole == {}  # one row group decoded, not the column


def test_a_schema_1_table_warns_once_with_the_rebuild_command(v1_root):
    with pytest.warns(UserWarning, match="schema-1 table.*nbx11 build nb201"):
        nbx11_data.open("nb201", root=v1_root)


def test_the_committed_tables_are_schema_2_with_a_stored_index():
    for name in ("nb201", "nbnlp11-wt2", "nb311-yahpo", "nb111-ec4"):
        manifest = manifest_io.load(REPO / "tables" / name)
        assert manifest["schema_version"] == 2 and manifest["index"]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no hint to rebuild
            nbx11_data.open(name, root=REPO / "tables")


# ----- corruption is caught on read ----------------------------------------------------------------------


def _swap(folder: Path, a: str, b: str) -> tuple[Path, Path]:
    shards = {s["partition"]["dataset"]: folder / s["path"] for s in manifest_io.load(folder)["shards"]}
    first, second = shards[a], shards[b]
    data = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(data)
    return first, second


@pytest.mark.parametrize("same_rows", [True, False])
def test_swapped_shards_are_named_on_read(v2_root, small, tmp_path, same_rows):
    folder = _copy(v2_root / "nb201" if same_rows else small, tmp_path)  # 2,000 rows each, or 300 and 500
    first, _ = _swap(folder, "cifar100", "ImageNet16-120")
    bench = nbx11_data.open(str(folder))
    with pytest.raises(CorruptFileError, match=f"{first.name}: (the shard holds dataset 'ImageNet16-120'|300 rows)"):
        bench.curve(bench.archs("cifar100")[0], dataset="cifar100", seed=777)
    with pytest.raises(CorruptFileError, match="part-"):
        bench.sql("SELECT count(*) FROM final").fetchall()
    with pytest.raises(CorruptFileError, match="part-"):
        manifest_io.verify(folder)


def _flip_inside(path: Path, column: str) -> None:
    """Flip one byte inside the first data page of ``column`` in row group 0."""
    meta = pq.ParquetFile(path).metadata
    chunk = meta.row_group(0).column(meta.schema.to_arrow_schema().get_field_index(column))
    at = chunk.data_page_offset + chunk.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[at] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_flipped_byte_is_caught_on_every_read_path(v2_root, tmp_path):
    folder = _copy(v2_root / "nb201", tmp_path)
    shard = next(s for s in manifest_io.load(folder)["shards"] if s["partition"]["dataset"] == "cifar100")
    _flip_inside(folder / shard["path"], "valid_accuracy")
    _flip_inside(folder / shard["path"], "valid_accuracy_final")
    bench = nbx11_data.open(str(folder))
    first = pq.ParquetFile(folder / shard["path"]).read_row_group(0, ["arch_index"]).column(0).to_pylist()
    calls = [lambda: bench.curve(first[0], dataset="cifar100", metric="valid_accuracy", seed=777),
             lambda: bench.curves(list(range(50)), dataset="cifar100", metric="valid_accuracy", seed=777),
             lambda: bench.query([first[0]], dataset="cifar100", seed=777),
             lambda: bench.sql("SELECT avg(valid_accuracy) FROM final").fetchall(),
             lambda: bench.sql("SELECT 1", sandbox=True).fetchall(),
             lambda: manifest_io.verify(folder)]
    for call in calls:
        with pytest.raises(CorruptFileError, match=Path(shard["path"]).name):
            call()


def test_a_damaged_index_is_refused(v2_root, tmp_path):
    folder = _copy(v2_root / "nb201", tmp_path)
    index = folder / "index" / "arrays.bin"
    index.write_bytes(index.read_bytes()[:-64])
    with pytest.raises(CorruptFileError, match="arrays.bin.*bytes"):
        nbx11_data.open(str(folder)).curve(3, dataset="cifar100")
    with pytest.raises(CorruptFileError, match="arrays.bin"):
        manifest_io.verify(folder)


def _edit_manifest(folder: Path, edit) -> None:
    path = folder / manifest_io.FILENAME
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("case", ["no columns", "no datasets", "shard entry removed", "partition renamed",
                                  "partition unknown", "index unlisted"])
def test_verify_fails_on_any_structural_deviation(small, tmp_path, case):
    folder = _copy(small, tmp_path)
    edits = {
        "no columns": lambda m: m.pop("columns"),
        "no datasets": lambda m: m.pop("datasets"),
        "shard entry removed": lambda m: m["shards"].pop(1),
        "partition renamed": lambda m: m["shards"][0]["partition"].update(dataset="cifar100"),
        "partition unknown": lambda m: m["shards"][0]["partition"].update(dataset="cifar1000"),
        "index unlisted": lambda m: m.update(files=m["files"][:1]),
    }
    _edit_manifest(folder, edits[case])
    with pytest.raises(CorruptFileError):
        manifest_io.verify(folder)
    assert main(["verify", str(folder)]) != 0


def test_verify_content_recomputes_the_index(small, tmp_path, capsys):
    assert main(["verify", str(small), "--content"]) == 0
    assert "OK" in capsys.readouterr().out


def test_each_shard_carries_its_dataset_in_the_footer(small):
    for shard in manifest_io.load(small)["shards"]:
        meta = pq.ParquetFile(small / shard["path"]).schema_arrow.metadata
        assert json.loads(meta[SHARD_KEY])["dataset"] == shard["partition"]["dataset"]


# ----- nothing from a manifest becomes SQL text ----------------------------------------------------------


@pytest.mark.parametrize("where", ["column", "dataset"])
def test_a_crafted_name_is_refused_before_any_sql(small, tmp_path, where):
    folder = _copy(small, tmp_path)
    target = tmp_path / "pwned.csv"
    payload = f"x FROM curves; COPY (SELECT 1) TO '{target}'; SELECT 1 AS y"

    def craft(manifest):
        if where == "column":
            manifest["columns"][-1]["name"] = payload
            manifest["schema"][-1]["name"] = payload
        else:
            manifest["datasets"][0] = payload

    _edit_manifest(folder, craft)
    with pytest.raises(CorruptFileError, match="not allowed"):
        nbx11_data.open(str(folder)).sql("SELECT 1").fetchall()
    with pytest.raises(CorruptFileError, match="not allowed"):
        manifest_io.verify(folder)
    assert not target.exists()


# ----- sandboxed SQL -------------------------------------------------------------------------------------


def test_sandboxed_sql_sees_the_views_and_nothing_else(small, tmp_path):
    import duckdb

    bench = nbx11_data.open(str(small))
    bench.register("picked", [0, 1, 2], seeds=[777])
    assert bench.sql("SELECT count(*) FROM final", sandbox=True).fetchall() == [(1200,)]
    assert bench.sql("SELECT count(*) FROM picked", sandbox=True).fetchall() == [(3,)]
    shard = small / manifest_io.load(small)["shards"][0]["path"]
    for query in ["SELECT * FROM read_csv('/etc/passwd')", f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
                  f"COPY (SELECT 1) TO '{shard}'", f"ATTACH '{tmp_path / 'x.db'}' AS other",
                  "SET enable_external_access = true", "INSTALL httpfs"]:
        with pytest.raises(duckdb.Error):
            bench.sql(query, sandbox=True).fetchall()
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.db").exists()
    assert bench.sql("SELECT count(*) FROM curves_long WHERE arch_index = 0 AND seed = 777", sandbox=True).fetchall()
    manifest_io.verify(small)  # the shard is untouched


def test_cli_sql_sandbox(small, capsys):
    assert main(["sql", str(small), "--sandbox", "SELECT * FROM read_csv('/etc/passwd')"]) == 2
    assert main(["sql", str(small), "--sandbox", "SELECT count(*) AS n FROM final", "--format", "csv"]) == 0
    assert "1200" in capsys.readouterr().out


def test_curves_long_shows_no_internal_column(small):
    columns = nbx11_data.open(str(small)).sql("SELECT * FROM curves_long LIMIT 0").columns
    assert not [c for c in columns if c.startswith("_") or c == "last_epoch"] and "epoch" in columns
