"""``nbx11 sql NAME "SELECT ..."``: SQL over the views ``curves``, ``curves_long`` (one row per epoch), ``final``.

Example:
    $ nbx11 sql nb201 "SELECT dataset, budget, max(valid_acc) FROM final GROUP BY ALL"
    $ nbx11 sql nb201 "SELECT * FROM curves_long WHERE arch_index = 11" --format csv -o curve11.csv
    $ nbx11 sql nb201 --sandbox "$QUERY_FROM_A_STRANGER"   # sees the views only: no other file, no write
"""

from __future__ import annotations

import nbx11_data
from nbx11_data.commands._output import add_format_argument, write_table


def add_arguments(parser) -> None:
    parser.add_argument("name", help="benchmark name (see `nbx11 list`)")
    parser.add_argument("query", help="a DuckDB SQL query")
    parser.add_argument("--root", help="tables root (default: $NBX11_TABLES or the repository's tables/)")
    parser.add_argument("--sandbox", action="store_true",
                        help="the query sees the benchmark's views and nothing else (no other file, no write, no ATTACH)")
    add_format_argument(parser)


def run(args) -> int:
    import sys

    import duckdb

    bench = nbx11_data.open(args.name, root=args.root)
    try:
        relation = bench.sql(args.query, sandbox=args.sandbox)
    except duckdb.Error as err:
        print(f"nbx11 sql: error: {err}\n(views: curves, curves_long, final)", file=sys.stderr)
        return 2
    if relation is None:
        return 0
    table = relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()
    write_table(table, args.format, args.output)
    return 0
