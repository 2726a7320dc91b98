"""Where benchmark folders are found: the rule of :mod:`nbx11_data.locations`, for tables.

Example:
    >>> import os
    >>> os.environ["NBX11_TABLES"] = "/data/tables"
    >>> str(default_root())
    '/data/tables'
    >>> del os.environ["NBX11_TABLES"]
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data import locations


def default_root() -> Path:
    """Where a new table is written (``$NBX11_TABLES``, the checkout's ``tables/``, or user data)."""
    return locations.write_root("tables")


def available(root: str | Path | None = None) -> list[str]:
    """Names of the benchmark folders (those with a manifest.json) under ``root``, or in every table root."""
    return locations.table_names(root)
