"""Every place nbx11-data reads or writes data, and every ``NBX11_*`` environment variable, in one rule.

Tables and checkpoints are looked for in these roots, first found wins:

1. the argument (``root=`` / ``--root``, a checkpoint path), when given: only there;
2. the environment variable (``$NBX11_TABLES``, ``$NBX11_CHECKPOINTS``);
3. the user data folder (``<user data>/tables``, ``<user data>/checkpoints``; platformdirs);
4. the download cache (``$NBX11_CACHE``, else the user cache folder; tables only, ``<cache>/<name>/``);
5. the shipped data: the ``tables/`` and ``checkpoints/`` installed with the package (``nbx11_data/_shipped/``
   in a wheel), or the repository's folders in a source checkout.

New tables and checkpoints are written to the environment variable's folder, else the repository's folder
in a source checkout, else the user data folder (never into an installed package).
``$NBX11_MIRROR`` names the download mirror and ``$NBX11_THREADS`` the LightGBM threads.

Example:
    >>> import os
    >>> os.environ["NBX11_TABLES"] = "/data/tables"
    >>> str(table_roots()[0]), str(table_roots("/elsewhere")[0])
    ('/data/tables', '/elsewhere')
    >>> del os.environ["NBX11_TABLES"]
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from nbx11_data.errors import UnknownNameError

TABLES_ENV = "NBX11_TABLES"
CHECKPOINTS_ENV = "NBX11_CHECKPOINTS"
CACHE_ENV = "NBX11_CACHE"
MIRROR_ENV = "NBX11_MIRROR"
THREADS_ENV = "NBX11_THREADS"
APP = "nbx11-data"
KINDS = ("tables", "checkpoints")

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent if (_PACKAGE.parent / "pyproject.toml").is_file() else None
_ENV = {"tables": TABLES_ENV, "checkpoints": CHECKPOINTS_ENV}


def shipped(kind: str) -> Path | None:
    """The ``kind`` folder installed with the package (wheel) or of the source checkout; None if neither."""
    for folder in (_PACKAGE / "_shipped" / kind, _CHECKOUT / kind if _CHECKOUT else None):
        if folder is not None and folder.is_dir():
            return folder
    return None


def user_data(kind: str) -> Path:
    """``<user data folder>/<kind>``: where a user's own tables and checkpoints live outside a checkout."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / _kind(kind)


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The download cache: ``cache_dir``, else ``$NBX11_CACHE``, else the user cache folder."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def roots(kind: str, root: str | Path | None = None) -> list[Path]:
    """The folders searched for ``kind`` ("tables" or "checkpoints"), in the order of the module docstring."""
    if root is not None:
        return [Path(root).expanduser()]
    env = os.environ.get(_ENV[_kind(kind)])
    found = [Path(env).expanduser()] if env else []
    found.append(user_data(kind))
    if kind == "tables":
        found.append(cache_root())
    found += [folder] if (folder := shipped(kind)) is not None else []
    return list(dict.fromkeys(found))  # first of each, in order


def table_roots(root: str | Path | None = None) -> list[Path]:
    """:func:`roots` for tables."""
    return roots("tables", root)


def checkpoint_roots(root: str | Path | None = None) -> list[Path]:
    """:func:`roots` for checkpoints."""
    return roots("checkpoints", root)


def write_root(kind: str) -> Path:
    """Where a new ``kind`` folder is written: the environment variable, the checkout's folder, user data."""
    env = os.environ.get(_ENV[_kind(kind)])
    if env:
        return Path(env).expanduser()
    if _CHECKOUT is not None:
        return _CHECKOUT / kind
    return user_data(kind)


def find_table(name: str | os.PathLike, root: str | Path | None = None) -> Path | None:
    """The folder of table ``name`` (one holding a manifest.json) in the first root that has it, else None."""
    return next((r / name for r in table_roots(root) if (r / name / "manifest.json").is_file()), None)


def table_names(root: str | Path | None = None) -> list[str]:
    """Names of the tables in all roots (each once)."""
    return sorted({p.name for r in table_roots(root) if r.is_dir() for p in r.iterdir()
                   if (p / "manifest.json").is_file()})


def find_checkpoint(name: str | Path, root: str | Path | None = None) -> Path:
    """The checkpoint folder for a path, a folder name, or a name without version (the newest ``<name>-v<N>``).

    A path (an existing folder, or anything with a ``/``) is returned as it is, for the reader to verify.

    >>> find_checkpoint("nb311-yahpo").name.startswith("nb311-yahpo-v")
    True
    """
    given = Path(name).expanduser()
    if given.is_dir() or given.is_absolute() or len(given.parts) > 1:
        return given
    versioned = re.compile(re.escape(given.name) + r"-v(\d+)")
    for folder in checkpoint_roots(root):
        if (folder / given.name / "checkpoint.json").is_file():
            return folder / given.name
        found = [(int(m.group(1)), p) for p in (folder.iterdir() if folder.is_dir() else [])
                 if (m := versioned.fullmatch(p.name)) and (p / "checkpoint.json").is_file()]
        if found:
            return max(found)[1]
    known = sorted({p.name for f in checkpoint_roots(root) if f.is_dir() for p in f.iterdir()
                    if (p / "checkpoint.json").is_file()})
    raise UnknownNameError(f"checkpoint (a folder, or a name under {', '.join(map(str, checkpoint_roots(root)))};"
                           f" set ${CHECKPOINTS_ENV})", str(name), known)


def mirror() -> str | None:
    """``$NBX11_MIRROR``: the download mirror to use when none is passed (None when unset or empty)."""
    return os.environ.get(MIRROR_ENV) or None


def threads() -> int:
    """``$NBX11_THREADS`` as an int (0 when unset or empty: use every core)."""
    return int(os.environ.get(THREADS_ENV, "0") or 0)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise UnknownNameError("data kind", kind, KINDS)
    return kind
