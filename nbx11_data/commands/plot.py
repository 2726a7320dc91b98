"""``nbx11 plot NAME ARCH ...``: learning curves (mean over seeds, seed spread as a band) to a PNG.

Example:
    $ nbx11 plot nb201 0 11 284 --metric valid_acc --dataset cifar100 --out curves.png
"""

from __future__ import annotations


IMAGE_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name, e.g. nb201")
    parser.add_argument("archs", nargs="+", metavar="ARCH", help="arch strings, arch_ids or NB201 indices")
    parser.add_argument("--metric", help="curve column (default: the benchmark's default metric)")
    parser.add_argument("--dataset", help="dataset (default: the benchmark's default dataset)")
    parser.add_argument("--budget", type=int, help="training budget in epochs (default: the benchmark's default)")
    parser.add_argument("--out", help="PNG file (default <name>_curves.png)")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")


def run(args) -> int:
    import nbx11_data
    from nbx11_data.commands._checks import output_file
    from nbx11_data.readers.plot import plot_benchmark

    out = output_file(args.out or f"{args.name}_curves.png", IMAGE_SUFFIXES)
    bench = nbx11_data.open(args.name, root=args.root)
    figure = plot_benchmark(bench, args.archs, args.metric, args.dataset, args.budget, out=out)
    figure.clf()
    print(out)
    return 0
