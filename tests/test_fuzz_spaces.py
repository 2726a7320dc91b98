"""Property-based fuzz of every space's parse/format/arch_id: a valid, consistent answer or the space's error.

Derandomized with a fixed budget per space (part of the CI suite): any input,
whether an arbitrary Python value or a mutated valid string, either parses to
an architecture whose canonical string parses back to it, or raises
:class:`InvalidArchitectureError`, within the time bound of ``fuzzing``.
"""

from __future__ import annotations

import re

import pytest
from fuzzing import ANY, fuzz, mutated, outcome
from hypothesis import given
from hypothesis import strategies as st

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError

EXAMPLES = 300


def _valid_texts(space) -> list[str]:
    if space.NAME == "nb201":
        return [space.format(a) for a in space.sample(4, 0)] + ["421211", "284"]
    if space.NAME == "nb101":
        archs = space.sample(4, 0)
        import json

        return [space.format(a) for a in archs] + [space.arch_id(archs[0])] + [
            json.dumps({"matrix": [list(r) for r in archs[1].matrix], "ops": list(archs[1].ops)})]
    return [space.format(a) for a in space.sample(4, 0)]


def _check(space, value):
    kind, got = outcome(space.parse, value)
    if kind == "error":
        assert isinstance(got, InvalidArchitectureError), f"{type(got).__name__}: {got}"
        return
    text = space.format(got)
    assert space.parse(text) == got
    assert re.fullmatch(r"[0-9a-f]{32}", space.arch_id(value)) and space.arch_id(value) == space.arch_id(got)
    assert space.format(value) == text


@pytest.mark.parametrize("name", spaces.NAMES)
def test_any_value(name):
    space = spaces.get(name)

    @fuzz(EXAMPLES)
    @given(ANY)
    def run(value):
        _check(space, value)

    run()


@pytest.mark.parametrize("name", spaces.NAMES)
def test_mutated_strings(name):
    space = spaces.get(name)

    @fuzz(EXAMPLES)
    @given(mutated(_valid_texts(space)) | st.text(max_size=60))
    def run(text):
        _check(space, text)

    run()
