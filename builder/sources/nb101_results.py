"""NAS-Bench-101-format training results: a tree of ``results.json``, one per run.

Layout (EC-NAS-Bench, and NAS-Bench-x11's NB111 training data):
``<root>/<set>/<budget>_epochs/<hash[:2]>/<hash>/repeat_<r>/results.json`` where ``<hash>`` is
the NB101 module hash of the cell and ``<set>`` names a generation run (``4V9E``: graphs of at
most 4 vertices, ``5V9E``: at most 5). Each file has ``evaluation_results``: a list of
``{epochs, training_time, train_accuracy, validation_accuracy, test_accuracy, ...}``
(accuracies as fractions, training time in seconds, cumulative). Other files (``_recovery``
folders, logs) are ignored. :func:`load` reads an extracted folder or the ``.tar.gz`` directly.

Example:
    >>> runs = load("../shared/data/ecnas-nb101/results_4V9E_5V9E.tar.gz")  # doctest: +SKIP
    >>> runs[0].module_hash, runs[0].epochs  # doctest: +SKIP
    ('001a6fcc8b38cbc515be788a86bdc804', (0.0, 1.0, 4.0))
"""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nbx11_data.errors import CorruptFileError

_PATH = re.compile(r"(?:^|/)(?P<set>[^/]+)/(?P<budget>\d+)_epochs/(?P<prefix>[0-9a-f]{2})/(?P<hash>[0-9a-f]{32})/"
                   r"repeat_(?P<repeat>\d+)/results\.json$")
FIELDS = ("training_time", "train_accuracy", "validation_accuracy", "test_accuracy")


@dataclass(frozen=True)
class NB101Run:
    """One run: where it was found, and its evaluations (``values[field]`` aligned with ``epochs``)."""

    module_hash: str
    config_set: str
    budget: int
    repeat: int
    epochs: tuple[float, ...]
    values: dict

    @property
    def key(self) -> tuple:
        return (self.config_set, self.budget, self.module_hash, self.repeat)


def _parse(name: str, data: bytes) -> NB101Run | None:
    match = _PATH.search(name)
    if match is None:
        return None
    if match["prefix"] != match["hash"][:2]:
        raise CorruptFileError(f"{name}: folder {match['prefix']!r} is not the first two characters of the hash")
    try:
        record = json.loads(data)
        evaluations = record["evaluation_results"]
        epochs = tuple(float(e["epochs"]) for e in evaluations)
        values = {f: tuple(float(e[f]) for e in evaluations) for f in FIELDS}
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as err:
        raise CorruptFileError(f"{name}: not an NB101 results.json ({type(err).__name__}: {err})") from None
    if not evaluations or list(epochs) != sorted(epochs):
        raise CorruptFileError(f"{name}: evaluation_results must be a non-empty list in epoch order")
    return NB101Run(match["hash"], match["set"], int(match["budget"]), int(match["repeat"]), epochs, values)


def _members(source: Path):
    if source.is_dir():
        for path in sorted(source.rglob("results.json")):
            yield path.relative_to(source).as_posix(), path.read_bytes()
        return
    try:
        with tarfile.open(source, "r:*") as archive:
            for member in sorted(archive.getmembers(), key=lambda m: m.name):
                if member.isfile() and PurePosixPath(member.name).name == "results.json":
                    yield member.name, archive.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError) as err:
        raise CorruptFileError(f"{source}: not a readable tar archive of results.json files ({err})") from None


def load(source) -> list[NB101Run]:
    """Every run under ``source`` (folder or tar archive), sorted by (set, budget, hash, repeat)."""
    source = Path(source)
    if not source.exists():
        raise CorruptFileError(f"{source}: not found; expected a results folder or its .tar.gz")
    runs = [run for name, data in _members(source) if (run := _parse(name, data)) is not None]
    if not runs:
        raise CorruptFileError(f"{source}: no <set>/<n>_epochs/<xx>/<hash>/repeat_<r>/results.json files")
    return sorted(runs, key=lambda r: r.key)
