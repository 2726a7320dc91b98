"""The teaching notebook runs top to bottom without an error (executed with nbclient, this venv's kernel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "examples" / "teaching.ipynb"


def test_teaching_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    outputs = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in outputs)
    assert any(o.get("data", {}).get("image/png") for cell in outputs for o in cell.outputs)  # the plot
    text = "".join(o.get("text", "") for cell in outputs for o in cell.outputs)
    cifar100 = next(s["path"] for s in json.loads((REPO / "tables/nb201/manifest.json").read_text())["shards"]
                    if s["partition"]["dataset"] == "cifar100")
    assert cifar100 in text  # the partial download fetched the cifar100 shard
