"""Build a benchmark table from a surrogate checkpoint: plan -> work units -> shards + manifest.

1. **Plan** (:mod:`.plan`): the architectures, in table order: the space enumerated (``--max-vertices``)
   or ``--archs N`` distinct ones sampled with ``--sample-seed S``, plus (``--source``) every real
   architecture of the checkpoint's training data as ``source = measured`` rows.
2. **Units** (:mod:`.units`, run by :mod:`.execute`): ``--unit-archs`` architectures each, computed in
   batches (``--jobs`` processes, or ``--scheduler`` a Dask cluster) and stored atomically in a work folder
   named by the plan's hash.
   ``--shard i/N`` computes only units ``u`` with ``u % N == i`` (one job of an array); units already
   stored are skipped, so a killed build resumes where it stopped.
3. **Assembly**: the units, in order, become ``data/part-<i>-of-<n>.parquet`` (a fixed number of
   rows per shard, from the row width only), then the dataset card and ``manifest.json`` (written last;
   the old manifest is removed first). Runs automatically after a build without ``--shard``; after a job
   array, ``--assemble`` with the same options. The work folder is removed afterwards unless another
   build holds it (:mod:`.lock`).

The same options and checkpoint give the same rows, whatever ``--jobs`` or ``--shard``.

Example:
    nbx11 build nbnlp11-wt2 --source ../shared/data                 # the committed default table
    nbx11 build nb111-ec4 --max-vertices 7 --jobs 2 --out /data/nb111-ec4-full
    nbx11 build nb111-ec4 --max-vertices 7 --scheduler tcp://HOST:8786 --out /data/nb111-ec4-full
    nbx11 build nb111-ec4 --max-vertices 7 --shard 3/50 --work /shared/work   # job 3 of 50; then --assemble
"""

from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nbx11_data import locations, manifest as manifest_io, spaces
from nbx11_data.builder.shards import shard_table, write_card_and_manifest, write_shard
from nbx11_data.builder.tables.plan import Entry, Plan
from nbx11_data.builder.tables.surrogate_card import render_card
from nbx11_data.builder.tables.execute import build_units, unit_rows
from nbx11_data.builder.tables.lock import work_lock
from nbx11_data.builder.tables.units import Layout, read_unit, unit_path
from nbx11_data.errors import CorruptFileError, UnknownNameError
from nbx11_data.io import sha256_file
from nbx11_data.surrogate import checkpoint as ck_format
from nbx11_data.table_format import Column

SHARD_TARGET_BYTES = 48 * 1024 * 1024  # decoded bytes per shard; Parquet files stay well under 64 MB
UNIT_ARCHS = 1024
SEEDS = 5


@dataclass(frozen=True)
class SurrogateBenchmark:
    """A benchmark built from a checkpoint: its name, selection defaults, cost columns and card prose."""

    name: str
    checkpoint: str  # folder name under checkpoints/
    pretty_name: str
    summary: str
    limits: str
    sample_archs: int | None = None  # default --archs; None: enumerate the space
    sample_kwargs: dict = field(default_factory=dict)
    enumerable: bool = False  # offers --max-vertices: enumerate the space (NB101) instead of sampling
    max_vertices: int | None = None  # default --max-vertices when the space is not sampled by default
    measured: bool = False  # the training data are real runs: --source adds them as measured rows
    costs: tuple[Column, ...] = ()
    measured_costs: object = None  # callable(path) -> {canonical arch: {cost: value}}


def add_arguments(parser, spec: SurrogateBenchmark) -> None:
    """The options of ``nbx11 build <spec.name>``."""
    parser.add_argument("--checkpoint", help=f"checkpoint folder (default: checkpoints/{spec.checkpoint})")
    if spec.measured:
        parser.add_argument("--source", help="the checkpoint's training data file, or a folder holding it directly"
                                             " or one folder down (e.g. ../shared/data): adds its real runs as"
                                             " source = measured rows")
    if spec.sample_archs is not None:
        parser.add_argument("--archs", type=int, default=spec.sample_archs,
                            help=f"distinct sampled architectures (default {spec.sample_archs})")
        parser.add_argument("--sample-seed", type=int, default=0, help="sampling seed (default 0)")
    if spec.enumerable:
        parser.add_argument("--max-vertices", type=int, default=None if spec.sample_archs else spec.max_vertices,
                            help="enumerate every graph of at most this many vertices instead of sampling"
                                 " (7: the whole space)")
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"noisy seeds 0..K-1 per architecture (default {SEEDS})")
    parser.add_argument("--unit-archs", type=int, default=UNIT_ARCHS,
                        help=f"architectures per work unit (default {UNIT_ARCHS}; part of the build's identity)")
    parser.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    parser.add_argument("--scheduler", help="address of a Dask scheduler (e.g. tcp://host:8786): its workers compute"
                                            " the units, this process stores them and assembles the table"
                                            " (needs the dask extra)")
    parser.add_argument("--shard", help="i/N: compute only work units u with u %% N == i, then stop")
    parser.add_argument("--assemble", action="store_true", help="only assemble stored units into the table")
    parser.add_argument("--work", help="folder of the work units (default: .<NAME>.build beside the output)")
    parser.add_argument("--keep-units", action="store_true", help="keep the work units after assembly")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def build(spec: SurrogateBenchmark, args, out: Path) -> dict | None:
    """Run ``nbx11 build`` for ``spec``: returns the manifest, or None after a ``--shard`` part."""
    folder = Path(args.checkpoint) if getattr(args, "checkpoint", None) else locations.find_checkpoint(spec.checkpoint)
    checkpoint = ck_format.read(folder)
    layout = Layout.from_checkpoint(checkpoint.meta, spec.name, list(spec.costs))
    seeds = _seeds(args.seeds)
    plan, measured_from = make_plan(spec, checkpoint, args)
    default_work = not getattr(args, "work", None)
    work = (out.parent / f".{out.name}.build" if default_work else Path(args.work)) / plan.key[:16]
    shard = _parse_shard(getattr(args, "shard", None))
    if shard is not None and getattr(args, "assemble", False):
        raise UnknownNameError("combination of options", "--shard with --assemble", ["one of them"])
    with work_lock(work) as held:
        if not getattr(args, "assemble", False):
            stats = build_units(plan, layout, seeds, folder, work, shard=shard, jobs=args.jobs,
                                progress=not getattr(args, "no_progress", False),
                                scheduler=getattr(args, "scheduler", None))
            print(_describe(stats), file=sys.stderr)
            if shard is not None:
                print(f"{spec.name}: part {shard[0]}/{shard[1]} stored in {work}; after every part, run the same"
                      " command with --assemble instead of --shard", file=sys.stderr)
                return None
        manifest = assemble(spec, plan, layout, seeds, checkpoint, work, out, measured_from,
                            command=_command(spec, args))
        if getattr(args, "keep_units", False):
            return manifest
        if not held.remove_if_unused():
            print(f"kept the work units in {work}: another build uses them", file=sys.stderr)
    if default_work:
        with contextlib.suppress(OSError):  # the default work folder's parent, once no build uses it
            work.parent.rmdir()
    return manifest


def make_plan(spec: SurrogateBenchmark, checkpoint, args) -> tuple[Plan, dict | None]:
    """The plan of ``args``, and the training-data record when measured rows come from ``--source``."""
    meta = checkpoint.meta
    space = spaces.get(meta["space"])
    params = {"benchmark": spec.name, "checkpoint": meta["checkpoint_id"], "seeds": args.seeds,
              "checkpoint_json_sha256": sha256_file(Path(checkpoint.folder) / ck_format.MANIFEST)}
    source = getattr(args, "source", None)
    measured, record = [], None
    if source is not None:
        path, record = training_file(meta, Path(source))
        measured = measured_entries(spec, meta, space, path)
        params["measured"] = {"file": record["file"], "sha256": record["sha256"]}
    if getattr(args, "max_vertices", None) is not None or spec.sample_archs is None:
        kwargs = {} if args.max_vertices is None else {"max_vertices": args.max_vertices}
        return Plan.enumerated(space, kwargs, args.unit_archs, measured, params), record
    index = {space.format(a): i for i, a in enumerate(space.enumerate())} if space.FINITE else None
    plan = Plan.sampled(space, args.archs, args.sample_seed, spec.sample_kwargs, args.unit_archs, measured, params,
                        index)
    return plan, record


def training_file(meta: dict, source: Path) -> tuple[Path, dict]:
    """The checkpoint's training-data file (``source``, or in it or one folder down), checked by sha256."""
    record = meta["training_data"]
    path = source
    if source.is_dir():
        found = [source / record["file"], *sorted(source.glob(f"*/{record['file']}"))]
        path = next((p for p in found if p.is_file()), source / record["file"])
    if not path.is_file():
        raise CorruptFileError(f"{path}: not found; --source takes the file {record['file']!r} or a folder holding"
                               f" it (directly or one folder down, e.g. ../shared/data)")
    actual = sha256_file(path)
    if actual != record["sha256"]:
        raise CorruptFileError(f"{path}: sha256 {actual[:12]}... is not the {record['sha256'][:12]}... that"
                               f" {meta['checkpoint_id']} was trained on")
    return path, record


def measured_entries(spec: SurrogateBenchmark, meta: dict, space, path: Path) -> list[Entry]:
    """Every real architecture of the training data with its runs, read by the checkpoint's recipe."""
    from nbx11_data.builder.recipes import get as get_recipe

    data = get_recipe(meta["name"]).prepare(path)
    rows: dict[str, list[int]] = {}
    for row, arch in enumerate(data.archs):
        rows.setdefault(space.format(arch), []).append(row)
    costs = spec.measured_costs(path) if spec.measured_costs else {}
    return [Entry(arch, space.arch_id(arch), None,
                  {m: np.asarray(data.curves[m])[r] for m in meta["metric_order"] if m in data.curves},
                  costs.get(arch))
            for arch, r in rows.items()]


def assemble(spec: SurrogateBenchmark, plan: Plan, layout: Layout, seeds: list[int], checkpoint, work: Path,
             out: Path, measured_from: dict | None, command: str) -> dict:
    """Turn the stored units into shards, dataset card and manifest in ``out``; return the manifest."""
    missing = [u for u in range(plan.units) if not unit_path(work, u).is_file()]
    if missing:
        raise CorruptFileError(f"{work}: {len(missing)} of {plan.units} work units missing (first: unit {missing[0]});"
                               " run the build (or its missing --shard parts) again")
    total = sum(unit_rows(plan, u, len(seeds)) for u in range(plan.units))
    per_shard = max(1, SHARD_TARGET_BYTES // layout.row_bytes)
    count = max(1, math.ceil(total / per_shard))
    out.mkdir(parents=True, exist_ok=True)
    (out / manifest_io.FILENAME).unlink(missing_ok=True)  # nobody trusts a folder while its shards change
    shards = [write_shard(out, i, count, layout.dataset, shard_table(table, layout.dataset, layout.schema))
              for i, table in enumerate(_shard_tables(plan, work, layout, per_shard))]
    if len(shards) != count:
        raise CorruptFileError(f"{work}: the units hold other rows than the plan ({len(shards)} shards, {count} planned)")
    entries = plan.entries
    counts = {"predicted": sum(e.runs is None for e in entries), "measured": sum(e.runs is not None for e in entries),
              "measured_runs": sum(len(next(iter(e.runs.values()))) for e in entries if e.runs), "rows": total}
    card = render_card(spec, checkpoint, layout, seeds, plan, counts, command)
    manifest = write_card_and_manifest(
        out, shards, [layout.dataset], name=spec.name, space=layout.space, schema=layout.schema,
        provenance=_provenance(checkpoint, measured_from), card=card,
        extra={"budgets": {str(layout.epochs): layout.epochs},
               "defaults": {"dataset": layout.dataset, "metric": layout.columns[0], "budget": layout.epochs,
                            "seed": None},
               "build": {**plan.params, "command": command, "plan_sha256": plan.key,
                         "unit_archs": plan.unit_archs, "seeds": seeds, **counts},
               "checkpoint": {"id": layout.checkpoint_id,
                              "checkpoint_json_sha256": plan.params["checkpoint_json_sha256"]}})
    return manifest


def _shard_tables(plan: Plan, work: Path, layout: Layout, per_shard: int):
    """Yield the table of each shard: units read in order, cut every ``per_shard`` rows."""
    import pyarrow as pa

    pending, held, emitted = [], 0, False
    for u in range(plan.units):
        table = read_unit(work, u, layout.schema)
        pending.append(table)
        held += table.num_rows
        while held >= per_shard:
            joined = pa.concat_tables(pending).combine_chunks()
            yield joined.slice(0, per_shard)
            emitted = True
            pending, held = [joined.slice(per_shard)], joined.num_rows - per_shard
    if held or not emitted:
        yield pa.concat_tables(pending).combine_chunks() if pending else layout.schema.empty_table()


def _provenance(checkpoint, measured_from: dict | None) -> list[dict]:
    meta = checkpoint.meta
    data = meta["training_data"]
    uses = "training data of the checkpoint" + ("; its runs are the measured rows" if measured_from else "")
    return [
        {"name": meta["checkpoint_id"], "origin": f"nbx11-data surrogate checkpoint checkpoints/{checkpoint.folder.name}"
                                                  f" ({meta.get('description', '')})",
         "files": {ck_format.MANIFEST: sha256_file(Path(checkpoint.folder) / ck_format.MANIFEST)},
         "license": data.get("license", "?"), "citation": data.get("citation", "")},
        {"name": data["source"], "origin": data.get("origin", ""), "files": {data["file"]: data["sha256"]},
         "license": data.get("license", "?"), "citation": data.get("citation", ""), "used_as": uses},
    ]


def _seeds(k) -> list[int]:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise UnknownNameError("--seeds", k, ["an int >= 0"])
    return list(range(k))


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise UnknownNameError("--shard", text, ["i/N with 0 <= i < N"]) from None
    if not 0 <= i < n:
        raise UnknownNameError("--shard", text, ["i/N with 0 <= i < N"])
    return i, n


def _command(spec: SurrogateBenchmark, args) -> str:
    """The command that reproduces the table (source path shown as SOURCE)."""
    parts = [f"nbx11 build {spec.name}"]
    if getattr(args, "source", None) is not None:
        parts.append("--source SOURCE")
    if getattr(args, "max_vertices", None) is not None:
        parts.append(f"--max-vertices {args.max_vertices}")
    elif spec.sample_archs is not None:
        parts.append(f"--archs {args.archs} --sample-seed {args.sample_seed}")
    parts.append(f"--seeds {args.seeds}")
    if args.unit_archs != UNIT_ARCHS:
        parts.append(f"--unit-archs {args.unit_archs}")
    if getattr(args, "checkpoint", None):
        parts.append(f"--checkpoint checkpoints/{Path(args.checkpoint).name}")
    return " ".join(parts)


def _describe(stats: dict) -> str:
    rate = stats["curves"] / stats["seconds"] if stats["seconds"] > 0 else float("nan")
    where = f"on the Dask cluster {stats['scheduler']}" if stats["scheduler"] else f"with {stats['jobs']} job(s)"
    return (f"computed {stats['units']} units, {stats['rows']:,} rows ({stats['curves']:,} curves) in"
            f" {stats['seconds']:.1f} s {where}: {rate:,.0f} curves/s;"
            f" peak RSS {stats['peak_rss_mb']['main']:.0f} MB (largest worker {stats['peak_rss_mb']['largest_worker']:.0f} MB)")
