"""Schema, content hash, shard writer determinism, and manifest verification (corruption is named)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pyarrow as pa
import pytest

from nbx11_data import manifest
from nbx11_data.builder.shards import Card, code_version, write_benchmark
from nbx11_data.errors import CorruptFileError
from nbx11_data.io import json_text
from nbx11_data.table_format import Column, build_schema, content_sha256, schema_info
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CARD = Card(pretty_name="Toy", license="mit", summary="toy", how_made="test", limits="none", citation="")


def _toy(n=50, epochs=4):
    schema = build_schema([Column("valid_acc", "curve", "%", "max", "acc")], [Column("params", "cost", "M", "min", "p")],
                          epochs, {"benchmark": "toy"})
    curves = np.arange(n * epochs, dtype=np.float32).reshape(n, epochs)
    curves[::3, 2:] = np.nan
    rows = pa.table({"arch_id": [f"{i:032x}" for i in range(n)], "arch": [str(i) for i in range(n)],
                     "arch_index": list(range(n)), "seed": [None if i % 2 else 1 for i in range(n)],
                     "budget": [epochs] * n, "source": ["measured"] * n,
                     "valid_acc": pa.FixedSizeListArray.from_arrays(pa.array(curves.ravel()), epochs),
                     "params": [float(i) for i in range(n)]})
    return schema, rows


def test_schema_metadata_and_finals(tmp_path):
    schema, rows = _toy()
    info = schema_info(schema)
    assert info["schema_version"] == 2 and info["epochs"] == 4
    assert schema.field("valid_acc").metadata[b"unit"] == b"%"
    write_benchmark(tmp_path, {"a": rows}, name="toy", space="nb201", schema=schema, provenance=[], card=CARD)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "data/part-00000-of-00001.parquet")
    assert table.column("valid_acc_final").to_pylist()[:2] == [1.0, 7.0]  # row 0: NaN after epoch 2
    assert table.column("dataset").unique().to_pylist() == ["a"]


def test_content_hash_ignores_chunking_but_not_values():
    _, rows = _toy()
    assert content_sha256(rows) == content_sha256(pa.concat_tables([rows.slice(0, 7), rows.slice(7)]))
    changed = rows.set_column(7, "params", pa.array([0.5] + [float(i) for i in range(1, 50)]))
    assert content_sha256(changed) != content_sha256(rows)


def test_writer_is_deterministic_and_splits_shards(tmp_path):
    schema, rows = _toy(n=3000, epochs=50)
    first = write_benchmark(tmp_path / "a", {"x": rows}, name="toy", space="nb201", schema=schema, provenance=[],
                            card=CARD, max_shard_bytes=60_000)
    second = write_benchmark(tmp_path / "b", {"x": rows}, name="toy", space="nb201", schema=schema, provenance=[],
                             card=CARD, max_shard_bytes=60_000)
    assert len(first["shards"]) > 1 and first["shards"] == second["shards"]
    assert all(s["bytes"] <= 60_000 for s in first["shards"])
    assert first["shards"][0]["path"].endswith(f"part-00000-of-{len(first['shards']):05d}.parquet")
    assert sum(s["rows"] for s in first["shards"]) == 3000
    assert "configs:" in (tmp_path / "a" / "README.md").read_text()


def test_verify_names_corrupt_and_missing_shards(tmp_path):
    copy = tmp_path / "nb201"
    shutil.copytree(REPO / "tables" / "nb201", copy)
    manifest.verify(copy)
    shard = copy / manifest.load(copy)["shards"][1]["path"]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=shard.name):
        manifest.verify(copy)
    shard.unlink()
    with pytest.raises(CorruptFileError, match="missing"):
        manifest.verify(copy)
    (copy / "manifest.json").write_text("{")
    with pytest.raises(CorruptFileError, match="manifest.json"):
        manifest.load(copy)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


@pytest.mark.parametrize("path", sorted(str(p.relative_to(REPO)) for folder in ("tables", "checkpoints")
                                        for p in (REPO / folder).rglob("*.json")))
def test_committed_json_is_strict_json(path):
    """Browsers, jq and most JSON libraries reject Python's NaN/Infinity literals."""
    json.loads((REPO / path).read_text(encoding="utf-8"), parse_constant=_reject_constant)


def test_json_text_writes_non_finite_floats_as_null():
    value = {"rate": float("nan"), "nested": [1.5, float("inf"), (float("-inf"), "x")], "n": 3}
    text = json_text(value, sort_keys=True)
    assert json.loads(text, parse_constant=_reject_constant) == {"n": 3, "nested": [1.5, None, [None, "x"]],
                                                                "rate": None}


def test_code_version_flags_changed_code_but_not_rebuilt_tables(tmp_path):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "tables" / "toy").mkdir(parents=True)
    (tmp_path / "tables" / "toy" / "manifest.json").write_text("{}")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "c")
    clean = code_version(tmp_path)
    assert "(git " in clean and "+changes" not in clean
    (tmp_path / "tables" / "toy" / "manifest.json").unlink()  # what a rebuild in place does first
    assert code_version(tmp_path) == clean
    (tmp_path / "code.py").write_text("x = 2\n")
    assert code_version(tmp_path) == clean[:-1] + "+changes)"
