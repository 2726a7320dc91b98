"""NB201 search space: its representations, encoding, enumeration, the NATS index and its moves.

The protocol every space satisfies (round trip, identity, sampling...) is tested in test_space_contract.py.
"""

from __future__ import annotations

import bz2
import pickle

import numpy as np
import pytest
from architectures import nb201_archs as archs
from hypothesis import given
from hypothesis import strategies as st

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError

nb201 = spaces.get("nb201")


@given(archs)
def test_arch_id_equal_across_representations(arch):
    index = nb201.arch_index(arch)
    digits = "".join(str(nb201.OPS.index(op)) for op in arch.ops)
    forms = [arch, nb201.format(arch), list(arch.ops), [int(d) for d in digits], digits, index, str(index)]
    assert {nb201.arch_id(form) for form in forms} == {nb201.arch_id(arch)}


def test_enumerate_is_every_architecture_once_in_index_order():
    all_archs = list(nb201.enumerate())
    assert len(all_archs) == len(set(all_archs)) == 15_625
    assert [nb201.arch_index(a) for a in all_archs[:50]] == list(range(50))
    assert nb201.arch_index(all_archs[-1]) == 15_624


def test_arch_index_matches_nats_bench_meta(shared_data):
    meta = pickle.loads(bz2.decompress((shared_data / "nats-tss-fixture" / "meta.pickle.pbz2").read_bytes()))
    strings = meta["meta_archs"]
    assert len(strings) == 15_625
    assert [nb201.arch_index(s) for s in strings] == list(range(15_625))
    assert [nb201.format(a) for a in nb201.enumerate()] == strings


def test_encode_is_one_hot_per_edge():
    sample = nb201.sample(100, seed=3)
    x = nb201.encode(sample)
    assert x.shape == (100, 30) and x.dtype == np.float32
    assert np.array_equal(x.reshape(100, 6, 5).sum(axis=2), np.ones((100, 6)))
    for row, arch in zip(x.reshape(100, 6, 5), sample):
        assert [nb201.OPS[i] for i in row.argmax(axis=1)] == list(arch.ops)


def test_neighbours_are_the_24_one_edge_op_changes():
    for arch in nb201.sample(4, seed=11):
        found = nb201.neighbours(arch)
        assert len(found) == 24 and all(sum(a != b for a, b in zip(arch.ops, n.ops)) == 1 for n in found)


BAD = [
    "|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # unknown op
    "|none~0|+|none~0|none~1|",  # too few nodes
    "|none~0|+|none~0|none~1|+|none~0|none~1|",  # wrong edge count
    "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",  # wrong input
    "none~0+none~0",
    "",
    "garbage",
    "1234567",
    "²",  # a non-ASCII digit
    "⁴²¹²¹¹",
    15_625,
    -1,
    True,
    3.5,
    None,
    [0, 1, 2],
    [0, 1, 2, 3, 4, 5],  # op index 5 out of range
    ["none"] * 5 + [None],
    {"ops": ["none"] * 6},
]


@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_malformed_input_raises_project_error(bad):
    with pytest.raises(InvalidArchitectureError, match="nb201"):
        nb201.parse(bad)


@given(st.one_of(st.text(max_size=60), st.integers(), st.lists(st.integers(), max_size=8), st.none()))
def test_arbitrary_input_never_raises_a_bare_error(value):
    try:
        nb201.parse(value)
    except InvalidArchitectureError:
        pass
