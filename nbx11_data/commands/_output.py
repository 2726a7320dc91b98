"""Shared output of table-shaped results for ``nbx11 query`` and ``nbx11 sql``: pretty, csv, json, parquet.

In csv, a list column (a curve) is one JSON array per cell and integer columns with NULLs stay integers.

Example:
    >>> import pyarrow as pa
    >>> write_table(pa.table({"seed": pa.array([1, None]), "curve": pa.array([[1.5, float("nan")], [2.0]])}), "csv")
    seed,curve
    1,"[1.5, null]"
    ,[2.0]
"""

from __future__ import annotations

import argparse
import json
import math
import sys

FORMATS = ("pretty", "csv", "json", "parquet")


def add_out_argument(parser, help_text: str, **options) -> None:
    """``--out`` / ``-o``, the one spelling of the output flag; ``--output`` stays as a hidden alias."""
    parser.add_argument("--out", "-o", dest="out", help=help_text, **options)
    parser.add_argument("--output", dest="out", help=argparse.SUPPRESS)


def add_format_argument(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="pretty", help="output format (default pretty)")
    add_out_argument(parser, "write to this file (needed for parquet unless stdout is a pipe)")


def write_table(table, fmt: str, output: str | None = None) -> None:
    """Write a pyarrow Table to ``output`` (default stdout) in ``fmt``."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, output or sys.stdout.buffer)
        return
    if fmt == "csv":
        text = _csv(table)
    elif fmt == "json":
        text = table.to_pandas().to_json(orient="records", lines=True)
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
            text = table.to_pandas().to_string(index=False) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def _csv(table) -> str:
    """CSV text: list columns as JSON arrays (NaN as null), integer columns as integers even with NULLs."""
    import pandas as pd
    import pyarrow as pa

    columns = {}
    for name, column in zip(table.column_names, table.columns):
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            short = pa.types.is_float32(column.type.value_type)
            columns[name] = pd.Series([None if v is None else _json_array(v, short) for v in column.to_pylist()],
                                      dtype=object)
        elif pa.types.is_integer(column.type):
            columns[name] = column.to_pandas().astype("Int64")
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns).to_csv(index=False, lineterminator="\n")


def _json_array(values, float32: bool) -> str:
    """``[1.5, null]``: finite numbers in their shortest form (of float32 where the column is), else null."""
    import numpy as np

    def number(value):
        if isinstance(value, float):
            return "null" if not math.isfinite(value) else str(np.float32(value)) if float32 else repr(value)
        return json.dumps(value)

    return "[" + ", ".join(map(number, values)) + "]"
