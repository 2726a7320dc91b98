"""Live surrogate answers for what a table lacks: one batched prediction per request, cached per session.

A surrogate-built benchmark records in its manifest the checkpoint that built it (``"checkpoint": {"id",
"checkpoint_json_sha256"}``, see ``tables/FORMAT.md``). For a row the table does not hold, :class:`Fallback`
predicts it with that checkpoint (:func:`predict_curves`); the table is a cache of the surrogate, so a live
row equals the stored row bit for bit. lightgbm is imported only when the first miss is predicted.

Example:
    >>> import nbx11_data
    >>> from nbx11_data import spaces
    >>> bench = nbx11_data.open("nbnlp11-wt2")
    >>> in_table = bench.sql("SELECT arch FROM final LIMIT 1").fetchall()[0][0]
    >>> my_archs = [in_table, spaces.get("nlp").sample(1, seed=0)[0]]  # the second is not in the table
    >>> bench.curves(my_archs, seed=0, with_source=True)[1][:2]
    array(['table:nbnlp11-wt2-v1', 'live:nbnlp11-wt2-v1'], dtype=object)
"""

from __future__ import annotations

from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nbx11_data import locations, vocabulary
from nbx11_data.errors import CorruptFileError, MissingDependencyError
from nbx11_data.io import sha256_file

if TYPE_CHECKING:  # the surrogate is imported when the first miss is predicted
    from nbx11_data.surrogate.ensemble import Ensemble

CHECKPOINTS_ENV = locations.CHECKPOINTS_ENV
INSTALL_HINT = 'pip install "nbx11-data[surrogate]"'
_LOADED: dict[tuple[str, str], Ensemble] = {}  # (folder, sha256 of checkpoint.json) -> Ensemble, shared by sessions


def checkpoint_roots() -> list[Path]:
    """Where checkpoint folders are looked for: the rule of :mod:`nbx11_data.locations`."""
    return locations.checkpoint_roots()


def predict_curves(ensemble, archs, arch_ids, seeds, metrics, epochs: int) -> dict[str, np.ndarray]:
    """Curves of parsed ``archs`` on a table's epoch axis of length ``epochs``: ``{metric: (n, E)}``.

    Equals ``ensemble.predict_batch(archs, seeds, metrics)``; each distinct architecture (by ``arch_ids``) is
    encoded and run through the boosters once, however many seeds it comes with. ``seeds`` is None (noiseless
    mean, the table's NULL-seed rows) or one int per row; values land at position ``epoch - 1`` of the
    checkpoint's epochs, NaN elsewhere (not predicted), as the builder lays them out.
    """
    order: dict[str, int] = {}
    index = [order.setdefault(arch_id, len(order)) for arch_id in arch_ids]
    distinct = list({arch_id: arch for arch_id, arch in zip(arch_ids, archs)}.values())
    features = ensemble.features(distinct)
    predicted = ensemble.predict_distinct(features, index, None if seeds is None else list(arch_ids), seeds,
                                          list(metrics))
    positions = np.asarray(ensemble.epochs, dtype=np.int64) - 1
    if positions.min() < 0 or positions.max() >= epochs:
        raise CorruptFileError(f"{ensemble.checkpoint_id}: epochs {positions.min() + 1}..{positions.max() + 1}"
                               f" do not fit a table axis of {epochs} epochs")
    if len(positions) == epochs and (positions == np.arange(epochs)).all():
        return predicted
    out = {}
    for metric, values in predicted.items():
        curves = np.full((len(values), epochs), np.nan, dtype=np.float32)
        curves[:, positions] = values
        out[metric] = curves
    return out


class Fallback:
    """The checkpoint of one benchmark, which (dataset, budget) it answers, and a per-session prediction cache."""

    def __init__(self, name: str, checkpoint: dict, datasets: list[str], epochs: int, budget: int) -> None:
        self.name, self.datasets, self.epochs, self.budget = name, list(datasets), epochs, budget
        self.checkpoint_id = checkpoint["id"]
        self.checkpoint_sha256 = checkpoint.get("checkpoint_json_sha256")
        self._ensemble_loaded: Ensemble | None = None
        # the session cache, per (dataset, metric): every predicted curve in one (n, E) array, and the slot of
        # each (arch_id, seed) in it, so that a repeated request is one C-level dict pass and one indexing
        self._curves: dict[tuple[str, str], np.ndarray] = {}
        self._slots: dict[tuple[str, str], dict[tuple, int]] = {}

    @classmethod
    def of(cls, manifest: dict, datasets: list[str], epochs: int, budgets) -> "Fallback | None":
        """The fallback a manifest describes, or None for a table no checkpoint built (e.g. measured only)."""
        checkpoint = manifest.get("checkpoint")
        return cls(manifest["name"], checkpoint, datasets, epochs, max(budgets)) if checkpoint else None

    def answers(self, dataset: str, budget: int) -> bool:
        """Whether misses of ``dataset`` at ``budget`` can be predicted."""
        return dataset in self.datasets and budget == self.budget

    def label(self, dataset: str) -> str:
        """The ``source`` of a live row: ``live:<checkpoint-id>``."""
        return "live:" + self.checkpoint_id

    def curves(self, dataset: str, archs: list, arch_ids: list[str], seeds: list, metrics: list[str]) -> dict:
        """``{metric: (n, E) float32}`` for parsed ``archs`` with ``seeds`` (one int or None per row).

        Rows already predicted in this session come from the cache; the rest go to the checkpoint in one
        batched call per kind of seed (None = mean, int = noisy), for the asked metrics only. Metrics the
        checkpoint lacks are NaN.
        """
        wanted = [m for m in metrics if vocabulary.resolve(m, self._ensemble().metrics)]  # table or checkpoint names
        keys = list(zip(arch_ids, seeds))
        where = {m: self._where(dataset, m, keys) for m in wanted}
        missing = np.zeros(len(keys), dtype=bool)
        for slots in where.values():
            missing |= slots < 0
        if missing.any():
            todo = dict.fromkeys(keys[i] for i in np.flatnonzero(missing).tolist())  # (arch_id, seed) -> None
            first = dict(zip(keys[::-1], range(len(keys) - 1, -1, -1)))  # (arch_id, seed) -> first row asking
            self._predict(dataset, [archs[first[key]] for key in todo], list(todo), wanted)
            where = {m: self._where(dataset, m, keys) for m in wanted}
        out = {}
        for metric in metrics:
            if metric in wanted and keys:
                out[metric] = self._curves[dataset, metric][where[metric]]
            else:  # a metric the checkpoint lacks (or no rows)
                out[metric] = np.full((len(keys), self.epochs), np.nan, dtype=np.float32)
        return out

    def _where(self, dataset: str, metric: str, keys: list[tuple]) -> np.ndarray:
        """Slot of each (arch_id, seed) in the cache of (dataset, metric); -1 where not yet predicted."""
        slots = self._slots.get((dataset, metric), {})
        return np.fromiter(map(slots.get, keys, repeat(-1)), np.int64, len(keys))

    def _predict(self, dataset: str, archs: list, rows: list[tuple], metrics: list[str]) -> None:
        """Predict ``rows`` ((arch_id, seed) of parsed ``archs``) and add them to the cache."""
        ensemble = self._ensemble()
        for noisy in (False, True):
            picked = [i for i, (_, seed) in enumerate(rows) if (seed is not None) == noisy]
            if not picked:
                continue
            seeds = [rows[i][1] for i in picked] if noisy else None
            curves = predict_curves(ensemble, [archs[i] for i in picked], [rows[i][0] for i in picked], seeds,
                                    metrics, self.epochs)
            for metric, values in curves.items():
                held = self._curves.get((dataset, metric))
                start = 0 if held is None else len(held)
                merged = values if held is None else np.concatenate([held, values])
                merged.flags.writeable = False
                self._curves[dataset, metric] = merged
                slots = self._slots.setdefault((dataset, metric), {})
                slots.update(zip((rows[i] for i in picked), range(start, start + len(picked))))

    def _ensemble(self) -> Ensemble:
        """The checkpoint, checked to be the one that built the table; loaded once per process."""
        if self._ensemble_loaded is not None:
            return self._ensemble_loaded
        checkpoint_id = self.checkpoint_id
        folder = next((r / checkpoint_id for r in checkpoint_roots() if (r / checkpoint_id / "checkpoint.json").is_file()),
                      None)
        if folder is None:
            raise CorruptFileError(f"{self.name}: checkpoint {checkpoint_id} that built the table is not"
                                   f" under {' or '.join(map(str, checkpoint_roots()))} (set ${CHECKPOINTS_ENV})")
        actual = sha256_file(folder / "checkpoint.json")
        if self.checkpoint_sha256 and actual != self.checkpoint_sha256:
            raise CorruptFileError(f"{folder}/checkpoint.json differs from the checkpoint that built {self.name};"
                                   " live predictions would not match the table")
        try:
            from nbx11_data.surrogate.ensemble import load_ensemble

            key = (str(folder.resolve()), actual)
            ensemble = _LOADED.get(key) or _LOADED.setdefault(key, load_ensemble(folder))
        except MissingDependencyError:
            raise MissingDependencyError(
                f"{self.name}: architectures not in the table are predicted live by {checkpoint_id}, which needs"
                f' lightgbm: {INSTALL_HINT} (or open the benchmark with fallback=False)') from None
        self._ensemble_loaded = ensemble
        return ensemble
