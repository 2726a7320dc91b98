"""The search-space protocol, checked on every space: identity, validation, encoding, sampling and moves.

What is particular to one space (its representations, known identities, encodings, neighbourhood sizes)
is tested in tests/test_space_<name>.py.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from architectures import REPRESENTATIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError, UnknownNameError

NAMES = spaces.NAMES
MOVES = [name for name in NAMES if spaces.get(name).HAS_MOVES]
# deadline: the first nb101 example enumerates the space; too_slow: nlp recipes take many draws
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BAD = [None, 3.5, "", "garbage", b"arch", []]


def test_flags_say_what_each_space_has():
    flags = {name: (space.FINITE, space.HAS_ARCH_INDEX, space.HAS_MOVES) for name in NAMES
             for space in [spaces.get(name)]}
    assert flags == {"nb101": (True, False, False), "nb201": (True, True, True), "darts": (False, False, True),
                     "nlp": (False, False, True)}


@pytest.mark.parametrize("name", NAMES)
def test_every_space_satisfies_the_protocol_its_flags_name(name):
    space = spaces.get(name)
    assert space.NAME == name
    assert isinstance(space, spaces.SearchSpace)
    assert isinstance(space, spaces.FiniteSearchSpace) == space.FINITE
    assert isinstance(space, spaces.IndexedSearchSpace) == space.HAS_ARCH_INDEX


def test_unknown_space_is_named():
    with pytest.raises(UnknownNameError, match="unknown search space 'nb301'; allowed: darts, nb101, nb201, nlp"):
        spaces.get("nb301")


@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(data=st.data())
def test_format_parse_round_trip_and_one_identity_per_architecture(name, data):
    space = spaces.get(name)
    representation = data.draw(REPRESENTATIONS[name])
    arch = space.parse(representation)
    text = space.format(arch)
    assert space.parse(text) == arch
    assert space.format(space.parse(text)) == text == str(arch) == space.format(representation)
    assert re.fullmatch(r"[0-9a-f]{32}", space.arch_id(arch))
    assert space.arch_id(representation) == space.arch_id(text) == space.arch_id(space.parse(text))
    space.validate(arch)


@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(data=st.data())
def test_arch_id_differs_exactly_for_different_architectures(name, data):
    space = spaces.get(name)
    a, b = (data.draw(REPRESENTATIONS[name]) for _ in range(2))
    assert (space.arch_id(a) == space.arch_id(b)) == (space.parse(a) == space.parse(b))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", BAD, ids=repr)
def test_malformed_input_raises_the_space_error_everywhere(name, bad):
    space = spaces.get(name)
    for function in (space.parse, space.format, space.arch_id, space.validate, lambda a: space.encode([a])):
        with pytest.raises(InvalidArchitectureError, match=f"^{name}: "):
            function(bad)


@pytest.mark.parametrize("name", NAMES)
def test_encode_is_a_float32_row_per_architecture_whatever_its_representation(name):
    space = spaces.get(name)
    archs = space.sample(20, seed=4, encodable=True)
    x = space.encode(archs)
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[0] == 20 and np.isfinite(x).all()
    assert np.array_equal(space.encode([space.format(a) for a in archs]), x)
    assert np.array_equal(np.concatenate([space.encode([a]) for a in archs]), x)
    assert space.encode(space.sample(3, seed=5, encodable=True)).shape == (3, x.shape[1])


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_reproducible_seed_dependent_and_valid(name):
    space = spaces.get(name)
    first = space.sample(50, seed=1)
    assert first == space.sample(50, seed=1) != space.sample(50, seed=2)
    assert [space.parse(space.format(a)) for a in first] == first
    for arch in first:
        space.validate(arch)
    assert space.sample(0, seed=1) == []
    encodable = space.sample(30, seed=3, encodable=True)
    assert encodable == space.sample(30, seed=3, encodable=True) and len(space.encode(encodable)) == 30


@pytest.mark.parametrize("name", [name for name in NAMES if spaces.get(name).FINITE])
def test_enumerate_gives_distinct_valid_architectures(name):
    space = spaces.get(name)
    first = list(itertools.islice(space.enumerate(), 300))
    assert len(set(first)) == 300 and [space.parse(space.format(a)) for a in first] == first
    assert space.SIZE > 300


@pytest.mark.parametrize("name", [name for name in NAMES if spaces.get(name).HAS_ARCH_INDEX])
def test_arch_index_numbers_the_space(name):
    space = spaces.get(name)
    for arch in space.sample(20, seed=2):
        index = space.arch_index(arch)
        assert 0 <= index < space.SIZE and space.parse(index) == arch
        assert space.arch_index(space.format(arch)) == index


@pytest.mark.parametrize("name", MOVES)
def test_neighbours_are_distinct_valid_encodable_and_mutate_draws_one(name):
    space = spaces.get(name)
    for arch in space.sample(4, seed=11, encodable=True):
        found = space.neighbours(arch)
        keys = [space.format(a) for a in found]
        assert found and len(set(keys)) == len(keys) and space.format(arch) not in keys
        assert [space.parse(key) for key in keys] == found  # parsed, so canonical
        for neighbour in found:
            space.validate(neighbour)
        space.encode(found)  # every neighbour fits the encoding
        assert space.neighbours(space.format(arch)) == found  # any representation, a fixed order
        child = space.mutate(arch, np.random.default_rng(0))
        assert space.format(child) in keys
        assert space.format(space.mutate(arch, np.random.default_rng(0))) == space.format(child)
        drawn = {space.format(space.mutate(arch, np.random.default_rng(seed))) for seed in range(30)}
        assert drawn <= set(keys) and len(drawn) > 1


@pytest.mark.parametrize("name", [name for name in NAMES if not spaces.get(name).HAS_MOVES])
def test_a_space_without_moves_raises_for_valid_architectures(name):
    space = spaces.get(name)
    arch = space.sample(1, seed=0)[0]
    allowed = ", ".join(sorted(MOVES))
    for move in (space.neighbours, lambda a: space.mutate(a, np.random.default_rng(0))):
        with pytest.raises(UnknownNameError, match=f"search space with mutations '{name}'; allowed: {allowed}$"):
            move(arch)
        with pytest.raises(InvalidArchitectureError, match=f"^{name}: "):
            move("garbage")
