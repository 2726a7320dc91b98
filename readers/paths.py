"""Where benchmark folders live: ``root`` argument, else ``$NBX11_TABLES``, else the repository's ``tables/``.

Example:
    >>> import os
    >>> os.environ["NBX11_TABLES"] = "/data/tables"
    >>> str(default_root())
    '/data/tables'
    >>> del os.environ["NBX11_TABLES"]
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "NBX11_TABLES"
REPO_TABLES = Path(__file__).resolve().parent.parent / "tables"


def default_root() -> Path:
    """``$NBX11_TABLES`` if set, else the ``tables/`` folder beside the package."""
    env = os.environ.get(ENV)
    return Path(env) if env else REPO_TABLES


def available(root: str | Path | None = None) -> list[str]:
    """Names of the benchmark folders (those with a manifest.json) under ``root``."""
    root = Path(root) if root is not None else default_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())
