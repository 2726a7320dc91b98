"""nb311-yahpo-v4: YAHPO's NB301 network run in numpy from the checkpoint, against onnxruntime and its floors.

The network read from the ONNX file here equals the committed arrays; the numpy arithmetic matches
onnxruntime on tens of thousands of (cell, epoch) rows; a row's curve does not depend on its batch,
thread count or BLAS kernel; ``elapsed_time`` is the running sum of ``epoch_time``; the lookup path imports neither
onnxruntime nor lightgbm; names, tampering and bad input get the package's errors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nbx11_data import load_ensemble
from nbx11_data.errors import CorruptFileError, UnknownNameError
from nbx11_data.spaces import darts
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.surrogate.yahpo_net import ExactProduct, YahpoNet, exp, row_blocks

REPO = Path(__file__).resolve().parent.parent
TEACHER = REPO / "checkpoints" / "nb311-yahpo-v4"


@pytest.fixture(scope="module")
def teacher():
    return load_ensemble(TEACHER)


def _teacher_folder(shared_data) -> Path:
    return Path(shared_data) / "yahpo-nb301"


@pytest.mark.shared
def test_network_read_from_onnx_is_the_committed_one(shared_data, teacher):
    from nbx11_data.builder.sources import yahpo

    arrays, meta = yahpo.network(_teacher_folder(shared_data))
    committed = ck_format.read(TEACHER)
    assert meta["weights"] == 687_394 and meta["blocks"] == 5
    assert meta["output_steps"] == teacher.meta["network"]["output_steps"]
    for name, array in arrays.items():
        np.testing.assert_array_equal(array, committed.arrays[name], err_msg=name)


@pytest.mark.shared
@pytest.mark.slow
def test_numpy_network_matches_onnxruntime(shared_data, teacher):
    pytest.importorskip("onnxruntime")
    from nbx11_data.builder.sources import yahpo

    cells = darts.sample(400, seed=77)
    x_cat = darts.encode_yahpo(cells)
    reference = yahpo.Teacher(_teacher_folder(shared_data), threads=1).raw(x_cat)  # (400, 98, 4): 39,200 rows
    ours = teacher.net.outputs(x_cat, np.arange(1, 99))
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=2e-5, atol=1e-6)
    # the lookup: exact network values at the evaluated epochs, in the table's units
    mean = teacher.predict_batch(cells)
    at = teacher.evaluated - 1
    np.testing.assert_allclose(mean["valid_accuracy"][:, at], 100 * reference[:, at, 0], rtol=2e-5)
    np.testing.assert_allclose(mean["valid_loss"][:, at], reference[:, at, 1], rtol=2e-5)
    filled = np.abs(mean["epoch_time"] / reference[:, :, 3] - 1)  # filled-in epochs too: close, not exact
    assert filled.max() < 1e-2 and np.median(filled) < 1e-3
    np.testing.assert_allclose(mean["elapsed_time"], np.cumsum(reference[:, :, 3], axis=1), rtol=1e-3)


def test_floors_on_fresh_cells():
    metrics = json.loads((TEACHER / "metrics.json").read_text())
    meta = json.loads((TEACHER / "checkpoint.json").read_text())
    assert "darts.sample seed 1, none among the fit cells" in meta["fidelity_about"]
    for m in ("valid_accuracy", "valid_loss"):
        fresh = metrics["heldout"][m]
        assert fresh["n"] == 2000
        assert fresh["avg_kendall_tau"] >= 0.97 and fresh["final_r2"] >= 0.97
        assert len(fresh["per_epoch"]["kendall_tau"]) == 98 and min(fresh["per_epoch"]["kendall_tau"]) > 0.9
    agreement = metrics["onnxruntime_agreement"]
    assert agreement["rows"] == 2000 * 98 and max(agreement["max_rel_difference"].values()) < 1e-5


def test_card_labels_a_surrogate_of_a_surrogate_with_noise_beside_spread():
    report = (TEACHER / "REPORT.md").read_text()
    assert "surrogate of a surrogate" in report and "Apache-2.0" in report and "YAHPO Gym" in report
    card = json.loads((TEACHER / "checkpoint.json").read_text())["noise_card"]
    assert set(card["valid_accuracy"]) == {"1", "25", "49", "98"}
    assert all(v["seed_noise_sd"] > 0 and v["between_cells_sd"] > 0 for v in card["valid_accuracy"].values())


def test_row_does_not_depend_on_batch_or_threads(teacher):
    cells = darts.sample(40, seed=3)
    x_cat = darts.encode_yahpo(cells)
    whole = teacher.predict_batch(cells, seeds=list(range(40)))
    alone = teacher.predict_batch(cells[17:18], seeds=[17])
    for m in teacher.metrics:
        assert np.array_equal(whole[m][17], alone[m][0]), m
    rows = np.random.Generator(np.random.PCG64(0)).normal(size=(1500, 128)).astype(np.float32)
    product = ExactProduct(teacher.net.blocks[0][0])
    one = row_blocks(rows, product, workers=1)
    assert np.array_equal(one, row_blocks(rows, product, workers=2))
    assert np.array_equal(one, row_blocks(rows, product, rows=7))
    assert np.array_equal(one[5:6], row_blocks(rows[5:6], product))
    assert np.array_equal(one[::-1], product(rows[::-1]))
    np.testing.assert_allclose(one, rows.astype(np.float64) @ teacher.net.blocks[0][0], rtol=1e-5, atol=1e-5)
    assert teacher.net.outputs(x_cat[:0], teacher.evaluated).shape == (0, len(teacher.evaluated), 4)


def _openblas_kernels_selectable() -> bool:
    import platform

    config = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return platform.machine() in ("x86_64", "AMD64") and "openblas" in str(config.get("name", "")).lower()


@pytest.mark.skipif(not _openblas_kernels_selectable(), reason="needs numpy on OpenBLAS on x86-64 to pick kernels")
def test_curves_have_the_same_bits_under_every_blas_kernel():
    code = ("import hashlib, numpy as np; from nbx11_data import load_ensemble; from nbx11_data.spaces import darts;"
            f" m = load_ensemble({str(TEACHER)!r}); out = m.predict_batch(darts.sample(60, seed=8), seeds=list(range(60)));"
            " print(hashlib.sha256(b''.join(np.ascontiguousarray(out[k]).tobytes() for k in sorted(out))).hexdigest())")
    digests = {}
    for kernel in ("Nehalem", "Sandybridge", "Haswell"):  # SSE4, AVX and AVX2 kernels: every x86-64 CPU runs them
        env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
        digests[kernel] = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                         check=True).stdout.strip()
    assert len(set(digests.values())) == 1, digests


def test_exp_is_close_to_numpy_and_made_of_exact_operations():
    x = np.random.Generator(np.random.PCG64(1)).normal(scale=30, size=100_000)
    np.testing.assert_allclose(exp(x), np.exp(x), rtol=4e-16)
    assert exp(np.array([0.0]))[0] == 1.0 and 0 <= exp(np.array([-1000.0]))[0] < 1e-300  # clipped, no overflow


def test_times_never_decrease_and_add_up(teacher):
    curves = teacher.predict_batch(darts.sample(200, seed=4), seeds=list(range(200)))
    assert (np.diff(curves["elapsed_time"], axis=1) >= 0).all() and (curves["epoch_time"] > 0).all()
    np.testing.assert_allclose(curves["elapsed_time"], np.cumsum(curves["epoch_time"].astype(np.float64), axis=1),
                               rtol=1e-6)
    mean = teacher.predict_batch(darts.sample(200, seed=4))
    assert np.array_equal(mean["elapsed_time"], curves["elapsed_time"])  # times carry no seed noise
    assert not np.array_equal(mean["valid_accuracy"], curves["valid_accuracy"])
    assert (curves["valid_accuracy"] >= 0).all() and (curves["valid_accuracy"] <= 100).all()


def test_lookup_imports_neither_onnxruntime_nor_lightgbm():
    code = ("import sys; from nbx11_data import load_ensemble; from nbx11_data.spaces import darts; "
            "m = load_ensemble('nb311-yahpo'); m.predict_batch(darts.sample(3, seed=0), seeds=1); "
            "print(m.checkpoint_id, 'onnxruntime' in sys.modules, 'lightgbm' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["nb311-yahpo-v4", "False", "False", "False"]


def test_names_resolve_and_unknown_ones_list_what_exists():
    assert load_ensemble("nb311-yahpo").checkpoint_id == "nb311-yahpo-v4"
    assert load_ensemble("nb311-yahpo-x11-v2").checkpoint_id == "nb311-yahpo-x11-v2"
    with pytest.raises(UnknownNameError, match="nb311-yahpo-v4"):
        load_ensemble("nb311-nonesuch")


def test_edited_metadata_is_refused(tmp_path):
    folder = tmp_path / "nb311-yahpo-v4"
    shutil.copytree(TEACHER, folder)
    meta = json.loads((folder / "checkpoint.json").read_text())
    meta["network"]["evaluated_epochs"][0] = 2
    (folder / "checkpoint.json").write_text(json.dumps(meta))
    with pytest.raises(CorruptFileError, match="meta_sha256"):
        load_ensemble(folder)


def test_bad_requests_get_package_errors(teacher):
    cells = darts.sample(2, seed=0)
    with pytest.raises(UnknownNameError, match="gaussian, kde"):
        teacher.predict_batch(cells, seeds=0, noise="window")
    with pytest.raises(UnknownNameError, match="valid_accuracy"):
        teacher.predict_batch(cells, metrics=["test_accuracy"])
    for not_a_list in (5, "valid_accuracy"):
        with pytest.raises(UnknownNameError, match="a list of names"):
            teacher.predict_batch(cells, metrics=not_a_list)


def test_old_metric_names_work_as_in_x11(teacher):
    cells = darts.sample(2, seed=0)
    old = teacher.predict_batch(cells, seeds=[1, 2], metrics=["val_accuracy", "runtime"])
    new = teacher.predict_batch(cells, seeds=[1, 2], metrics=["valid_accuracy", "elapsed_time"])
    assert sorted(old) == ["runtime", "val_accuracy"]
    assert np.array_equal(old["val_accuracy"], new["valid_accuracy"])
    assert np.array_equal(old["runtime"], new["elapsed_time"])
    one = teacher.predict(config=cells[0], representation="genotype", metric="val_accuracy", seed=1)
    assert np.array_equal(one, new["valid_accuracy"][0])
    with pytest.raises(Exception) as err:
        teacher.predict_batch(cells, first_epochs=np.zeros((2, 3)))
    assert "first_epochs" in str(err.value)


def test_onnx_reader_refuses_a_non_onnx_file(tmp_path):
    from nbx11_data.builder.sources import onnx_graph

    bad = tmp_path / "model_v2.onnx"
    bad.write_bytes(b"\x08\x07not a model")
    with pytest.raises(CorruptFileError, match="ONNX"):
        onnx_graph.read(bad)


def test_network_from_arrays_round_trips(teacher):
    again = YahpoNet.from_arrays(ck_format.read(TEACHER).arrays, teacher.meta["network"])
    x_cat = darts.encode_yahpo(darts.sample(5, seed=8))
    assert np.array_equal(again.outputs(x_cat, [1, 50, 98]), teacher.net.outputs(x_cat, [1, 50, 98]))


def test_committed_cumulative_times_never_decrease():
    import nbx11_data
    from nbx11_data.readers.paths import available

    checked = []
    for name in available():
        bench = nbx11_data.open(name, fallback=False)
        for metric in bench.metrics:
            column = bench.columns[metric]
            if column.get("unit") != "s" or "cumulative" not in (column.get("description") or "").lower():
                continue
            steps = f"list_transform(range(1, len({metric})), lambda i: {metric}[i + 1] - {metric}[i])"
            rows, falling = bench.sql(f"SELECT count(*), count_if(len(list_filter({steps}, lambda d: d < 0)) > 0)"
                                      " FROM curves").fetchall()[0]
            assert rows > 0 and falling == 0, f"{name}.{metric} decreases within {falling} of {rows} rows"
            checked.append(f"{name}.{metric}")
    assert "nb311-yahpo.elapsed_time" in checked
