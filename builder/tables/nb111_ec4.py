"""Build ``tables/nb111-ec4`` from the NB111 checkpoint trained on the real EC-NAS-Bench runs (4 epochs).

Architectures: ``--archs`` distinct NAS-Bench-101 graphs drawn uniformly from all 423,624 (the
committed default), or ``--max-vertices V`` for every graph of at most V vertices (7: the whole
space). ``arch_index`` is the position in NB101's enumeration, rows are in that order. With
``--source`` every graph of the training data (all 2,532 graphs of at most 5 vertices) is a
``measured`` row with its real run instead of a prediction. Epoch axis 1..4; the checkpoint predicts
epochs 2 and 4 (NaN at 1 and 3).

Example:
    nbx11 build nb111-ec4 --source ../shared/data                      # the committed default table
    nbx11 build nb111-ec4 --source ../shared/data --max-vertices 7 --jobs 2 --out /data/nb111-ec4-full
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data.builder.tables import surrogate

SPEC = surrogate.SurrogateBenchmark(
    name="nb111-ec4",
    checkpoint="nb111-ec4-v1",
    pretty_name="NB111 on CIFAR-10, 4-epoch budget (EC-NAS-Bench runs + surrogate)",
    summary=("Learning curves of NAS-Bench-101 cells on CIFAR-10 under EC-NAS-Bench's 4-epoch budget, evaluated at"
             " epochs 2 and 4: validation, training and test accuracy and cumulative training time."),
    limits=("- The checkpoint's training data cover graphs of at most 5 vertices only; predictions for 6- and"
            " 7-vertex graphs (most of the space) are extrapolations no training run checks.\n"
            "- Epochs 1 and 3 are NaN (not predicted, not measured); the axis follows the 4-epoch budget.\n"
            "- Measured graphs have one run each (`seed` 0; `seed` NULL = that run)."),
    sample_archs=10000,
    enumerable=True,
    max_vertices=7,
    measured=True,
)


def add_arguments(parser) -> None:
    surrogate.add_arguments(parser, SPEC)


def build(args, out: Path) -> dict | None:
    return surrogate.build(SPEC, args, out)
