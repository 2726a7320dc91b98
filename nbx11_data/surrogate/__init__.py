"""Surrogate runtime: load a checkpoint, predict mean curves, add reproducible noise.

LightGBM checkpoints need lightgbm (imported lazily: ``pip install "nbx11-data[surrogate]"``);
``nb311-yahpo-v4``, which runs YAHPO's NB301 network itself, needs numpy only.

Example:
    >>> from nbx11_data import spaces
    >>> from nbx11_data.surrogate import load_ensemble
    >>> m = load_ensemble("checkpoints/nbnlp11-wt2-v1")
    >>> load_ensemble("nb311-yahpo").checkpoint_id  # by name: the highest version
    'nb311-yahpo-v4'
    >>> archs = spaces.get("nlp").sample(3, seed=0)
    >>> m.predict_batch(archs, seeds=7)["val_score"].shape
    (3, 50)
"""

from __future__ import annotations

from nbx11_data.surrogate.ensemble import Ensemble, SurrogateInputError, load_ensemble

__all__ = ["Ensemble", "SurrogateInputError", "load_ensemble"]
