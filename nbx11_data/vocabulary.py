"""One name and one unit spelling per quantity, in every table; older and x11 names as aliases.

Curve columns are named ``<split>_<quantity>``: splits ``train``, ``valid``, ``test``; quantities
``accuracy`` (unit ``%``), ``loss`` (``nats``), ``score`` (NLP's derived ``100 - valid_loss``, unit
``100 - nats``). Time is ``epoch_time`` (seconds spent in that epoch) and ``elapsed_time`` (seconds since
the start of training, never decreasing). Costs: ``params`` (``M``), ``flops`` (``MFLOPs``), ``latency``
(``s``). ``canonical`` maps any spelling a user, x11's API or an older table used to today's name, and
``resolve`` finds the column of a table that a requested name means. See ``tables/FORMAT.md``.

Example:
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
