"""Bounded helpers for reading untrusted architecture input: a short repr and depth-limited JSON.

Error messages quote the offending value with :func:`short`, which never recurses
deeper than a few levels nor grows past a line, so a huge or deeply nested input
cannot make the error itself fail or flood the screen. :func:`loads_json` refuses
nesting deeper than any architecture needs before the decoder sees the text.

Example:
    >>> short([[[[[[[[1]]]]]]]])
    '[[[[[[[...]]]]]]]'
    >>> loads_json("[" * 5000, "nb101")
    Traceback (most recent call last):
    ...
    nbx11_data.errors.InvalidArchitectureError: nb101: JSON nested deeper than 8 levels; an architecture needs at most 4
"""

from __future__ import annotations

import json
import reprlib

from nbx11_data.errors import InvalidArchitectureError

MAX_JSON_DEPTH = 8
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict = 6, 80, 80, 10, 10, 6


def short(value) -> str:
    """A repr of ``value`` cut to about 80 characters and 6 levels of nesting."""
    try:
        return _REPR.repr(value)
    except Exception:  # a hostile __repr__: name the type only
        return f"<{type(value).__name__}>"


def _depth(text: str) -> int:
    """Deepest bracket nesting of ``text`` outside strings (one linear pass)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_json(text: str, space: str):
    """``json.loads(text)``, or :class:`InvalidArchitectureError` for invalid or too deeply nested JSON."""
    if _depth(text) > MAX_JSON_DEPTH:
        raise InvalidArchitectureError(
            f"{space}: JSON nested deeper than {MAX_JSON_DEPTH} levels; an architecture needs at most 4"
        )
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise InvalidArchitectureError(f"{space}: invalid JSON {short(text)}: {getattr(err, 'msg', err)}") from None
