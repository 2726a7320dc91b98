"""Surrogate runtime: load a checkpoint, predict mean curves, add reproducible noise.

Needs numpy and lightgbm (imported lazily: ``pip install "nbx11-data[surrogate]"``).

Example:
    >>> from nbx11_data.surrogate import load_ensemble
    >>> m = load_ensemble("checkpoints/nbnlp11-wt2-v1")  # doctest: +SKIP
    >>> m.predict_batch(archs, seeds=7)["val_score"].shape  # doctest: +SKIP
    (len(archs), 50)
"""

from __future__ import annotations

from nbx11_data.surrogate.ensemble import Ensemble, SurrogateInputError, load_ensemble

__all__ = ["Ensemble", "SurrogateInputError", "load_ensemble"]
