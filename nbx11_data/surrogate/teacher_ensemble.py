"""A checkpoint that holds its teacher: YAHPO's NB301 network run in numpy, no boosters, no onnxruntime.

``load_ensemble`` returns a :class:`TeacherEnsemble` for a checkpoint whose ``checkpoint.json`` says
``"model": "teacher-network"``. Its mean curves are the teacher's own: the network (:mod:`.yahpo_net`)
runs at the checkpoint's ``network.evaluated_epochs`` (20 of 98), and a linear map fitted on teacher
curves of other cells fills in the other epochs (``recon.<output>.weight`` / ``.offset``); evaluated
epochs keep the network's values. The cumulative ``elapsed_time`` is the running sum of the per-epoch
``epoch_time``, so it never decreases. Noise (``gaussian`` or ``kde``, as the LightGBM checkpoints)
is added to the metrics whose ``noise`` entry says so; times are noiseless.
Same interface as :class:`~nbx11_data.surrogate.ensemble.Ensemble` (predict, predict_batch,
predict_seeds, predict_distinct, features).

Example:
    >>> from nbx11_data import load_ensemble, spaces
    >>> m = load_ensemble("nb311-yahpo")
    >>> genotype = spaces.get("darts").sample(1, seed=0)[0]
    >>> m.predict(config=genotype, representation="genotype", with_noise=True, seed=0).shape
    (98,)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nbx11_data.errors import UnknownNameError
from nbx11_data.spaces import darts
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.surrogate import noise as noise_models
from nbx11_data.surrogate import rng
from nbx11_data.surrogate.ensemble import Ensemble, SurrogateInputError
from nbx11_data.surrogate.yahpo_net import ExactProduct, YahpoNet, row_blocks

MODEL = "teacher-network"
NOISE_KINDS = ("gaussian", "kde")  # the window model needs boosters; these two need only the checkpoint's arrays


class TeacherEnsemble(Ensemble):
    """Mean curves from the teacher network itself, noise as today's checkpoints (see the module docstring)."""

    def __init__(self, checkpoint: ck_format.Checkpoint):
        # Ensemble.__init__ is not called: it loads LightGBM boosters, which this checkpoint has none of
        self._read_meta(checkpoint)
        network = self.meta["network"]
        arrays = checkpoint.arrays
        self.net = YahpoNet.from_arrays(arrays, network)
        self.evaluated = np.asarray(network["evaluated_epochs"], dtype=np.int64)
        self._recon = {c: (ExactProduct(arrays[f"recon.{c}.weight"]), arrays[f"recon.{c}.offset"])
                       for c in network["reconstructed"]}
        self._column = {name: k for k, name in enumerate(network["outputs"])}
        self._info = self.meta["metrics"]
        self._ranges = {m: noise_models.value_range(self._info[m].get("unit")) for m in self.metrics}
        self._noise = {m: {"sigma": arrays[f"{m}.noise.sigma"], "kde_points": arrays[f"{m}.noise.kde_points"],
                           "kde_chol": arrays[f"{m}.noise.kde_chol"], "kde_clip": arrays[f"{m}.noise.kde_clip"],
                           "kde_scale": float(self._info[m]["noise"]["kde_scale"])}
                       for m in self.metrics if self._info[m].get("noise")}

    def features(self, archs: Sequence, first_epochs=None) -> np.ndarray:
        """The teacher's input: YAHPO's ``x_cat`` codes (n, 34) of the architectures, as float64."""
        if first_epochs is not None:
            raise SurrogateInputError(f"{self.checkpoint_id} takes no first_epochs (architecture-only model)")
        return np.asarray(darts.encode_yahpo(archs), dtype=np.float64).reshape(len(archs), self._dim)

    def mean_curves(self, features: np.ndarray, metrics: Sequence[str]) -> dict[str, np.ndarray]:
        """Noiseless curves ``{metric: (n, 98) float64}`` of feature rows (see :meth:`features`)."""
        x_cat = np.asarray(features).astype(np.int64)
        raw = self.net.outputs(x_cat, self.evaluated)  # (n, S, 4) float32
        full: dict[str, np.ndarray] = {}

        def output(name: str) -> np.ndarray:
            if name not in full:
                values = raw[:, :, self._column[name]].astype(np.float64)
                weight, offset = self._recon[name]
                curves = row_blocks(values, weight) + offset
                curves[:, self.evaluated - 1] = values
                full[name] = curves
            return full[name]

        out = {}
        for m in metrics:
            info = self._info[m]
            curves = output(info["teacher_output"]) * float(info.get("scale", 1.0))
            if info.get("cumulative"):
                curves = np.cumsum(np.maximum(curves, 0.0), axis=1)
            out[m] = np.clip(curves, *self._ranges[m])
        return out

    def _curves_of(self, features, index, arch_ids, seeds, metrics, noise):
        """Per metric (the checkpoint's own names; :meth:`Ensemble._curves` checks and resolves the asked ones):
        ``(metric, mean (m, E) float64, noisy (n, E) float64 or None)``, as Ensemble's."""
        kind = noise or self.default_noise
        if kind not in NOISE_KINDS:
            raise UnknownNameError(f"noise model of {self.checkpoint_id}", kind, NOISE_KINDS)
        means = self.mean_curves(features, metrics)
        for m in metrics:
            mean, noisy = means[m], None
            if seeds is not None:
                noisy = mean[index]
                p = self._noise.get(m)
                if p is not None:
                    draws = rng.draws(self.checkpoint_id, arch_ids, seeds, m, mean.shape[1])
                    if kind == "gaussian":
                        added = noise_models.gaussian(p["sigma"], draws)
                    else:
                        added = noise_models.kde(p["kde_points"], p["kde_chol"], p["kde_clip"], p["kde_scale"], draws)
                    noisy = np.clip(noisy + added, *self._ranges[m])
            yield m, mean, noisy
