"""``nbx11 export NAME --to csv|parquet``: spreadsheet-sized tables for teaching.

Without ``--archs``: one row per architecture with the final accuracies (mean
over seeds) and costs on every dataset. With ``--archs``: the learning curves
of those architectures, one row per (arch, dataset, seed, epoch).

Example:
    $ nbx11 export nb201 --to csv                          # -> nb201_finals.csv
    $ nbx11 export nb201 --to csv --archs 0 11 --dataset cifar100 --out curves.csv
"""

from __future__ import annotations

from nbx11_data.readers.export import FORMATS


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name, e.g. nb201")
    parser.add_argument("--to", choices=FORMATS, default="csv", help="file format (default csv)")
    parser.add_argument("--out", help="output file (default <name>_finals.<fmt> or <name>_curves.<fmt>)")
    parser.add_argument("--archs", nargs="+", metavar="ARCH",
                        help="export these architectures' curves instead (arch strings, arch_ids or NB201 indices)")
    parser.add_argument("--metrics", nargs="+", help="metrics (default: accuracies for finals, all for curves)")
    parser.add_argument("--dataset", action="append", dest="datasets", metavar="D", help="repeatable; default all")
    parser.add_argument("--budget", type=int, help="training budget in epochs (default: the benchmark's default)")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    import nbx11_data
    from nbx11_data.readers import export

    from nbx11_data.commands._checks import output_file

    if args.out:
        output_file(args.out)
    bench = nbx11_data.open(args.name, root=args.root)
    if args.archs:
        frame = export.curves_long(bench, args.archs, args.metrics, args.datasets, args.budget)
        kind = "curves"
    else:
        frame = export.finals_wide(bench, args.metrics, args.datasets, args.budget)
        kind = "finals"
    path = export.write(frame, args.out or f"{args.name}_{kind}.{args.to}", args.to)
    print(f"{path}: {len(frame)} rows x {len(frame.columns)} columns ({kind})")
    return 0
