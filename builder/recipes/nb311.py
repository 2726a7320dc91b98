"""NB311: DARTS learning curves, 98 epochs. Three recipes.

- ``nb311-yahpo`` (v4, a surrogate of a surrogate): the YAHPO NB301 ONNX network itself, its weights
  copied into the checkpoint and run in numpy at 20 epochs with a linear fill-in of the others
  (:mod:`nbx11_data.builder.teacher_copy`); noise as below; ``elapsed_time`` is the running sum of
  the per-epoch ``epoch_time``.
- ``nb311-yahpo-x11`` (v2, x11's method **distilled** from the teacher): 50,000 DARTS architectures drawn
  uniformly as NB301 samples them (``darts.sample(50_000, seed=0)``), labelled by YAHPO Gym's
  NB301 ONNX model (``--source .../yahpo-nb301``): validation accuracy (percent), validation
  cross-entropy and cumulative runtime (s) at epochs 1..98. The teacher has no seed noise, so
  the noise models are fitted to the real seed spread of NB201 CIFAR-10 training mapped onto
  98 epochs (:mod:`nbx11_data.builder.noise_transfer`; it reads ``nats-tss-fixture`` and
  ``nb201-finals`` beside the teacher's folder). After training, the checkpoint is checked
  against the teacher on 2,000 fresh architectures (seed 1, none among the training ones).
- ``nb311``: the original NAS-Bench-301 training data x11 used (``--source`` the folder of
  per-optimizer ``results_*.json``, :mod:`nbx11_data.builder.sources.nb301_results`).

Example:
    >>> from nbx11_data.builder.recipes import get
    >>> get("nb311-yahpo").epochs[-1]
    98
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from nbx11_data.builder import metrics as fidelity
from nbx11_data.builder.fit import DEFAULT_LGB, FitConfig
from nbx11_data.builder.noise_transfer import nb201_spread, to_target
from nbx11_data.builder.recipes import Recipe, TrainingData
from nbx11_data.builder.sources import nb301_results, yahpo
from nbx11_data.builder.teacher_copy import TeacherCopyConfig
from nbx11_data.errors import CorruptFileError
from nbx11_data.io import sha256_file
from nbx11_data.spaces import darts

EPOCHS = 98
N_ARCHS = 50_000
SAMPLE_SEED = 0
HELDOUT_ARCHS = 2_000
HELDOUT_SEED = 1
METRICS = {
    "val_accuracy": {"description": "validation accuracy on CIFAR-10", "unit": "percent", "direction": "max"},
    "val_cross_entropy": {"description": "validation cross-entropy loss", "unit": "nats", "direction": "min"},
    "runtime": {"description": "cumulative training time up to the end of the epoch", "unit": "s",
                "direction": "min"},
}
NB301_METRICS = {
    "val_accuracy": METRICS["val_accuracy"],
    "train_accuracy": {"description": "training accuracy on CIFAR-10", "unit": "percent", "direction": "max"},
}
TEACHER_CITATION = ("Pfisterer et al., YAHPO Gym - An Efficient Multi-Objective Multi-Fidelity Benchmark for "
                    "Hyperparameter Optimization, AutoML-Conf 2022; Siems et al., NAS-Bench-301 and the Case for "
                    "Surrogate Benchmarks for Neural Architecture Search, 2020")
NB201_CITATION = "Dong and Yang, NAS-Bench-201, ICLR 2020; Dong et al., NATS-Bench, TPAMI 2021"
NOISE_SOURCE = ("real seed spread of NB201 CIFAR-10 training relative to each NB201 architecture's mean error rate "
                "(accuracy), loss or time (NATS fixture: 3 architectures x 3 seeds, full curves, for the shape over "
                "epochs; nb201-finals: 3-seed relative spread of the final error of all NB201 architectures with "
                "mean >= 80%, for the level), mapped onto 98 epochs by fraction of training and scaled by the "
                "teacher's mean error rate, loss or time per epoch; the teacher itself is deterministic")

# Bounded tree count (<= 3 x 4 x 250 per metric) for fast whole-curve prediction and a small checkpoint.
# Measured on 2,000 fresh archs (val_accuracy): 3 members x k 6 x up to 600 rounds at lr 0.1 (9,366 trees)
# reached avg/final Kendall tau 0.679/0.637; a single direct final-epoch booster 0.68; ridge on one-hot 0.62.
CONFIG = FitConfig(members=3, max_components=4, num_boost_round=250, early_stopping_rounds=20,
                   lgb_params={**DEFAULT_LGB, "learning_rate": 0.15, "num_leaves": 63, "min_data_in_leaf": 20})


def _noise_root(source: Path) -> Path:
    root = source.parent
    for name in ("nats-tss-fixture", "nb201-finals"):
        if not (root / name).is_dir():
            raise CorruptFileError(f"{root / name}: missing; nb311-yahpo takes its noise model from real NB201 "
                                   "multi-seed runs kept beside the yahpo-nb301 folder")
    return root


def prepare_yahpo(source, n_archs: int = N_ARCHS) -> TrainingData:
    """Label ``n_archs`` sampled architectures with the teacher; noise spread from NB201."""
    source = Path(source)
    teacher = yahpo.Teacher(source)
    root = _noise_root(source)
    archs = darts.sample(n_archs, seed=SAMPLE_SEED)
    started = time.perf_counter()
    curves = teacher.curves(archs, metrics=tuple(METRICS))
    seconds = round(time.perf_counter() - started, 1)
    spread = nb201_spread(root, EPOCHS)
    population = {"accuracy": curves["val_accuracy"].mean(axis=0), "loss": curves["val_cross_entropy"].mean(axis=0),
                  "time": curves["runtime"].mean(axis=0)}
    target = to_target(spread, population)
    noise = {"val_accuracy": target["accuracy"], "val_cross_entropy": target["loss"], "runtime": target["time"]}
    provenance = {
        "source": "yahpo-nb301 (teacher; this checkpoint is distilled from it: a surrogate of a surrogate)",
        "file": yahpo.MODEL, "sha256": teacher.sha256, "license": "Apache-2.0",
        "origin": "GitHub slds-lmu/yahpo_data, branch v2_final, nb301/", "citation": TEACHER_CITATION,
        "runs_read": n_archs, "distilled": True,
        "sampling": f"nbx11_data.spaces.darts.sample({n_archs}, seed={SAMPLE_SEED}) (NB301's uniform sampling)",
        "teacher_rows": n_archs * EPOCHS, "teacher_seconds": seconds,
        "noise_data": {"source": "nats-tss-fixture + nb201-finals (NAS-Bench-201, MIT)", "citation": NB201_CITATION,
                       "files": {p.name: sha256_file(p) for p in sorted((root / "nats-tss-fixture").glob("0*.pbz2"))
                                 + [root / "nb201-finals" / "cifar10.pkl"]},
                       **spread["info"]},
    }
    notes = [
        f"distilled: every training curve is the YAHPO NB301 teacher's output ({n_archs} x {EPOCHS} rows in "
        f"{seconds} s), not a measured run; figures below measure agreement with the teacher, not with real training",
        f"noise: {NOISE_SOURCE}; NB201 records identical train times for its seeds, so runtime carries no noise",
        "test-split KL divergence is n/a (the teacher has one curve per architecture); the spike threshold comes "
        "from the teacher's smooth curves, so the spike-anomaly rate is an upper bound, not comparable to x11's",
    ]
    return TrainingData([darts.format(a) for a in archs], curves, [], provenance, notes, noise, NOISE_SOURCE)


def prepare_teacher(source) -> TrainingData:
    """What ``nb311-yahpo`` records about its teacher: no runs (the teacher's network is the data)."""
    source = Path(source)
    teacher_file = source / yahpo.MODEL
    if not teacher_file.is_file():
        raise CorruptFileError(f"{teacher_file}: not found; --source must be the yahpo-nb301 folder")
    root = _noise_root(source)
    provenance = {
        "source": "yahpo-nb301 (teacher; this checkpoint runs its network: a surrogate of a surrogate)",
        "file": yahpo.MODEL, "sha256": sha256_file(teacher_file), "license": "Apache-2.0",
        "origin": "YAHPO Gym, GitHub slds-lmu/yahpo_data, branch v2_final, nb301/", "citation": TEACHER_CITATION,
        "distilled": False,
        "noise_data": {"source": "nats-tss-fixture + nb201-finals (NAS-Bench-201, MIT)", "citation": NB201_CITATION,
                       "files": {p.name: sha256_file(p) for p in sorted((root / "nats-tss-fixture").glob("0*.pbz2"))
                                 + [root / "nb201-finals" / "cifar10.pkl"]}},
    }
    notes = ["no curve here is a measured run: every mean curve is the YAHPO NB301 network's output, run in numpy"
             " from its copied weights; the figures measure agreement with that network, not with real training",
             f"noise: {NOISE_SOURCE}; NB201 records identical train times for its seeds, so times carry no noise"]
    return TrainingData([], {}, [], provenance, notes)


def heldout_vs_teacher(ensemble, source, train_ids, n_archs: int = HELDOUT_ARCHS) -> dict:
    """Fidelity of the noiseless mean against the teacher on fresh architectures (none used in training)."""
    fresh = [a for a in darts.sample(n_archs + 50, seed=HELDOUT_SEED) if darts.arch_id(a) not in train_ids][:n_archs]
    truth = yahpo.Teacher(source).curves(fresh, metrics=ensemble.metrics)
    predicted = ensemble.predict_batch(fresh)
    out = {m: fidelity.curve_fidelity(truth[m], predicted[m].astype(np.float64)) for m in ensemble.metrics}
    out["about"] = (f"{len(fresh)} fresh DARTS architectures (darts.sample seed {HELDOUT_SEED}, none among the "
                    "training architectures) against the YAHPO teacher; the floors asked of it (average Kendall "
                    "tau >= 0.9, final R^2 >= 0.9 for val_accuracy) apply here")
    return out


def prepare_nb301(source) -> TrainingData:
    """The original NB301 ``results_*.json`` folder, as x11 trains NB311."""
    source = Path(source)
    if not source.is_dir():
        raise CorruptFileError(f"{source}: not a folder; expected NAS-Bench-301's folder of results_*.json files")
    loaded = nb301_results.load(source)
    provenance = {"source": "NAS-Bench-301 training data (results_*.json)", "file": source.name,
                  "sha256": "n/a (a folder)", "license": "Apache-2.0", "origin": "NAS-Bench-301 (figshare)",
                  "citation": TEACHER_CITATION.split("; ")[1], "runs_read": loaded.files}
    notes = [f"{loaded.padded} curves shorter than {EPOCHS} epochs extended with their last value (as x11)"]
    return TrainingData(loaded.archs, loaded.curves, loaded.excluded, provenance, notes)


#: where a lookup runs the teacher: the first epochs densely, then about every 7 epochs (picked on the fit cells'
#: own teacher curves; 28 geometric epochs with an SVD basis did worse at the late epochs)
EVALUATED_EPOCHS = (1, 2, 3, 4, 6, 8, 10, 13, 17, 24, 32, 39, 46, 54, 61, 69, 76, 83, 91, 98)
TEACHER_METRICS = {
    "valid_accuracy": {"description": "validation accuracy on CIFAR-10 (the teacher's val_accuracy)", "unit": "%",
                       "direction": "max", "teacher_output": "val_accuracy", "scale": 100.0, "noise_from": "accuracy"},
    "valid_loss": {"description": "validation cross-entropy loss (the teacher's val_cross_entropy)", "unit": "nats",
                   "direction": "min", "teacher_output": "val_cross_entropy", "noise_from": "loss"},
    "elapsed_time": {"description": "cumulative training time up to the end of the epoch: the running sum of"
                                    " epoch_time, never decreasing", "unit": "s", "direction": "min",
                     "teacher_output": "runtime_increase", "cumulative": True},
    "epoch_time": {"description": "training time of this epoch (the teacher's runtime_increase)", "unit": "s",
                   "direction": "min", "teacher_output": "runtime_increase"},
}

_COMMON = dict(space="darts", dataset="cifar10", epochs=list(range(1, EPOCHS + 1)), config=CONFIG,
               x11_reference={"benchmark": "NB311", "avg_kendall_tau": 0.728, "final_kendall_tau": 0.788})

RECIPES = [
    # version 4: exact matrix products (the same bits on every CPU, for any batch); v3 ran float32 BLAS
    # products, whose last bits depended on the CPU's BLAS kernel and on a row's place in its batch
    Recipe(name="nb311-yahpo", version=4, metrics=TEACHER_METRICS, prepare=prepare_teacher,
           description="NB311 from the YAHPO NB301 surrogate's own network (a surrogate of a surrogate), run in"
                       " numpy from its copied weights; noise from real NB201 seeds",
           data_differences="x11's NB311 was fitted to ~60k real NB301 training runs (with their seed noise); this"
                            " one runs the YAHPO teacher itself (a model of those runs), with transferred seed noise",
           **{**_COMMON, "config": TeacherCopyConfig(EVALUATED_EPOCHS), "x11_reference": {}}),
    # x11's method (SVD + LightGBM) distilled from the teacher; was nb311-yahpo v2.
    # version 2: noise carried over from NB201 relative to the error rate / loss (v1 added NB201's absolute
    # deviations, which drowned the DARTS curves halfway through training and passed 100% accuracy)
    Recipe(name="nb311-yahpo-x11", version=2, metrics=METRICS, prepare=prepare_yahpo, heldout_check=heldout_vs_teacher,
           description="x11's method (SVD + LightGBM) distilled from the teacher: NB311 distilled from the YAHPO NB301 surrogate (a surrogate of a surrogate), "
                       "noise from real NB201 seeds",
           data_differences="x11's NB311 was fitted to ~60k real NB301 training runs (with their seed noise); "
                            "this one is fitted to the YAHPO teacher's noiseless curves on 50,000 uniformly sampled "
                            "architectures, so its Kendall tau measures agreement with the teacher, which is "
                            "itself a model of the real NB301 runs", **_COMMON),
    Recipe(name="nb311", version=1, metrics=NB301_METRICS, prepare=prepare_nb301,
           description="NB311 on the original NAS-Bench-301 training data",
           data_differences="the same data as x11's NB311 when --source is NB301's results folder", **_COMMON),
]
