"""One lookup rule for tables and checkpoints: argument, environment variable, user data, download cache, shipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import nbx11_data
from nbx11_data import locations
from nbx11_data.cli import main
from nbx11_data.errors import UnknownNameError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Empty user data and cache folders, no NBX11_* variable."""
    for var in (locations.TABLES_ENV, locations.CHECKPOINTS_ENV, locations.CACHE_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _copy_table(name: str, root: Path) -> Path:
    shutil.copytree(REPO / "tables" / name, root / name)
    return root / name


def test_the_roots_come_in_the_documented_order(homes, monkeypatch):
    monkeypatch.setenv(locations.TABLES_ENV, str(homes / "env"))
    assert locations.table_roots() == [homes / "env", homes / "data" / "nbx11-data" / "tables",
                                       homes / "cache" / "nbx11-data", REPO / "tables"]
    assert locations.checkpoint_roots() == [homes / "data" / "nbx11-data" / "checkpoints", REPO / "checkpoints"]
    assert locations.table_roots(homes / "only") == [homes / "only"]
    monkeypatch.setenv(locations.CACHE_ENV, str(homes / "mycache"))
    assert locations.table_roots()[2] == homes / "mycache"


def test_the_first_root_holding_a_table_wins(homes, monkeypatch):
    assert nbx11_data.open("nb201").folder == REPO / "tables" / "nb201"  # shipped
    cached = _copy_table("nb201", homes / "cache" / "nbx11-data")
    assert nbx11_data.open("nb201").folder == cached  # the download cache comes before the shipped data
    mine = _copy_table("nb201", homes / "data" / "nbx11-data" / "tables")
    assert nbx11_data.open("nb201").folder == mine  # user data before the cache
    monkeypatch.setenv(locations.TABLES_ENV, str(homes / "env"))
    env = _copy_table("nb201", homes / "env")
    assert nbx11_data.open("nb201").folder == env
    assert nbx11_data.open("nb201", root=REPO / "tables").folder == REPO / "tables" / "nb201"
    with pytest.raises(UnknownNameError, match="nb201"):
        nbx11_data.open("nb201", root=homes / "nothing")


def test_a_checkpoint_name_without_version_finds_the_newest(homes, monkeypatch):
    root = homes / "ck"
    for version in ("v2", "v10", "x11-v99"):
        folder = root / f"nb311-yahpo-{version}"
        folder.mkdir(parents=True)
        (folder / "checkpoint.json").write_text(json.dumps({"version": version}))
    monkeypatch.setenv(locations.CHECKPOINTS_ENV, str(root))
    assert locations.find_checkpoint("nb311-yahpo") == root / "nb311-yahpo-v10"  # v10 > v2; x11-v99 is another name
    assert locations.find_checkpoint("nb311-yahpo-x11") == root / "nb311-yahpo-x11-v99"
    assert locations.find_checkpoint("nb311-yahpo-v2") == root / "nb311-yahpo-v2"
    assert locations.find_checkpoint(REPO / "checkpoints" / "nb111-ec4-v1") == REPO / "checkpoints" / "nb111-ec4-v1"
    assert locations.find_checkpoint("nbnlp11-wt2-lc3").parent == REPO / "checkpoints"  # later roots still searched
    with pytest.raises(UnknownNameError, match=r"unknown checkpoint .*'nope'; allowed: .*nb311-yahpo-v10"):
        locations.find_checkpoint("nope")


def test_new_tables_and_checkpoints_go_to_the_env_folder_or_the_checkout(homes, monkeypatch):
    assert locations.write_root("tables") == REPO / "tables"
    assert locations.write_root("checkpoints") == REPO / "checkpoints"
    monkeypatch.setenv(locations.CHECKPOINTS_ENV, str(homes / "ck"))
    assert locations.write_root("checkpoints") == homes / "ck"
    with pytest.raises(UnknownNameError, match="data kind"):
        locations.roots("models")


def test_nbx11_list_names_each_table_once_with_its_folder(homes, capsys):
    _copy_table("nb201", homes / "cache" / "nbx11-data")
    assert main(["list"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [fields[0] for fields in lines] == sorted(p.name for p in (REPO / "tables").iterdir() if p.is_dir())
    assert dict((f[0], f[-1]) for f in lines)["nb201"] == str(homes / "cache" / "nbx11-data" / "nb201")
