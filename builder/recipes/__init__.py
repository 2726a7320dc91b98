"""Training recipes: what to train a checkpoint on, and how. ``get(name)`` finds one.

A recipe is a :class:`Recipe`: the search space, the metrics and epoch axis, a ``prepare``
function that turns ``--source PATH`` into :class:`TrainingData` (one row per run, canonical
architecture strings, curves per metric), optional first-epoch features, the
:class:`~nbx11_data.builder.fit.FitConfig`, and the NAS-Bench-x11 figures to compare with.

Adding a recipe (e.g. NB311 or NB111):

1. write ``builder/recipes/<module>.py`` defining ``RECIPES = [Recipe(...), ...]`` (a source
   loader goes in ``builder/sources/``);
2. add ``"<recipe name>": "<module>"`` to :data:`REGISTRY` below;
3. ``nbx11 train <recipe name> --source PATH`` writes ``checkpoints/<name>-v<version>/``.

Example:
    >>> get("nbnlp11-wt2").space
    'nlp'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nbx11_data.builder.fit import FitConfig
from nbx11_data.errors import UnknownNameError

#: recipe name -> module under nbx11_data.builder.recipes that defines it
REGISTRY = {
    "nbnlp11-wt2": "nbnlp",
    "nbnlp11-wt2-lc3": "nbnlp",
    "nb311-yahpo": "nb311",
    "nb311-yahpo-x11": "nb311",
    "nb311": "nb311",
    "nb111-ec4": "nb111",
}


@dataclass
class TrainingData:
    """Runs to train on: ``archs[i]`` (canonical string) has curves ``curves[metric][i]``."""

    archs: list[str]
    curves: dict[str, np.ndarray]  # metric -> (n_runs, E)
    excluded: list[dict]  # runs left out: {"name", "reason"}
    provenance: dict  # source, file, sha256, license, citation, ...
    notes: list[str] = field(default_factory=list)
    # for sources without seed noise (a distilled teacher): seed-deviation vectors (r, E) per metric,
    # taken from other real multi-seed runs, and a line saying where they come from
    noise_spread: dict[str, np.ndarray] | None = None
    noise_source: str = ""


@dataclass
class Recipe:
    """How to train one checkpoint (see the module docstring)."""

    name: str
    version: int
    space: str
    dataset: str
    description: str
    metrics: dict[str, dict]  # name -> {"description", "unit", "direction"}
    epochs: list[int]
    prepare: Callable[[str], TrainingData]
    config: FitConfig = field(default_factory=FitConfig)
    first_epochs: dict | None = None  # {"metric": name, "count": n[, "differences": True]}: observed first epochs as features
    encoding: str | None = None  # the space's encode(archs, kind=encoding); None: its default encode(archs)
    split_seed: int = 0
    x11_reference: dict = field(default_factory=dict)  # {"benchmark", "avg_kendall_tau", "final_kendall_tau"}
    data_differences: str = ""
    # optional extra check after training: (ensemble, source) -> {metric: curve_fidelity dict, "about": str}
    heldout_check: Callable | None = None

    @property
    def checkpoint_name(self) -> str:
        return f"{self.name}-v{self.version}"


def names() -> list[str]:
    return sorted(REGISTRY)


def get(name: str) -> Recipe:
    """The recipe called ``name``."""
    if name not in REGISTRY:
        raise UnknownNameError("recipe", name, REGISTRY)
    module = importlib.import_module(f"nbx11_data.builder.recipes.{REGISTRY[name]}")
    return {recipe.name: recipe for recipe in module.RECIPES}[name]
