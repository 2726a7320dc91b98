"""Shared output of table-shaped results for ``nbx11 query`` and ``nbx11 sql``: pretty, csv, json, parquet.

Example:
    >>> import pyarrow as pa
    >>> write_table(pa.table({"a": [1, 2]}), "csv")
    a
    1
    2
"""

from __future__ import annotations

import sys

FORMATS = ("pretty", "csv", "json", "parquet")


def add_format_argument(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="pretty", help="output format (default pretty)")
    parser.add_argument("--output", "-o", help="write to this file (needed for parquet unless stdout is a pipe)")


def write_table(table, fmt: str, output: str | None = None) -> None:
    """Write a pyarrow Table to ``output`` (default stdout) in ``fmt``."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, output or sys.stdout.buffer)
        return
    frame = table.to_pandas()
    if fmt == "csv":
        text = frame.to_csv(index=False, lineterminator="\n")
    elif fmt == "json":
        text = frame.to_json(orient="records", lines=True)
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            text = frame.to_string(index=False) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
