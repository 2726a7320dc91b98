"""Loaders for the original source formats, one module each (build time only; they may unpickle).

Every loader yields :class:`Run` records or returns arrays keyed by the
NB201 ``arch_index``; the table builders in :mod:`nbx11_data.builder.tables`
turn them into rows.

Example:
    >>> run = Run("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "cifar100", 777, 200,
    ...           {"valid_acc": [10.0, 11.0]}, {"params": 0.1})
    >>> run.key
    ('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'cifar100', 777, 200)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Run:
    """One training run: per-epoch values from epoch 1 (NaN = not measured) and per-architecture costs."""

    arch: str
    dataset: str
    seed: int | None
    budget: int
    curves: dict = field(default_factory=dict)  # metric -> sequence of floats, epoch 1..len
    costs: dict = field(default_factory=dict)  # cost column -> float

    @property
    def key(self) -> tuple:
        return (self.arch, self.dataset, self.seed, self.budget)
