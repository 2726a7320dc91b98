"""Shared pieces of the property-based fuzz tests: input strategies and the outcome of one call.

Every fuzzed call must either answer or raise the package's own error, within
:data:`BOUND_S` seconds. The strategies mix arbitrary Python values with
mutations of valid representations (cut, spliced, padded with long runs of
brackets or blanks), which is where parsers backtrack or recurse.
"""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from nbx11_data.errors import NBX11Error

BOUND_S = 5.0  # a hang is minutes; a clean answer is milliseconds


def fuzz(examples: int) -> settings:
    """The fixed fuzz budget: ``examples`` inputs, the same ones every run (derandomized, no database)."""
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None, print_blob=False,
                    suppress_health_check=list(HealthCheck))


_LEAVES = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62, max_value=2**80)
           | st.floats() | st.text(max_size=20) | st.binary(max_size=12)
           | st.sampled_from([float("nan"), float("inf"), -1, 0, 1, 2**63, "", "0", "01", "abc", b"\x00\x01"])
           | st.builds(np.array, st.integers(-3, 3)) | st.builds(np.arange, st.integers(0, 8)))
ANY = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=6) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
_NOISE = st.sampled_from(list("[](){}|,;:'\"~=_+- \n\t0123456789x")) | st.text(max_size=3)


@st.composite
def mutated(draw, texts: list[str]):
    """A valid representation string, cut, spliced with noise, or padded with a long run of one character."""
    text = draw(st.sampled_from(texts))
    at = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["cut", "splice", "run", "drop"]))
    if kind == "cut":
        return text[:at]
    if kind == "drop":
        return text[:at] + text[at + draw(st.integers(1, 8)):]
    if kind == "splice":
        return text[:at] + draw(_NOISE) + text[at:]
    return text[:at] + draw(st.sampled_from([" ", "[", "(", "{", ",", "|", "0", "'"])) * draw(st.integers(100, 5000)) + text[at:]


def outcome(call, *args, **kwargs):
    """``("ok", value)`` or ``("error", err)`` for the package's own error; any other exception propagates.

    Fails when the call takes longer than :data:`BOUND_S`.
    """
    started = time.perf_counter()
    try:
        result = ("ok", call(*args, **kwargs))
    except NBX11Error as err:
        result = ("error", err)
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_S, f"{getattr(call, '__name__', call)} took {elapsed:.1f} s on {args!r:.200} {kwargs!r:.200}"
    return result
