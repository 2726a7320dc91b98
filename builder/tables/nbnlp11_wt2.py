"""Build ``tables/nbnlp11-wt2`` from the NB-NLP11 WikiText-2 checkpoint (sampled cells + every real run).

Predicted rows: ``--archs`` distinct cells from NAS-Bench-NLP's generator (those x11's encoding
holds), each with its noiseless mean and ``--seeds`` noisy curves of ``valid_score`` (derived:
100 - valid_loss), ``train_loss`` and ``epoch_time`` (the checkpoint's ``val_score`` etc. under today's
names, :mod:`nbx11_data.vocabulary`). Measured rows (``--source``): every complete real run of the
300 WikiText-2 logs the checkpoint was trained on, with ``params`` (millions).

Example:
    nbx11 build nbnlp11-wt2 --source ../shared/data        # the committed default table
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data.builder.tables import surrogate
from nbx11_data.table_format import Column


def _params(path: Path) -> dict:
    """``{canonical arch: {"params": millions}}`` of every complete run in the logs (which count parameters)."""
    from nbx11_data.builder.sources import nbnlp

    return {run.arch: {"params": run.costs["num_params"] / 1e6} for run in nbnlp.load(path).runs
            if "num_params" in run.costs}


SPEC = surrogate.SurrogateBenchmark(
    name="nbnlp11-wt2",
    checkpoint="nbnlp11-wt2-v1",
    pretty_name="NB-NLP11 on WikiText-2 (surrogate + measured)",
    summary=("Learning curves of NAS-Bench-NLP recurrent cells on WikiText-2 (50 epochs): `valid_score`"
             " (derived: 100 - validation loss in nats, NAS-Bench-x11's NLP target), `train_loss` and `epoch_time`."),
    limits=("- The checkpoint learned from only the 297 complete public WikiText-2 runs (235 architectures);"
            " its test-split figures carry wide error bars (24 test architectures).\n"
            "- Sampled cells are drawn from NAS-Bench-NLP's generator restricted to cells of at most 8 nodes,"
            " as x11 sampled them; measured rows include larger cells too. Diverged runs (`loss is nan!`) are"
            " left out.\n"
            "- `params` is known for measured rows only (NULL for predicted rows)."),
    sample_archs=2000,
    sample_kwargs={"encodable": True},
    measured=True,
    costs=(Column("params", "cost", "M", "min", "trainable parameters of the whole model, millions (measured rows)"),),
    measured_costs=_params,
)


def add_arguments(parser) -> None:
    surrogate.add_arguments(parser, SPEC)


def build(args, out: Path) -> dict | None:
    return surrogate.build(SPEC, args, out)
