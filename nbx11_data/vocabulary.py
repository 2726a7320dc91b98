"""One name and one unit spelling per quantity, in every table; older and x11 names as aliases.

Curve columns are named ``<split>_<quantity>``: splits ``train``, ``valid``, ``test``; quantities
``accuracy`` (unit ``%``), ``loss`` (``nats``), ``score`` (NLP's derived ``100 - valid_loss``, unit
``100 - nats``). Time is ``epoch_time`` (seconds spent in that epoch) and ``elapsed_time`` (seconds since
the start of training, never decreasing). Costs: ``params`` (``M``), ``flops`` (``MFLOPs``), ``latency``
(``s``). ``canonical`` maps any spelling a user, x11's API or an older table used to today's name, and
``resolve`` finds the column of a table that a requested name means. See ``tables/FORMAT.md``.

``canonical_unit`` does the same for unit spellings, ``is_today`` tells whether a column name is one
of today's, and ``column_meta`` gives the unit and description a column gets in a table built today.

Example:
    >>> canonical_unit("percent"), canonical_unit("nats/token"), is_today("valid_acc_final")
    ('%', 'nats', False)
    >>> canonical("val_accuracy"), canonical("valid_acc"), canonical("runtime")
    ('valid_accuracy', 'valid_accuracy', 'elapsed_time')
    >>> resolve("valid_accuracy", ["val_accuracy", "runtime"])  # a table built before the rename
    'val_accuracy'
    >>> resolve("val_accuracy", ["valid_accuracy", "elapsed_time"])
    'valid_accuracy'
"""

from __future__ import annotations

from typing import Iterable

UNITS = {"accuracy": "%", "loss": "nats", "score": "100 - nats", "time": "s"}

ALIASES = {
    # NAS-Bench-201 / NATS names of schema 1 tables
    "train_acc": "train_accuracy",
    "valid_acc": "valid_accuracy",
    "test_acc": "test_accuracy",
    "train_time": "elapsed_time",
    # NAS-Bench-301 / x11 nb311 and EC-NAS nb101 names
    "val_accuracy": "valid_accuracy",
    "val_acc": "valid_accuracy",
    "val_cross_entropy": "valid_loss",
    "val_loss": "valid_loss",
    "runtime": "elapsed_time",
    "runtime_increase": "epoch_time",
    # NAS-Bench-NLP / x11 nbnlp names
    "val_score": "valid_score",
    "num_params": "params",
}


UNIT_ALIASES = {
    "percent": "%",
    "cross-entropy": "nats",
    "nats/token": "nats",
    "100 - nats/token": "100 - nats",
    "seconds": "s",
}

SPLITS = ("train", "valid", "test")
CURVES = (*(f"{split}_{quantity}" for split in SPLITS for quantity in ("accuracy", "loss")),
          "valid_score", "epoch_time", "elapsed_time")
COSTS = {"params": "M", "flops": "MFLOPs", "latency": "s"}
IDENTITY = ("arch_id", "arch", "arch_index", "seed", "budget", "source", "dataset")
FINAL_SUFFIX = "_final"
#: descriptions a column gets whatever its source called it (a derived quantity says it is derived)
DESCRIPTIONS = {
    "valid_score": "derived: 100 - valid_loss (validation loss in nats, i.e. log-perplexity), NAS-Bench-x11's NLP"
                   " target; higher is better",
}


def canonical(name: str) -> str:
    """Today's name of the quantity ``name`` (itself when it is already today's name or unknown)."""
    return ALIASES.get(name, name)


def resolve(name: str, columns: Iterable[str]) -> str | None:
    """The column among ``columns`` that ``name`` means (exact name first, then by alias); None if none."""
    columns = list(columns)
    if name in columns:
        return name
    wanted = canonical(name)
    return next((column for column in columns if canonical(column) == wanted), None)


def canonical_unit(unit: str | None) -> str | None:
    """Today's spelling of ``unit`` (itself when it already is, or unknown; None stays None)."""
    return UNIT_ALIASES.get(unit, unit) if unit is not None else None


def is_today(name: str) -> bool:
    """Whether column ``name`` (a curve, its ``_final``, a cost or an identity column) is one of today's names."""
    base = name[: -len(FINAL_SUFFIX)] if name.endswith(FINAL_SUFFIX) and name[: -len(FINAL_SUFFIX)] in CURVES else name
    return base in CURVES or base in COSTS or base in IDENTITY


def column_meta(name: str, unit: str | None, description: str) -> tuple[str, str | None, str]:
    """(name, unit, description) of a column that a source or checkpoint calls ``name``, as a table built today
    holds it: the name through :func:`canonical`, the unit through :func:`canonical_unit`.

    Example:
        >>> column_meta("val_score", "100 - nats/token", "100 - validation loss")[:2]
        ('valid_score', '100 - nats')
    """
    today = canonical(name)
    return today, canonical_unit(unit), DESCRIPTIONS.get(today, description)
