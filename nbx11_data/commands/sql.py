"""``nbx11 sql NAME "SELECT ..."``: SQL over the views ``curves``, ``curves_long`` (one row per epoch), ``final``.

Example:
    $ nbx11 sql nb201 "SELECT dataset, budget, max(valid_acc) FROM final GROUP BY ALL"
    $ nbx11 sql nb201 "SELECT * FROM curves_long WHERE arch_index = 11" --format csv --out curve11.csv
    $ nbx11 sql nb201 --sandbox "$QUERY_FROM_A_STRANGER"   # sees the views only: no other file, no write
"""

from __future__ import annotations

import nbx11_data
from nbx11_data.commands._checks import output_file
from nbx11_data.commands._output import add_format_argument, write_table


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name (see `nbx11 list`)")
    parser.add_argument("query", help="a DuckDB SQL query")
    parser.add_argument("--root", help="tables root (default: every root, see nbx11_data.locations)")
    parser.add_argument("--sandbox", action="store_true",
                        help="the query sees the benchmark's views and nothing else (no other file, no write, no ATTACH)")
    add_format_argument(parser)


def run(args) -> int:
    import sys

    import duckdb

    import pyarrow as pa

    if args.out:
        output_file(args.out)
    bench = nbx11_data.open(args.name, root=args.root)
    try:
        relation = bench.sql(args.query, sandbox=args.sandbox)
        if relation is None:
            return 0
        table = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
    except duckdb.Error as err:
        print(f"nbx11 sql: error: {_one_line(err)} (views: curves, curves_long, final)", file=sys.stderr)
        return 2
    try:
        write_table(table, args.format, args.out)
    except (pa.ArrowException, duckdb.Error, TypeError, ValueError) as err:  # a column type the format lacks
        print(f"nbx11 sql: error: cannot write the result as {args.format}: {_one_line(err)}", file=sys.stderr)
        return 2
    return 0


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())
