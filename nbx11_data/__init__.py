"""nbx11-data: NAS-Bench-x11 learning curves as Parquet tables.

Example:
    >>> from nbx11_data import spaces
    >>> spaces.get("nb201").arch_index("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|") >= 0
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbx11_data.errors import (ArchitectureNotFoundError, CorruptFileError, DownloadError, InvalidArchitectureError,
                               MissingDependencyError, NBX11Error, UnknownNameError)

if TYPE_CHECKING:  # the lazy names below, as type checkers should see them
    from nbx11_data.readers.benchmark import open  # noqa: A004
    from nbx11_data.readers.download import download
    from nbx11_data.surrogate.ensemble import load_ensemble

    __version__: str

__all__ = ["open", "load_ensemble", "download", "__version__", "NBX11Error", "InvalidArchitectureError",
           "UnknownNameError", "ArchitectureNotFoundError", "CorruptFileError", "MissingDependencyError",
           "DownloadError"]

# Lazy top-level names: name -> module that defines it (keeps `import nbx11_data` light).
_LAZY = {"load_ensemble": "nbx11_data.surrogate.ensemble", "open": "nbx11_data.readers.benchmark",
         "download": "nbx11_data.readers.download"}


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str):
    if name == "__version__":  # one source: the version in pyproject.toml, as installed
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("nbx11-data")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nbx11_data' has no attribute {name!r}")
