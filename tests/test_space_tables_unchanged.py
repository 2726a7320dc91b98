"""The parsers' rewrites keep every committed table's canonical strings and arch_ids."""

from __future__ import annotations

import pytest

import nbx11_data


@pytest.mark.parametrize("name", ["nb201", "nb111-ec4", "nb311-yahpo", "nbnlp11-wt2"])
def test_committed_architectures_keep_their_strings_and_ids(name):
    bench = nbx11_data.open(name)
    rows = bench.sql("SELECT DISTINCT arch, arch_id FROM curves").fetchall()
    assert len(rows) >= 2000
    changed = [(arch, arch_id) for arch, arch_id in rows
               if bench.space.format(arch) != arch or bench.space.arch_id(arch) != arch_id]
    assert changed == []
