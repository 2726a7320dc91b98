"""The project's error types.

Every error the package raises on bad input is an :class:`NBX11Error`, and
each also subclasses the built-in type a caller would naturally catch
(``ValueError``, ``LookupError``, ``OSError``, ``ImportError``).

Example:
    >>> from nbx11_data import spaces
    >>> try:
    ...     spaces.get("nb201").parse("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    ... except ValueError as err:
    ...     print(type(err).__name__)
    InvalidArchitectureError
"""

from __future__ import annotations


class NBX11Error(Exception):
    """Base class of every error raised by nbx11-data."""


class InvalidArchitectureError(NBX11Error, ValueError):
    """An architecture is malformed or outside its search space."""


class UnknownNameError(NBX11Error, ValueError):
    """A name (search space, benchmark, dataset, metric, seed, budget...) does not exist.

    The message lists what does exist.
    """

    def __init__(self, kind: str, name: object, allowed) -> None:
        allowed = sorted(map(str, allowed))
        self.kind, self.name, self.allowed = kind, name, allowed
        super().__init__(f"unknown {kind} {name!r}; allowed: {', '.join(allowed) or '(none)'}")


class ArchitectureNotFoundError(NBX11Error, LookupError):
    """A valid architecture is not in a table (and no fallback answered it)."""

    def __str__(self) -> str:  # LookupError would quote the message like a KeyError
        return str(self.args[0]) if self.args else ""


class CorruptFileError(NBX11Error, OSError):
    """A file is missing, truncated, or does not match its recorded hash/schema."""


class MissingDependencyError(NBX11Error, ImportError):
    """An optional dependency is needed; the message says which extra to install."""


class DownloadError(NBX11Error, ConnectionError):
    """A mirror could not be reached or answered wrongly (and no verified cached copy could stand in)."""
