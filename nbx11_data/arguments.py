"""Checks of the public API's arguments: each returns the value to use or raises the package's own error.

Nothing is coerced silently: a seed is an int (or None), never a float, bool or
numeric string; an epoch likewise; an architecture list is a list, not a string
(whose characters would be read as architectures) or a mapping. Errors name the
argument, what it got and what is allowed.

Example:
    >>> seed(7), seed(None)
    (7, None)
    >>> seed(1.5)
    Traceback (most recent call last):
    ...
    nbx11_data.errors.UnknownNameError: unknown seed 1.5; allowed: None (the mean curve), an int in -2147483648..2147483647
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import numpy as np

from nbx11_data.errors import InvalidArchitectureError, UnknownNameError
from nbx11_data.spaces._inputs import short

INT32 = (-(2**31), 2**31 - 1)
_SEED_ALLOWED = [f"None (the mean curve), an int in {INT32[0]}..{INT32[1]}"]
_NAME_MAX = 255  # bytes of one path component (NAME_MAX on Linux and macOS)
_PATH_MAX = 4096


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def seed(value):
    """A seed: None (the mean curve) or an int that fits int32 (numpy ints become ints)."""
    if value is None:
        return None
    if _is_int(value) and INT32[0] <= value <= INT32[1]:
        return int(value)
    raise UnknownNameError("seed", _Shown(value), _SEED_ALLOWED)


def seeds(value) -> list:
    """Seeds of :meth:`Benchmark.rows`: one seed, or a list/tuple/range/1-d array of seeds."""
    if isinstance(value, (list, tuple, range)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [seed(s) for s in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if value is None or _is_int(value):
        return [seed(value)]
    raise UnknownNameError("seeds", _Shown(value), ["one seed", "a list, tuple, range or 1-d array of seeds"]
                           + _SEED_ALLOWED)


def epoch(value):
    """An epoch: None (the final value) or a positive int; the caller checks it against the budget."""
    if value is None:
        return None
    if _is_int(value):
        return int(value)
    raise UnknownNameError("epoch", _Shown(value), ["None (the final value)", "an int from 1"])


def name(kind: str, value, allowed=()):
    """A dataset or metric name: None (the default) or a str."""
    if value is None or isinstance(value, str):
        return value
    raise UnknownNameError(kind, _Shown(value), [f"None (the default) or a str: {', '.join(map(str, allowed))}"])


def budget(value, allowed=()):
    """A budget: None (the default) or an int."""
    if value is None:
        return None
    if _is_int(value):
        return int(value)
    raise UnknownNameError("budget", _Shown(value), [f"None (the default) or an int: {', '.join(map(str, allowed))}"])


def metrics(value, allowed=()) -> list | None:
    """Metric names of :meth:`Benchmark.query`: None (all), one name, or a list/tuple of names."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(m, str) for m in value):
        return list(value)
    raise UnknownNameError("metrics", _Shown(value), [f"None (all), a name or a list of names: {', '.join(allowed)}"])


def flag(kind: str, value) -> bool:
    """A True/False switch (``with_source``, ``arrow``, ``fallback``): a bool, nothing truthy."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise UnknownNameError(kind, _Shown(value), ["True", "False"])


def arch_list(value, space) -> list:
    """Architectures of the batched lookups: a list, tuple, 1-d array or other iterable of architectures.

    A str, bytes or mapping is refused (its characters or keys are not architectures: use ``curve`` for
    one), and so is an int too large for any index, before any fast path converts it.
    """
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArchitectureError(
            f"{space.NAME}: expected a list of architectures, got {type(value).__name__} {short(value)};"
            " for one architecture use curve() or pass [arch]"
        )
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise InvalidArchitectureError(f"{space.NAME}: an array of architectures must be 1-d, got shape {value.shape}")
    archs = value if isinstance(value, list) else list(value)
    kinds = set(map(type, archs))
    if kinds == {int} and min(archs) >= 0 and max(archs) < 2**63:  # indices: checked in two C-level passes
        return archs
    if kinds - {str}:  # only other types need a look
        for arch in archs:
            if isinstance(arch, (bool, np.bool_)) or (type(arch) is int and not 0 <= arch < 2**63):
                space.parse(arch)  # raises the space's own error for this int
    return archs


def view_name(value) -> str:
    """A DuckDB view name for :meth:`Benchmark.register`: an identifier other than the table's views."""
    if isinstance(value, str) and value.isidentifier() and value.isascii() \
            and value.lower() not in ("curves", "curves_long", "final"):
        return value
    raise UnknownNameError("view name", _Shown(value), ["an ASCII identifier other than curves, curves_long, final"])


def benchmark_name(value) -> str | os.PathLike:
    """A benchmark name or folder for :func:`open`: a str or path, with no NUL byte and no over-long part."""
    if not isinstance(value, (str, os.PathLike)):
        raise UnknownNameError("benchmark", _Shown(value), ["a benchmark name (str) or a folder path"])
    text = os.fspath(value)
    if not isinstance(text, str) or not text or "\x00" in text:
        raise UnknownNameError("benchmark", _Shown(value), ["a non-empty name or folder path without NUL bytes"])
    encoded = text.encode("utf-8", "surrogateescape")
    if len(encoded) > _PATH_MAX or any(len(part) > _NAME_MAX for part in encoded.split(b"/")):
        raise UnknownNameError("benchmark", _Shown(value),
                               [f"a name or path of at most {_NAME_MAX} bytes per part, {_PATH_MAX} in all"])
    return value


def folder(kind: str, value, optional: bool = False):
    """A folder argument (``root`` of :func:`open`, the path of ``load_ensemble``): a str or path without NUL
    bytes, or None where ``optional``."""
    if value is None and optional:
        return value
    if isinstance(value, (str, os.PathLike)) and isinstance(os.fspath(value), str) and "\x00" not in os.fspath(value):
        return value
    raise UnknownNameError(kind, _Shown(value), ["None (the default)"] * optional + ["a folder path without NUL bytes"])


class _Shown:
    """A value as an error message shows it: its short repr (a long or nested value stays one line)."""

    def __init__(self, value) -> None:
        self.text = short(value)

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text
