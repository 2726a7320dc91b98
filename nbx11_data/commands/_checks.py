"""Argument checks shared by the subcommands: each answers a bad value with a one-line error, before work.

``seed``, ``mirror_url`` and ``existing_file`` are argparse ``type=`` functions;
``output_file`` checks a file to be written (its folder must exist; nothing is
created), for the commands whose ``--out``/``-o`` names one.

Example:
    >>> seed("mean") is None, seed("7")
    (True, 7)
    >>> output_file("/nonexistent/dir/x.png", (".png",))
    Traceback (most recent call last):
    ...
    nbx11_data.errors.UnknownNameError: unknown output file '/nonexistent/dir/x.png'; allowed: a file in an existing folder (/nonexistent/dir does not exist)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from urllib.parse import urlsplit

from nbx11_data.errors import UnknownNameError


def seed(text: str):
    """``--seed``: an int, or ``mean`` for the mean rows."""
    if text == "mean":
        return None
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if digits.isascii() and digits.isdigit():
        return int(stripped)
    raise argparse.ArgumentTypeError(f"{text!r} is not a seed; give an int or 'mean'")


def mirror_url(text: str) -> str:
    """``--base-url``: an http(s) URL with a host."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid URL: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not a mirror URL; give http://HOST[:PORT]/... or https://...")
    return text


def existing_file(text: str) -> str:
    """A file to read (``-`` for stdin): it must exist and not be a folder."""
    if text != "-" and not Path(text).is_file():
        what = "is a folder" if Path(text).is_dir() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text!r} {what}; give a readable file or '-' for stdin")
    return text


def output_file(path: str, suffixes: tuple[str, ...] | None = None) -> str:
    """A file to write: not a folder, in an existing folder, ending in one of ``suffixes`` (when given)."""
    target = Path(path)
    parent = target.parent
    if target.is_dir() or str(path).endswith(os.sep):
        raise UnknownNameError("output file", path, [f"a file name, not the folder {path}"])
    if not parent.is_dir():
        raise UnknownNameError("output file", path, [f"a file in an existing folder ({parent} does not exist)"])
    if suffixes is not None and target.suffix.lower() not in suffixes:
        raise UnknownNameError("output file", path, [f"a name ending {' or '.join(suffixes)}"])
    if target.exists() and not os.access(target, os.W_OK) or not os.access(parent, os.W_OK | os.X_OK):
        raise UnknownNameError("output file", path, ["a file this user may write"])
    return path
