"""The table schema: identity, curve and cost columns, their metadata, and a content hash.

A benchmark table has one row per (architecture, seed, budget). Curve
columns are ``fixed_size_list<float32>[E]`` aligned to the benchmark's epoch
axis (NaN = not measured); each curve ``m`` has a derived float32 column
``m_final`` (its last non-NaN value, NULL if none; filled by :func:`with_finals`)
so that analytics over final values need not decode curves; cost columns are
float64, NULL where unknown. Every column's
unit, direction and description travel in the Arrow field metadata and, as
JSON under the key ``nbx11``, in the Parquet key-value metadata. See
``tables/FORMAT.md``.

Example:
    >>> schema = build_schema(
    ...     [Column("valid_acc", "curve", "%", "max", "validation accuracy")],
    ...     [Column("params", "cost", "M", "min", "parameters in millions")],
    ...     epochs=3)
    >>> type_name(schema.field("valid_acc").type)
    'fixed_size_list<float32>[3]'
    >>> json.loads(schema.metadata[b"nbx11"])["schema_version"]
    2
    >>> shard_schema(schema).names[:7]
    ['arch_id', 'arch', 'arch_index', 'seed', 'budget', 'source', 'dataset']
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa

from nbx11_data.errors import CorruptFileError, UnknownNameError

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1: shards under dataset=<d>/, no dataset column, no stored index
METADATA_KEY = b"nbx11"
SHARD_KEY = b"nbx11_shard"  # per-shard footer metadata: {"dataset": ...}
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")  # column and view names: SQL identifiers
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")  # dataset names: quoted as SQL string literals
KINDS = ("identity", "curve", "final", "cost")
FINAL_SUFFIX = "_final"
DIRECTIONS = ("max", "min", None)
_CANONICAL_NAN = np.uint32(0x7FC00000)
_CANONICAL_NAN64 = np.uint64(0x7FF8000000000000)


@dataclass(frozen=True)
class Column:
    """One column's meaning: ``kind`` (identity/curve/cost), unit, direction (max/min/None), description."""

    name: str
    kind: str
    unit: str | None
    direction: str | None
    description: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownNameError(f"kind of column {self.name!r}", self.kind, KINDS)
        if self.direction not in DIRECTIONS:
            raise UnknownNameError(f"direction of column {self.name!r}", self.direction, ["max", "min", "None"])


IDENTITY_COLUMNS = (
    (Column("arch_id", "identity", None, None, "32-hex identity of the architecture (see the search space)"), pa.string()),
    (Column("arch", "identity", None, None, "canonical string of the architecture"), pa.string()),
    (Column("arch_index", "identity", None, None, "index in the enumerated space; NULL where the space is not enumerable"), pa.int32()),
    (Column("seed", "identity", None, None, "training seed; NULL = the mean over seeds (noiseless mean for surrogate rows)"), pa.int32()),
    (Column("budget", "identity", "epochs", None, "training budget the run was scheduled for"), pa.int32()),
    (Column("source", "identity", None, None, "'measured' or 'surrogate:<checkpoint-id>'"), pa.string()),
)
IDENTITY_NAMES = tuple(column.name for column, _ in IDENTITY_COLUMNS)
DATASET_COLUMN = Column("dataset", "identity", None, None, "the dataset the run was trained on")


def check_name(name, pattern: re.Pattern = COLUMN_NAME, kind: str = "column name") -> str:
    """``name`` if it matches ``pattern`` in full, else :class:`CorruptFileError` (names become SQL identifiers).

    Example:
        >>> check_name("valid_acc")
        'valid_acc'
    """
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise CorruptFileError(f"{kind} {name!r} is not allowed: it must match {pattern.pattern}")
    return name


def shard_schema(schema: pa.Schema) -> pa.Schema:
    """The schema of a shard file: ``schema`` with the string column ``dataset`` after the identity columns."""
    meta = {k: v for k, v in asdict(DATASET_COLUMN).items() if k != "name" and v is not None}
    at = schema.get_field_index("source") + 1
    return schema.insert(at, pa.field("dataset", pa.string(), nullable=False, metadata=meta))


def curve_type(epochs: int) -> pa.DataType:
    """The Arrow type of a curve column on an axis of ``epochs`` points."""
    return pa.list_(pa.float32(), epochs)


def build_schema(curves: list[Column], costs: list[Column], epochs: int, extra: dict | None = None) -> pa.Schema:
    """The Arrow schema of a benchmark: identity, then ``curves``, their ``<curve>_final`` columns, then ``costs``.

    ``extra`` (JSON-able) is stored beside the column metadata under the ``nbx11`` key.
    """
    fields, described = [], []
    for column, arrow_type in IDENTITY_COLUMNS:
        fields.append((column, arrow_type, column.name not in ("arch_id", "arch", "budget", "source")))
    for column in curves:
        if column.kind != "curve":
            raise ValueError(f"column {column.name!r} is passed as a curve but has kind {column.kind!r}")
        fields.append((column, curve_type(epochs), False))
    for column in curves:
        final = Column(column.name + FINAL_SUFFIX, "final", column.unit, column.direction,
                       f"last non-NaN value of {column.name} (NULL if none)")
        fields.append((final, pa.float32(), True))
    for column in costs:
        if column.kind != "cost":
            raise ValueError(f"column {column.name!r} is passed as a cost but has kind {column.kind!r}")
        fields.append((column, pa.float64(), True))
    names = [column.name for column, _, _ in fields]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate column names in {names}")
    arrow_fields = []
    for column, arrow_type, nullable in fields:
        check_name(column.name)
        meta = {k: v for k, v in asdict(column).items() if k != "name" and v is not None}
        arrow_fields.append(pa.field(column.name, arrow_type, nullable=nullable, metadata=meta))
        described.append(asdict(column))
    info = {"schema_version": SCHEMA_VERSION, "epochs": epochs, "columns": described, **(extra or {})}
    return pa.schema(arrow_fields, metadata={METADATA_KEY: json.dumps(info, sort_keys=True).encode()})


def with_finals(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with every ``<curve>_final`` column of ``schema`` (re)computed from its curve."""
    for field in schema:
        if field.name.endswith(FINAL_SUFFIX) and field.name[: -len(FINAL_SUFFIX)] in table.column_names:
            curves = table.column(field.name[: -len(FINAL_SUFFIX)]).combine_chunks()
            values = final_values(curves.flatten().to_numpy(zero_copy_only=False).reshape(len(curves), -1))
            array = pa.array(values, pa.float32(), from_pandas=True)  # NaN -> NULL: SQL aggregates skip it
            if field.name in table.column_names:
                table = table.set_column(table.column_names.index(field.name), field.name, array)
            else:
                table = table.append_column(field.name, array)
    return table


def final_values(curves: np.ndarray) -> np.ndarray:
    """Last non-NaN value of each row of ``curves`` (n, E); NaN where a row has none."""
    measured = ~np.isnan(curves)
    last = curves.shape[1] - 1 - np.argmax(measured[:, ::-1], axis=1)
    out = curves[np.arange(len(curves)), last].astype(np.float32)
    out[~measured.any(axis=1)] = np.nan
    return out


def schema_info(schema: pa.Schema) -> dict:
    """The ``nbx11`` metadata of a schema (schema_version, epochs, columns...)."""
    raw = (schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise CorruptFileError("schema has no 'nbx11' metadata: not an nbx11 table")
    return json.loads(raw)


def type_name(arrow_type: pa.DataType) -> str:
    """A pyarrow-version-independent name of the types a table uses."""
    if pa.types.is_fixed_size_list(arrow_type):
        return f"fixed_size_list<{type_name(arrow_type.value_type)}>[{arrow_type.list_size}]"
    names = {pa.string(): "string", pa.large_string(): "string", pa.int32(): "int32", pa.int64(): "int64",
             pa.float32(): "float32", pa.float64(): "float64", pa.bool_(): "bool"}
    if arrow_type not in names:
        raise ValueError(f"type {arrow_type} is not used in nbx11 tables")
    return names[arrow_type]


def describe_schema(schema: pa.Schema) -> list[dict]:
    """``[{name, type, nullable}]``: the schema as recorded in a manifest."""
    return [{"name": f.name, "type": type_name(f.type), "nullable": f.nullable} for f in schema]


def content_sha256(table: pa.Table) -> str:
    """sha256 of the decoded data, independent of Parquet encoding and pyarrow version.

    Columns in schema order; for each: its name, then per row a validity byte
    and the value in canonical little-endian form (strings: uint64 length +
    UTF-8; NaN canonicalised; NULL values hashed as zeros).
    """
    digest = hashlib.sha256()
    digest.update(f"rows={table.num_rows}".encode())
    for name, column in zip(table.column_names, table.columns):
        digest.update(b"\0column\0" + name.encode() + b"\0")
        array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        digest.update(_canonical_bytes(array))
    return digest.hexdigest()


def _canonical_bytes(array: pa.Array) -> bytes:
    valid = np.ones(len(array), dtype=np.uint8)
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False).astype(np.uint8)
    arrow_type = array.type
    if pa.types.is_fixed_size_list(arrow_type):
        values = array.fill_null(pa.scalar([0.0] * arrow_type.list_size, arrow_type)) if array.null_count else array
        flat = values.flatten().to_numpy(zero_copy_only=False)  # flatten() honours the array's offset
        return valid.tobytes() + _float_bytes(flat)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        parts = [valid.tobytes()]
        for value in array.to_pylist():
            raw = b"" if value is None else value.encode("utf-8")
            parts.append(np.uint64(len(raw)).astype("<u8").tobytes() + raw)
        return b"".join(parts)
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_boolean(arrow_type):
        filled = array.fill_null(0) if array.null_count else array
        values = filled.to_numpy(zero_copy_only=False)
        if values.dtype.kind == "f":
            return valid.tobytes() + _float_bytes(values)
        return valid.tobytes() + values.astype(values.dtype.newbyteorder("<")).tobytes()
    raise ValueError(f"cannot hash a column of type {arrow_type}")


def _float_bytes(values: np.ndarray) -> bytes:
    if values.dtype == np.float32:
        bits = values.view(np.uint32).copy()
        bits[np.isnan(values)] = _CANONICAL_NAN
        return bits.astype("<u4").tobytes()
    values = values.astype(np.float64)
    bits = values.view(np.uint64).copy()
    bits[np.isnan(values)] = _CANONICAL_NAN64
    return bits.astype("<u8").tobytes()
