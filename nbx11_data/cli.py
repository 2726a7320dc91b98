"""The ``nbx11`` command: a thin dispatcher over subcommand modules.

Each subcommand lives in ``nbx11_data/commands/<name>.py`` and offers
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only
when their command runs, so ``nbx11 --help`` stays fast and light.

Example:
    nbx11 arch nb201 "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nbx11_data.errors import NBX11Error

# name -> (module under nbx11_data.commands, one-line help)
COMMANDS = {
    "demo": ("demo", "run the main job end to end on the built-in default tables"),
    "arch": ("arch", "print the canonical form, arch_id and validity of architectures"),
    "train": ("train", "train a surrogate checkpoint from a recipe and its source data"),
    "build": ("build", "build a benchmark table folder from its original sources"),
    "list": ("list", "list the benchmarks under the tables root"),
    "info": ("info", "describe a benchmark: datasets, metrics, budgets, seeds, rows, provenance"),
    "query": ("query", "look up curves of architectures in a benchmark"),
    "sql": ("sql", "run SQL over a benchmark's views curves, curves_long, final"),
    "verify": ("verify", "check a benchmark's shards against its manifest (hash, rows, schema)"),
    "download": ("download", "fetch a benchmark (or some datasets of it) into the local cache, verified"),
    "publish": ("publish", "lay out a benchmark as a static mirror for `nbx11 download`"),
    "export": ("export", "export final accuracies and costs, or selected curves, as CSV or Parquet"),
    "plot": ("plot", "plot learning curves of architectures (mean and seed spread) to a PNG"),
    "run": ("run", "run NAS optimizers (x11's LCE framework) on a benchmark in simulated time"),
    "plot-runs": ("plot_runs", "plot regret against simulated time of `nbx11 run` results"),
}


def _build_parser(requested: set[str]) -> argparse.ArgumentParser:
    """All subcommands; only the ``requested`` ones import their module for full arguments."""
    import nbx11_data

    parser = argparse.ArgumentParser(prog="nbx11", description="NAS-Bench-x11 learning-curve tables")
    parser.add_argument("--version", action="version", version=f"%(prog)s {nbx11_data.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        if name in requested:
            importlib.import_module(f"nbx11_data.commands.{module_name}").add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nbx11`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _build_parser(set(argv[:1])).parse_args(argv)
    module = importlib.import_module(f"nbx11_data.commands.{args._module}")
    try:
        return int(module.run(args) or 0)
    except NBX11Error as err:
        print(f"nbx11 {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `nbx11 sql ... | head`
        return 0
    except OSError as err:  # a file or folder named on the command line cannot be read or written
        where = f": {err.filename}" if getattr(err, "filename", None) else ""
        print(f"nbx11 {args.command}: error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nbx11 {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line, named as such (NBX11_DEBUG=1 shows the traceback)
        if os.environ.get("NBX11_DEBUG"):
            raise
        print(f"nbx11 {args.command}: internal error: {type(err).__name__}: {_one_line(err)}"
              " (a bug: please report it; NBX11_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 3


def _one_line(err: Exception) -> str:
    """The message on one line, at most 2,000 characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= 2000 else text[:1997] + "..."


if __name__ == "__main__":
    sys.exit(main())
