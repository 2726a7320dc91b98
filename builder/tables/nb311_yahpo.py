"""Build ``tables/nb311-yahpo`` from ``nb311-yahpo-v4``, which runs YAHPO Gym's NB301 network itself.

Predicted rows only: ``--archs`` distinct DARTS architectures sampled as NB301 samples them, each
with its noiseless mean and ``--seeds`` noisy curves over 98 epochs. Nothing here is measured:
the curves are a surrogate's (YAHPO's model of the NAS-Bench-301 curves), and the noise was
transferred from other data (see the card). ``--checkpoint checkpoints/nb311-yahpo-x11-v2``
builds the same cells from x11's method distilled from that network.

Example:
    nbx11 build nb311-yahpo                      # the committed default table
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data.builder.tables import surrogate

SPEC = surrogate.SurrogateBenchmark(
    name="nb311-yahpo",
    checkpoint="nb311-yahpo-v4",
    pretty_name="NB311 on CIFAR-10, from YAHPO Gym's NB301 surrogate network",
    summary=("Learning curves of DARTS-space architectures on CIFAR-10 (98 epochs). **A surrogate of a surrogate:**"
             " every mean curve is the output of YAHPO Gym's NB301 network (itself fitted to the real NAS-Bench-301"
             " curves), run in numpy from its copied weights, not a measured run; its seed noise is transferred from"
             " NB201, since the teacher has none. `elapsed_time` is the running sum of `epoch_time`, so it never"
             " decreases."),
    limits=("- No row is measured. The fidelity figures above compare the checkpoint with its teacher (YAHPO's network run"
            " by onnxruntime), not with real training runs; YAHPO's own error against NB301's runs is not in them.\n"
            "- The network runs at 20 of the 98 epochs; the others are filled in by a linear map fitted on teacher"
            " curves of other cells (see the checkpoint's REPORT.md for the Kendall tau of every epoch).\n"
            "- The noise model comes from other data (NB201 seeds, carried over relative to the error rate; see"
            " the checkpoint's REPORT.md), not from DARTS runs. Halfway through training it is several times the"
            " spread between architectures (as in NB201), so the first epochs of one noisy curve say little"
            " about its later epochs: learning-curve methods have little to read here."),
    sample_archs=2000,
)


def add_arguments(parser) -> None:
    surrogate.add_arguments(parser, SPEC)


def build(args, out: Path) -> dict | None:
    return surrogate.build(SPEC, args, out)
