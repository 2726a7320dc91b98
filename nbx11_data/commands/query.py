"""``nbx11 query NAME ARCH...``: look up architectures; final values, or one epoch, or whole curves.

Architectures a surrogate-built table lacks are predicted live by its checkpoint; the ``source``
column says which rows came from where (``measured``, ``table:<checkpoint>``, ``live:<checkpoint>``).

Example:
    $ nbx11 query nb201 0 11 --dataset cifar100 --seed 888
    $ nbx11 query nb201 "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|" --curve --metric train_acc
"""

from __future__ import annotations

import pyarrow as pa

import nbx11_data
from nbx11_data.errors import UnknownNameError
from nbx11_data.commands._checks import output_file, seed
from nbx11_data.commands._output import add_format_argument, write_table


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name (see `nbx11 list`)")
    parser.add_argument("archs", nargs="+", metavar="ARCH", help="architectures, any form the space accepts")
    parser.add_argument("--dataset", help="dataset (default: the benchmark's)")
    parser.add_argument("--metric", action="append", help="metric (repeatable; default all)")
    parser.add_argument("--seed", type=seed, help="seed, or 'mean' for the mean rows (default: the benchmark's)")
    parser.add_argument("--budget", type=int, help="training budget (default: the benchmark's)")
    parser.add_argument("--epoch", type=int, help="value at this epoch (1-based) instead of the final value")
    parser.add_argument("--curve", action="store_true", help="print whole curves (one row per arch and metric)")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")
    parser.add_argument("--no-fallback", action="store_true",
                        help="answer from the table only: an architecture it lacks is an error")
    add_format_argument(parser)


def run(args) -> int:
    if args.curve and args.epoch is not None:
        raise UnknownNameError("option with --curve", "--epoch", ["--curve alone (whole curves)", "--epoch alone"])
    if args.out:
        output_file(args.out)
    bench = nbx11_data.open(args.name, root=args.root, fallback=not args.no_fallback)
    options = {"dataset": args.dataset, "budget": args.budget}
    if args.seed is not None:
        options["seed"] = args.seed
    archs = args.archs  # the space parses strings (NB201: up to 5 digits = arch_index, 6 = op codes)
    if args.curve:
        records = []
        for metric in args.metric or bench.metrics:
            values, sources = bench.curves(archs, metric=metric, with_source=True, **options)
            records += [{"arch": str(a), "metric": metric, "source": source, "curve": row.tolist()}
                        for a, row, source in zip(args.archs, values, sources)]
        table = pa.Table.from_pylist(records)
    else:
        table = bench.query(archs, metrics=args.metric, epoch=args.epoch, arrow=True, **options)
    write_table(table, args.format, args.out)
    return 0
