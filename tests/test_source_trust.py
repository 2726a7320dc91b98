"""Build-time sources are checked against their expected sha256 before anything unpickles them."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from nbx11_data import cli
from nbx11_data.builder.sources import nats_tss, nb201_finals, trust
from nbx11_data.builder.tables import nb201 as nb201_table
from nbx11_data.errors import CorruptFileError


class _Payload:
    """Unpickling this writes ``marker``: what a crafted source file could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "the payload ran"))


def _sources(shared_data: Path, tmp_path: Path, marker: Path) -> Path:
    """A --source folder like ../shared/data whose nb201-finals/cifar10.pkl is a crafted pickle."""
    source = tmp_path / "source"
    (source / "nb201-finals").mkdir(parents=True)
    for name in nb201_finals.DATASETS.values():
        (source / "nb201-finals" / name).symlink_to(shared_data / "nb201-finals" / name)
    (source / "nb201-finals" / "cifar10.pkl").unlink()
    (source / "nb201-finals" / "cifar10.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    for folder in ("mini-nb201", "nats-tss-fixture"):
        (source / folder).symlink_to(shared_data / folder)
    return source


def test_the_shared_sources_have_the_expected_hashes(shared_data):
    for name in nb201_finals.DATASETS.values():
        assert trust.check(shared_data / "nb201-finals" / name, "nb201-finals") is None
    for path in nats_tss.archive_files(shared_data / "nats-tss-fixture"):
        assert trust.check(path, "nats-tss-simple") is None


def test_a_crafted_pickle_is_refused_before_unpickling(shared_data, tmp_path):
    marker = tmp_path / "pwned.txt"
    source = _sources(shared_data, tmp_path, marker)
    with pytest.raises(CorruptFileError, match="refused before unpickling"):
        nb201_finals.load(source / "nb201-finals", "cifar10-valid")
    assert not marker.exists()


def test_nbx11_build_refuses_it_and_writes_nothing(shared_data, tmp_path, capsys):
    marker = tmp_path / "pwned.txt"
    source = _sources(shared_data, tmp_path, marker)
    out = tmp_path / "out"
    assert cli.main(["build", "nb201", "--source", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "cifar10.pkl" in err and "--trust-source" in err and len(err.strip().splitlines()) == 1
    assert not marker.exists() and not out.exists()


def test_trust_source_unpickles_says_so_and_is_recorded(shared_data, tmp_path, capsys):
    marker = tmp_path / "pwned.txt"
    source = _sources(shared_data, tmp_path, marker)
    with pytest.raises(CorruptFileError):  # the payload is no finals table: the loader rejects what it got
        nb201_finals.load(source / "nb201-finals", "cifar10-valid", trust=True)
    assert marker.read_text() == "the payload ran"  # the test pickle is a real threat
    assert "--trust-source: unpickling" in capsys.readouterr().err
    provenance = nb201_table._provenance(source / "nb201-finals", source / "mini-nb201", source / "nats-tss-fixture")
    assert provenance[0]["trusted_unverified"] == ["cifar10.pkl"]
    assert all("trusted_unverified" not in entry for entry in provenance[1:])


def test_an_unknown_pickle_needs_trust(tmp_path):
    path = tmp_path / "nb_nlp.pickle"
    path.write_bytes(pickle.dumps({}))
    with pytest.raises(CorruptFileError, match="not a known nb-nlp-pickle file"):
        trust.check(path, "nb-nlp-pickle")
    assert trust.check(path, "nb-nlp-pickle", trust=True)["sha256"]
