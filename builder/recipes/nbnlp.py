"""NB-NLP11 on the real NAS-Bench-NLP WikiText-2 logs (or x11's PTB ``nb_nlp.pickle``).

Two variants like NAS-Bench-x11: ``nbnlp11-wt2`` predicts from the architecture only;
``nbnlp11-wt2-lc3`` also takes the first 3 epochs of ``val_score`` and their 2 successive
differences (the early slope) as features. Architectures are
encoded by ``nlp.encode(archs, kind="stats")`` (graph statistics of any cell; recorded in the
checkpoint as ``features.encoding_kind``), not x11's encoding, which holds only cells of at most
8 nodes and would drop 89 of the 297 complete runs.
Metrics: ``val_score`` = 100 - validation log-perplexity (x11's NLP target), ``train_loss``,
and ``epoch_time`` (seconds per epoch, from ``wall_times``, when the source has it per epoch).

Example:
    >>> from nbx11_data.builder.recipes import get
    >>> get("nbnlp11-wt2-lc3").first_epochs
    {'metric': 'val_score', 'count': 3, 'differences': True}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nbx11_data.builder.recipes import Recipe, TrainingData
from nbx11_data.builder.sources import nbnlp
from nbx11_data.errors import CorruptFileError
from nbx11_data.io import sha256_file

EPOCHS = 50
METRICS = {
    "val_score": {"description": "100 - validation loss (log-perplexity), as NAS-Bench-x11's NLP target",
                  "unit": "100 - nats/token", "direction": "max", "from": "val_losses"},
    "train_loss": {"description": "training loss (log-perplexity)", "unit": "nats/token", "direction": "min",
                   "from": "train_losses"},
    "epoch_time": {"description": "wall-clock training time of the epoch", "unit": "s", "direction": "min",
                   "from": "wall_times"},
}
_SOURCES = {
    ".zip": {"source": "nbnlp-wt2", "license": "Apache-2.0",
             "origin": "GitHub fmsnew/nas-bench-nlp-release, train_logs_wikitext-2/logs.zip (commit a6d90a3)"},
    ".pickle": {"source": "nb_nlp.pickle (NAS-Bench-x11 / NASLib, PTB)", "license": "Apache-2.0",
                "origin": "NAS-Bench-x11 data folder"},
}
CITATION = ("Klyuchnikov et al., NAS-Bench-NLP: Neural Architecture Search Benchmark for Natural Language "
            "Processing, IEEE Access 2022; Yan et al., NAS-Bench-x11 and the Power of Learning Curves, NeurIPS 2021")


def prepare(source, trust: bool = False) -> TrainingData:
    """Load the logs, keep complete runs, and turn them into per-metric curve matrices.

    x11's ``nb_nlp.pickle`` has no known hash, so it is unpickled only with ``trust=True``.
    """
    path = Path(source)
    if not path.is_file():
        raise CorruptFileError(f"{path}: not found; expected a NAS-Bench-NLP logs.zip or x11's nb_nlp.pickle")
    logs = nbnlp.load(path, epochs=EPOCHS, trust=trust)
    runs = logs.runs
    notes = []
    curves = {"val_score": 100.0 - np.array([r.curves["val_loss"] for r in runs]),
              "train_loss": np.array([r.curves["train_loss"] for r in runs])}
    if all("epoch_time" in r.curves for r in runs):
        curves["epoch_time"] = np.array([r.curves["epoch_time"] for r in runs])
    else:
        notes.append("epoch_time left out: the source has no per-epoch wall_times for every run")
    kind = _SOURCES[".zip" if path.suffix == ".zip" else ".pickle"]
    provenance = {**kind, "file": path.name, "sha256": sha256_file(path), "citation": CITATION,
                  "runs_read": len(runs) + len(logs.excluded)}
    return TrainingData([r.arch for r in runs], curves, logs.excluded, provenance, notes)


_DIFFERENCES = (
    "x11's NB-NLP11 was trained on the NAS-Bench-NLP PTB logs (about 14k runs) with x11's fixed-size encoding, "
    "which keeps cells of at most 8 nodes; this checkpoint is trained on the 300 public WikiText-2 logs with "
    "architecture statistics (nlp.encode(kind='stats')) that every cell has, so every complete run is kept; its "
    "test split still has only 24 architectures, so its figures carry wide error bars."
)
#: chosen by 5-fold cross-validation (2 repeats) on train+validation: final Kendall tau of val_score
#: 0.16 with x11's encoding (cells <= 8 nodes only) vs 0.48 with the statistics (all cells; 0.47 on
#: the cells <= 8 nodes). With the first 3 epochs: 0.72 (x11) vs 0.76 (statistics), 0.79 with the
#: epochs' differences added. See REPORT.md and docs/studies/cv_nbnlp11.py.
ENCODING = "stats"
_COMMON = dict(version=1, space="nlp", dataset="wikitext-2", metrics=METRICS, epochs=list(range(1, EPOCHS + 1)),
               prepare=prepare, data_differences=_DIFFERENCES, encoding=ENCODING)

RECIPES = [
    Recipe(name="nbnlp11-wt2", description="NB-NLP11 (architecture only) on the NAS-Bench-NLP WikiText-2 logs",
           x11_reference={"benchmark": "NB-NLP11", "avg_kendall_tau": 0.449, "final_kendall_tau": 0.416}, **_COMMON),
    Recipe(name="nbnlp11-wt2-lc3",
           description="NB-NLP11 (architecture + first 3 epochs of val_score) on the NAS-Bench-NLP WikiText-2 logs",
           first_epochs={"metric": "val_score", "count": 3, "differences": True},
           x11_reference={"benchmark": "NB-NLP11, first 3 epochs as features", "avg_kendall_tau": 0.862,
                          "final_kendall_tau": 0.820}, **_COMMON),
]
