"""What a daily user of the CLI sees: the version, one output flag, CSV a spreadsheet reads, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

import nbx11_data
from nbx11_data.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_version_is_the_one_in_pyproject(capsys):
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.split() == ["nbx11", version]
    assert nbx11_data.__version__ == version


def test_sql_csv_writes_curves_as_json_arrays_and_seeds_as_integers(capsys):
    query = "SELECT arch_index, seed, budget, train_accuracy FROM curves WHERE arch_index = 11" \
            " ORDER BY dataset, budget, seed NULLS FIRST"
    assert main(["sql", "nb201", query, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    bench = nbx11_data.open("nb201")
    expected = bench.sql(query).fetchall()
    assert len(rows) == len(expected) and any(seed is None for _, seed, _, _ in expected)
    for row, (_, seed, budget, curve) in zip(rows, expected):
        assert row["seed"] == ("" if seed is None else str(seed))  # 777, not 777.0
        values = json.loads(row["train_accuracy"])  # one JSON array per cell, NaN as null
        assert len(values) == len(curve) and "\n" not in row["train_accuracy"]
        got = np.array([np.nan if v is None else v for v in values], dtype=np.float32)
        np.testing.assert_array_equal(got, np.array(curve, dtype=np.float32))  # float32 round trip is exact


def test_query_curve_csv_matches_the_reader(tmp_path):
    out = tmp_path / "curves.csv"
    assert main(["query", "nb201", "11", "--curve", "--metric", "train_acc", "--seed", "777", "--budget", "200",
                 "--dataset", "cifar100", "--format", "csv", "--out", str(out)]) == 0
    (row,) = list(csv.DictReader(out.open()))
    expected = nbx11_data.open("nb201").curve(11, dataset="cifar100", metric="train_acc", seed=777, budget=200)
    np.testing.assert_array_equal(np.array(json.loads(row["curve"]), dtype=np.float32), expected)


def test_output_has_one_spelling_and_the_old_one_still_works(tmp_path, capsys):
    for flag in ("--out", "-o", "--output"):
        target = tmp_path / f"{flag.strip('-')}.csv"
        assert main(["sql", "nb201", "SELECT 1 AS one", "--format", "csv", flag, str(target)]) == 0
        assert target.read_text() == "one\n1\n"
    with pytest.raises(SystemExit):
        main(["sql", "--help"])
    help_text = capsys.readouterr().out
    assert "--out" in help_text and "--output" not in help_text


def test_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:  # argparse refuses the value before the command runs
        main(["arch", "nb101", "--file", str(tmp_path / "graphs.txt")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    error_lines = [line for line in err.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and "graphs.txt" in error_lines[0] and "does not exist" in error_lines[0]
    assert "Traceback" not in err


def test_run_reports_progress_on_stderr_and_names_the_budget_flag(tmp_path, capsys):
    assert main(["run", "rs", "--benchmark", "nb201", "--trials", "2", "--out", str(tmp_path)]) == 2
    assert "--budget SECONDS" in capsys.readouterr().err
    assert main(["run", "rs", "--benchmark", "nb201", "--budget", "3e5", "--trials", "3", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    progress = [line for line in captured.err.splitlines() if line.startswith("rs: ")]
    assert [line.split()[1] for line in progress] == ["1/3", "2/3", "3/3"]
    assert all("s elapsed, about" in line and "s left" in line for line in progress)
    assert "trials run" in captured.out and "1/3" not in captured.out
