"""NAS-Bench-NLP training logs: the release's ``logs.zip`` and NAS-Bench-x11's ``nb_nlp.pickle``.

Two layouts, one result (:class:`NLPLogs`):

- ``logs.zip`` (fmsnew/nas-bench-nlp-release ``train_logs_<dataset>/logs.zip``): one JSON per
  run with ``recepie`` (a JSON string), ``train_losses`` / ``val_losses`` / ``test_losses``
  (log-perplexity per epoch), ``wall_times`` (seconds per epoch), ``num_params``, ``status``.
- ``nb_nlp.pickle`` (what x11's ``get_nbnlp_data`` and NASLib's ``NasBenchNLPSearchSpace``
  read, PTB): ``{compact: {"train_losses": [...], "val_losses": [...], "test_losses": [...],
  "wall_times": ...}}`` with ``compact = (edges, ops, hiddens)``: ``edges`` (parent, child)
  node-index pairs, ``ops`` one code per node (the 4 inputs ``x, h_prev_0..2`` first),
  ``hiddens`` the indices of the ``h_new_*`` nodes. ``wall_times`` may be a list or a total.

Runs whose ``status`` is not ``"OK"``, or whose curves are incomplete or not finite, are left
out and listed in ``excluded`` (build time only; the pickle is a trusted source).

Example:
    >>> logs = load_logs_zip("../shared/data/nbnlp-wt2/logs.zip")
    >>> len(logs.runs), len(logs.excluded)
    (297, 3)
"""

from __future__ import annotations

import json
import math
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbx11_data.builder.sources import Run
from nbx11_data.builder.sources.trust import check
from nbx11_data.errors import CorruptFileError, InvalidArchitectureError
from nbx11_data.spaces import nlp

#: x11/NASLib op codes of a compact (index = code)
COMPACT_OPS = ("in", "activation_sigm", "activation_tanh", "activation_leaky_relu",
               "elementwise_sum", "elementwise_prod", "linear", "blend")
_CURVES = {"train_loss": "train_losses", "val_loss": "val_losses", "test_loss": "test_losses"}


@dataclass
class NLPLogs:
    """Complete runs (curves keyed ``train_loss``, ``val_loss``, ``test_loss``, ``epoch_time``) and left-out ones."""

    runs: list[Run]
    excluded: list[dict] = field(default_factory=list)  # {"name", "reason"}


def compact_to_recipe(compact) -> dict:
    """A NAS-Bench-NLP recipe dict from an x11/NASLib compact ``(edges, ops, hiddens)``."""
    try:
        edges, ops, hiddens = compact
        names = ["x", "h_prev_0", "h_prev_1", "h_prev_2"]
        counts = {"node": 0, "h_new": 0}
        for index in range(len(names), len(ops)):
            kind = "h_new" if index in hiddens else "node"
            names.append(f"{kind}_{counts[kind]}")
            counts[kind] += 1
        return {names[i]: {"op": COMPACT_OPS[ops[i]], "input": [names[p] for p, c in edges if c == i]}
                for i in range(4, len(ops))}
    except (TypeError, ValueError, IndexError) as err:
        raise InvalidArchitectureError(f"nlp: not an x11 compact (edges, ops, hiddens): {compact!r} ({err})") from None


def _run(name: str, recipe, record: dict, dataset: str, epochs: int, excluded: list) -> Run | None:
    status = record.get("status", "OK")
    if status != "OK":
        excluded.append({"name": name, "reason": f"status {status!r}"})
        return None
    curves = {}
    for metric, key in _CURVES.items():
        values = record.get(key)
        if values is None and metric == "test_loss":
            continue
        if values is None or len(values) != epochs or not all(math.isfinite(v) for v in values):
            excluded.append({"name": name, "reason": f"{key} incomplete or not finite"})
            return None
        curves[metric] = [float(v) for v in values]
    wall = record.get("wall_times")
    if isinstance(wall, (list, tuple)) and len(wall) == epochs and all(math.isfinite(v) for v in wall):
        curves["epoch_time"] = [float(v) for v in wall]
    try:
        arch = nlp.format(recipe)
    except InvalidArchitectureError as err:
        excluded.append({"name": name, "reason": f"invalid cell: {err}"})
        return None
    costs = {"num_params": float(record["num_params"])} if "num_params" in record else {}
    return Run(arch=arch, dataset=dataset, seed=None, budget=epochs, curves=curves, costs=costs)


def load_logs_zip(path, dataset: str = "wikitext-2", epochs: int = 50) -> NLPLogs:
    """Every run of a NAS-Bench-NLP ``logs.zip``, in file-name order."""
    runs, excluded = [], []
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.endswith(".json"))
            records = [(n, json.loads(archive.read(n))) for n in names]
    except (OSError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CorruptFileError(f"{path}: not a readable NAS-Bench-NLP logs.zip ({err})") from None
    if not records:
        raise CorruptFileError(f"{path}: holds no .json run logs")
    for name, record in records:
        if "recepie" not in record:
            raise CorruptFileError(f"{path}:{name}: no 'recepie' field; not a NAS-Bench-NLP log")
        run = _run(name, record["recepie"], record, dataset, epochs, excluded)
        if run is not None:
            runs.append(run)
    return NLPLogs(runs, excluded)


def load_nb_nlp_pickle(path, dataset: str = "ptb", epochs: int = 50, trust: bool = False) -> NLPLogs:
    """Every run of NAS-Bench-x11's ``nb_nlp.pickle`` (build time only).

    No hash of it is known, so it is unpickled only with ``trust=True``.
    """
    check(path, "nb-nlp-pickle", trust)
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError) as err:
        raise CorruptFileError(f"{path}: not a readable nb_nlp.pickle ({err})") from None
    if not isinstance(data, dict):
        raise CorruptFileError(f"{path}: expected a dict compact -> run record, got {type(data).__name__}")
    runs, excluded = [], []
    for number, (compact, record) in enumerate(data.items()):
        run = _run(f"entry {number}", compact_to_recipe(compact), record, dataset, epochs, excluded)
        if run is not None:
            runs.append(run)
    return NLPLogs(runs, excluded)


def load(path, epochs: int = 50, trust: bool = False) -> NLPLogs:
    """Either layout, told apart by the file name (``*.zip`` or ``*.pickle``/``*.pkl``; see ``trust`` there)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".zip":
        return load_logs_zip(path, epochs=epochs)
    if suffix in (".pickle", ".pkl"):
        return load_nb_nlp_pickle(path, epochs=epochs, trust=trust)
    raise CorruptFileError(f"{path}: expected a NAS-Bench-NLP logs.zip or x11's nb_nlp.pickle")
