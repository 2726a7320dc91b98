"""Build ``tables/nb311-yahpo`` from the NB311 checkpoint distilled from YAHPO Gym's NB301 surrogate.

Predicted rows only: ``--archs`` distinct DARTS architectures sampled as NB301 samples them, each
with its noiseless mean and ``--seeds`` noisy curves over 98 epochs. Nothing here is measured:
the checkpoint learned from a surrogate (YAHPO's ONNX model of the NAS-Bench-301 curves), and
its noise was transferred from other data (see the card).

Example:
    nbx11 build nb311-yahpo                      # the committed default table
"""

from __future__ import annotations

from pathlib import Path

from nbx11_data.builder.tables import surrogate

SPEC = surrogate.SurrogateBenchmark(
    name="nb311-yahpo",
    checkpoint="nb311-yahpo-v2",
    pretty_name="NB311 on CIFAR-10, distilled from YAHPO Gym's NB301 surrogate",
    summary=("Learning curves of DARTS-space architectures on CIFAR-10 (98 epochs). **A surrogate of a surrogate:**"
             " the checkpoint was trained on curves predicted by YAHPO Gym's NB301 model (itself fitted to the"
             " real NAS-Bench-301 curves), not on measured runs; its seed noise is transferred from other"
             " benchmarks, since the teacher has none."),
    limits=("- No row is measured. Errors of YAHPO's model and of the distillation add up; the figures below"
            " compare the checkpoint with its teacher, not with real training runs.\n"
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
