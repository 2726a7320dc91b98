"""The x11-compatible surrogate: ``load_ensemble(path)`` -> :class:`Ensemble`.

Example (the NAS-Bench-x11 README call, with our import):
    >>> from nbx11_data import load_ensemble, spaces
    >>> m = load_ensemble("checkpoints/nbnlp11-wt2-v1")
    >>> arch = spaces.get("nlp").sample(1, seed=0)[0]
    >>> curve = m.predict(config=arch, representation="compact", with_noise=True, seed=0)
    >>> m.predict_batch([arch], seeds=[0, 1][:1])["val_score"].shape
    (1, 50)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Mapping
from typing import Sequence, cast

import numpy as np

from nbx11_data import locations, spaces, vocabulary
from nbx11_data.arguments import arch_list, folder
from nbx11_data.errors import NBX11Error, UnknownNameError
from nbx11_data.spaces._inputs import short
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.surrogate import rng
from nbx11_data.surrogate.model import THREADS, CurveModel, threads
from nbx11_data.surrogate.noise import KINDS

REPRESENTATIONS = ("canonical", "genotype", "configspace", "arch_str", "compact")


class SurrogateInputError(NBX11Error, ValueError):
    """An argument to a surrogate prediction is malformed (seeds, first epochs, sizes)."""


class Ensemble:
    """A loaded checkpoint: mean curves and reproducible noisy curves for any architecture."""

    def __init__(self, checkpoint: ck_format.Checkpoint):
        self._read_meta(checkpoint)
        self._models = {m: CurveModel.from_checkpoint(checkpoint, m) for m in self.metrics}

    def _read_meta(self, checkpoint: ck_format.Checkpoint) -> None:
        """The checkpoint's identity, space, metrics, epochs and features, as every kind of ensemble keeps them."""
        meta = checkpoint.meta
        self.meta = meta
        self.folder = checkpoint.folder
        self.checkpoint_id: str = meta["checkpoint_id"]
        self.space: str = meta["space"]
        self.metrics: tuple[str, ...] = tuple(meta["metric_order"])
        self.epochs = np.asarray(meta["epochs"])
        self.default_noise: str = meta["noise_default"]
        self._space = spaces.get(self.space)
        features = meta["features"]
        self._dim = int(features["encoding_dim"])
        self._encoding = features.get("encoding_kind")  # None: the space's default encode(archs)
        self._first = features.get("first_epochs")

    def __repr__(self) -> str:
        return f"Ensemble({self.checkpoint_id!r}, space={self.space!r}, metrics={list(self.metrics)})"

    def predict(self, config, representation: str = "canonical", with_noise: bool = True, seed: int | None = None,
                search_space: str | None = None, metric: str | None = None, first_epochs=None) -> np.ndarray:
        """The curve (length E) of one architecture, as NAS-Bench-x11's ``predict``.

        ``with_noise`` and no ``seed`` draws a fresh seed from the OS (x11's behaviour); a ``seed``
        makes the noisy curve reproducible. ``metric`` defaults to the checkpoint's first metric.
        """
        if not isinstance(representation, str) or representation not in REPRESENTATIONS:
            raise UnknownNameError("representation", short(representation), REPRESENTATIONS)
        if search_space is not None and search_space != self.space:
            raise UnknownNameError("search space of this checkpoint", short(search_space), [self.space])
        if not isinstance(with_noise, (bool, np.bool_)):
            raise UnknownNameError("with_noise", short(with_noise), ["True", "False"])
        metric = self.metrics[0] if metric is None else metric
        if with_noise and seed is None:
            seed = cast(int, np.random.SeedSequence().entropy) % (2**63)  # drawn from the OS: an int
        first = None if first_epochs is None else _numbers(first_epochs).reshape(1, -1)
        out = self.predict_batch([config], seeds=[seed] if with_noise else None, metrics=[metric], first_epochs=first)
        return out[metric][0]

    def predict_batch(self, archs: Sequence, seeds=None, metrics: Sequence[str] | None = None, first_epochs=None,
                      noise: str | None = None) -> dict[str, np.ndarray]:
        """Curves of many architectures: ``{metric: (n, E) float32}``.

        ``seeds``: None (noiseless member mean), one int for every row, or one int per row.
        ``first_epochs``: (n, count) observed values, required by checkpoints trained on them.
        ``noise``: one of ``gaussian``, ``kde``, ``window`` (default: the checkpoint's choice).
        An architecture given several times (e.g. once per seed) is parsed, encoded and predicted once.
        """
        parsed, index = self._distinct(arch_list(archs, self._space))
        row_seeds = self._row_seeds(seeds, len(index))
        ids = None if row_seeds is None else [self._space.arch_id(a) for a in parsed]
        row_ids = None if ids is None else [ids[i] for i in index]
        if first_epochs is not None or self._first is not None:  # the features differ per row
            features = self.features([parsed[i] for i in index], first_epochs)
            return self.predict_features(features, row_ids, row_seeds, metrics, noise)
        return self.predict_distinct(self.features(parsed), index, row_ids, row_seeds, metrics, noise)

    def predict_seeds(self, archs: Sequence, seeds: Sequence[int], metrics: Sequence[str] | None = None,
                      noise: str | None = None) -> dict[str, np.ndarray]:
        """The noiseless mean and one noisy curve per seed: ``{metric: (n, 1 + len(seeds), E) float32}``.

        Slot 0 equals ``predict_batch(archs)``, slot ``1 + j`` equals ``predict_batch(archs, seeds=seeds[j])``,
        bit for bit; the boosters run once for all slots (what a table builder needs).
        Example: ``m.predict_seeds(archs, [0, 1])["val_score"].shape == (len(archs), 3, E)``.
        """
        parsed = [self._space.parse(a) for a in arch_list(archs, self._space)]
        features = self.features(parsed)
        ids = [self._space.arch_id(a) for a in parsed]
        seeds = [self._row_seeds(s, 1)[0] for s in seeds]
        n, k = len(parsed), len(seeds)
        index = np.repeat(np.arange(n), k)  # rows arch-major: (arch 0, seed 0), (arch 0, seed 1), ...
        out = {}
        for m, mean, noisy in self._curves(features, index, [ids[i] for i in index], seeds * n, metrics, noise):
            curves = np.empty((n, 1 + k, mean.shape[1]), dtype=np.float32)
            curves[:, 0] = mean
            curves[:, 1:] = noisy.reshape(n, k, mean.shape[1])
            out[m] = curves
        return out

    def predict_distinct(self, features: np.ndarray, index=None, arch_ids=None, seeds=None, metrics=None,
                         noise: str | None = None) -> dict[str, np.ndarray]:
        """Curves of rows that share architectures: ``{metric: (n, E) float32}``.

        ``features`` (m, d) holds each distinct architecture once; ``index`` (n,) the distinct row of each
        output row (default: ``range(m)``); ``arch_ids`` and ``seeds`` one per output row (None: the mean).
        The boosters run once per distinct row, the noise once per output row. Example, 2 archs x 2 seeds:
        ``m.predict_distinct(m.features(archs), [0, 0, 1, 1], [a, a, b, b], [0, 1, 0, 1])``.
        """
        index = np.arange(len(features)) if index is None else np.asarray(index, dtype=np.int64)
        return {m: (mean[index] if noisy is None else noisy).astype(np.float32)
                for m, mean, noisy in self._curves(features, index, arch_ids, seeds, metrics, noise)}

    def _curves(self, features, index, arch_ids, seeds, metrics, noise):
        """Per metric: ``(metric, mean (m, E) float64, noisy (n, E) float64 or None)``; see predict_distinct."""
        if metrics is not None and (isinstance(metrics, (str, bytes)) or not isinstance(metrics, Iterable)):
            raise UnknownNameError("metrics (a list of names)", short(metrics), self.metrics)
        asked = {self._metric(m): m for m in (self.metrics if metrics is None else metrics)}
        for m, mean, noisy in self._curves_of(features, index, arch_ids, seeds, list(asked), noise):
            yield asked[m], mean, noisy

    def _metric(self, name: str) -> str:
        """The checkpoint's metric that ``name`` means: its own name, today's or an old alias
        (:mod:`nbx11_data.vocabulary`); results stay keyed by the name asked."""
        found = vocabulary.resolve(name, self.metrics) if isinstance(name, str) else None
        if found is None:
            raise UnknownNameError("metric", short(name), self.metrics)
        return found

    def _curves_of(self, features, index, arch_ids, seeds, metrics, noise):
        """:meth:`_curves` for the checkpoint's own metric names."""
        kind = noise or self.default_noise
        if not isinstance(kind, str) or kind not in KINDS:
            raise UnknownNameError("noise model", kind, KINDS)
        features = np.ascontiguousarray(features, dtype=np.float64)
        members = sum(len(self._models[m].boosters) for m in metrics)
        workers = min(THREADS, members) if threads(len(features)) == 1 else 1
        if workers <= 1:
            yield from self._metric_curves(features, index, arch_ids, seeds, metrics, kind, map)
            return
        # A batch too small for LightGBM's own threads: one booster member per thread instead (LightGBM
        # releases the GIL). Every member and metric is computed as on one thread: the results do not change.
        with ThreadPoolExecutor(workers) as pool:
            yield from self._metric_curves(features, index, arch_ids, seeds, metrics, kind, pool.map)

    def _metric_curves(self, features, index, arch_ids, seeds, metrics, kind, mapper):
        """The work of :meth:`_curves`, spread by ``mapper`` (``map`` or a thread pool's): first every
        (metric, member) booster chain, then the decoding and noise of every metric."""
        tasks = [(m, j) for m in metrics for j in range(len(self._models[m].boosters))]
        chains = mapper(lambda task: self._models[task[0]].member_components(features, task[1]), tasks)
        parts = dict(zip(tasks, chains))

        def finish(m):
            model = self._models[m]
            components = model.member_mean([parts[m, j] for j in range(len(model.boosters))])
            mean = model.decode(components)
            noisy = None
            if seeds is not None:
                draws = rng.draws(self.checkpoint_id, arch_ids, seeds, m, mean.shape[1])
                noisy = model.within_range(mean[index] + model.sample_noise(kind, draws, features, components, index))
            return m, mean, noisy

        return mapper(finish, metrics)

    def features(self, archs: Sequence, first_epochs=None) -> np.ndarray:
        """The model's feature matrix: the space's encoding, plus the first epochs if trained on them."""
        encoded = np.asarray(encode(self._space, archs, self._encoding), dtype=np.float64)
        encoded = encoded.reshape(len(archs), -1 if len(archs) else self._dim)  # no architectures: 0 rows
        if encoded.shape[1] != self._dim:
            raise SurrogateInputError(
                f"{self.checkpoint_id}: the {self.space} encoding has {encoded.shape[1]} features, the checkpoint "
                f"was trained on {self._dim}; retrain it or use the nbx11-data version it was built with"
            )
        if self._first is None:
            if first_epochs is not None:
                raise SurrogateInputError(f"{self.checkpoint_id} takes no first_epochs (architecture-only model)")
            return encoded
        count = int(self._first["count"])
        if first_epochs is None:
            raise SurrogateInputError(
                f"{self.checkpoint_id} needs first_epochs: the first {count} values of {self._first['metric']!r}"
            )
        first = _numbers(first_epochs)
        if first.shape != (len(archs), count) or not np.isfinite(first).all():
            raise SurrogateInputError(
                f"first_epochs must be finite with shape ({len(archs)}, {count}), got shape {first.shape}"
            )
        return np.hstack([encoded, first_epoch_features(first, self._first)])

    def predict_features(self, features: np.ndarray, arch_ids=None, seeds=None, metrics=None,
                         noise: str | None = None) -> dict[str, np.ndarray]:
        """:meth:`predict_batch` on a ready feature matrix (``arch_ids`` needed with ``seeds``); equal
        feature rows are predicted once."""
        features = np.ascontiguousarray(features, dtype=np.float64)
        unique, inverse = np.unique(features, axis=0, return_inverse=True)
        return self.predict_distinct(unique, inverse.reshape(-1), arch_ids, seeds, metrics, noise)

    def _distinct(self, archs: Sequence) -> tuple[list, list[int]]:
        """Each distinct architecture parsed once: ``(parsed, index)``, input ``i`` is ``parsed[index[i]]``."""
        parsed: list = []
        position: dict = {}  # (type, representation) or parsed arch -> its place in ``parsed``
        index = []
        for arch in archs:
            try:
                key = (type(arch), arch)
                place = position.get(key)
            except TypeError:  # an unhashable representation (dict, list): parsed each time it comes
                key, place = None, None
            if place is None:
                one = self._space.parse(arch)
                place = position.setdefault(one, len(parsed))
                if place == len(parsed):
                    parsed.append(one)
                if key is not None:
                    position[key] = place
            index.append(place)
        return parsed, index

    @staticmethod
    def _row_seeds(seeds, n: int):
        if seeds is None:
            return None
        def is_int(value) -> bool:  # a float, bool or numeric string is refused, never rounded
            return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))

        if is_int(seeds):
            return [int(seeds)] * n
        if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, Iterable):
            raise SurrogateInputError(f"seeds must be None, an int, or {n} ints; got {short(seeds)}")
        row_seeds = list(seeds)
        if not all(is_int(s) for s in row_seeds):
            raise SurrogateInputError(f"seeds must be ints (not floats, bools or strings); got {short(row_seeds)}")
        if len(row_seeds) != n:
            raise SurrogateInputError(f"seeds must hold one int per architecture ({n}), got {len(row_seeds)}")
        return [int(s) for s in row_seeds]


def _numbers(values) -> np.ndarray:
    """``values`` as a float64 array, or :class:`SurrogateInputError` when they are not numbers."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise SurrogateInputError(f"first_epochs must be numbers, got {short(values)} ({err})") from None


def encode(space, archs, kind: str | None = None):
    """``space.encode(archs)``, or ``space.encode(archs, kind=kind)`` for a space's additional encoding.

    Example: ``encode(spaces.get("nlp"), archs, "stats")`` (what ``features.encoding_kind`` in
    ``checkpoint.json`` names; checkpoints without it use the default encoding).
    """
    return space.encode(archs) if kind is None else space.encode(archs, kind=kind)


def first_epoch_features(first: np.ndarray, spec: dict) -> np.ndarray:
    """The first-epoch feature columns: the (n, count) values, then, where ``spec["differences"]``,
    their count - 1 successive differences (the early slope, which trees cannot form themselves).

    Example: ``first_epoch_features(np.array([[1.0, 3.0, 4.0]]), {"differences": True})`` -> ``[[1, 3, 4, 2, 1]]``.
    """
    return np.hstack([first, np.diff(first, axis=1)]) if spec.get("differences") else first


def load_ensemble(path) -> Ensemble:
    """Load and verify a checkpoint (as NAS-Bench-x11's ``load_ensemble``): a folder, or a name such as
    ``"nb311-yahpo-x11-v2"`` or ``"nb311-yahpo"`` (the newest version, v4), found by :mod:`nbx11_data.locations`.

    A checkpoint holding its teacher network loads as a
    :class:`~nbx11_data.surrogate.teacher_ensemble.TeacherEnsemble`, others as :class:`Ensemble`.
    """
    folder("checkpoint folder or name", path)
    checkpoint = ck_format.read(locations.find_checkpoint(path))
    if checkpoint.meta.get("model") is not None:
        from nbx11_data.surrogate import teacher_ensemble

        if checkpoint.meta["model"] != teacher_ensemble.MODEL:
            raise UnknownNameError(f"model kind of {checkpoint.folder}", checkpoint.meta["model"],
                                   [teacher_ensemble.MODEL, "(none: LightGBM boosters)"])
        return teacher_ensemble.TeacherEnsemble(checkpoint)
    return Ensemble(checkpoint)
