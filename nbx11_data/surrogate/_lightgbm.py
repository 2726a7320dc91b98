"""Lazy import of lightgbm: the reader path never pays for it.

Example:
    >>> lgb = lightgbm()
"""

from __future__ import annotations

from nbx11_data.errors import MissingDependencyError


def lightgbm():
    """Return the ``lightgbm`` module or raise :class:`MissingDependencyError` naming the extra."""
    try:
        import lightgbm as lgb
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        raise MissingDependencyError(
            'surrogate models need lightgbm: pip install "nbx11-data[surrogate]"'
        ) from err
    return lgb
