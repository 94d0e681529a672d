"""COPY in and out: rows, whole columns (text encoded by Arrow) and Arrow tables (binary, via pgpq) into a table;
query results out as Arrow-read frames or as the raw binary stream. The fast path for anything big."""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pgpq import ArrowToPostgresBinaryEncoder

# ------------------------------------------------------------------------------------------------- in: text rows


def copy_rows(cur, table: str, columns: list[str], rows: Iterable[Iterable]) -> int:
    """COPY rows (tuples, None for NULL) into `table` in one stream; far faster than INSERTs for big loads."""
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(copy_text(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    return n


def copy_text(v) -> str:
    """One value in COPY's text format (\\N for NULL and NaN, t/f, arrays as literals), escaped."""
    if v is None:
        return r"\N"
    if isinstance(v, float) and v != v:  # NaN
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (list, tuple)):  # a PostgreSQL array literal, then COPY-escaped like any text
        s = "{" + ",".join('"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"' for x in v) + "}"
    else:
        s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def plain_value(v):
    """A value as COPY and JSON want it: numpy and pandas scalars as Python ones, NaN/NaT as None, dates ISO."""
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (pd.Timestamp, datetime, date)):
        return v.isoformat()
    if v is pd.NaT:
        return None
    if isinstance(v, np.ndarray):
        return [plain_value(x) for x in v.tolist()]
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


# ------------------------------------------------------------------------------------------------- in: whole columns


def encode_column(values) -> pa.Array:
    """A column as COPY text in an Arrow string array (escaped, \\N for NULL), vectorised for plain types; other
    values (lists, dates, mixed objects) one by one through plain_value and copy_text. An Arrow array given is
    taken as text that needs no escaping (hex EWKB)."""
    if isinstance(values, pa.Array):
        return pc.fill_null(values, r"\N")
    s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == object else None
    if pd.api.types.is_bool_dtype(s.dtype) or kind == "boolean":
        obj = s.to_numpy(dtype=object)
        arr = pa.array(np.where(obj == True, "t", "f"), type=pa.large_string())  # noqa: E712 (elementwise)
        arr = pc.if_else(pa.array(s.isna().to_numpy()), pa.scalar(None, pa.large_string()), arr)
    elif pd.api.types.is_integer_dtype(s.dtype):
        arr = pc.cast(pa.array(s.astype("Int64"), from_pandas=True), pa.large_string())
    elif pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        arr = pc.cast(pa.array(v, mask=~np.isfinite(v)), pa.large_string())
    elif kind in ("string", "empty") or (s.dtype != object and pd.api.types.is_string_dtype(s.dtype)):
        arr = pa.array(s.astype(object).where(s.notna(), None).to_numpy(dtype=object), type=pa.large_string())
        for a, b in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
            arr = pc.replace_substring(arr, a, b)
    else:
        return pa.array([r"\N" if v is None else ("{}" if type(v) is list and not v else
                                                    copy_text(v if type(v) is list else plain_value(v)))
                         for v in s.tolist()], type=pa.large_string())
    return pc.fill_null(arr, r"\N")


def copy_columns(cur, table: str, columns: dict, n: int) -> int:
    """COPY whole columns ({name: values}, each of length n): each encoded at once, joined into tab-separated lines
    by Arrow, sent as one buffer."""
    names = list(columns)
    encoded = [encode_column(columns[c]) for c in names]
    lines = (pc.binary_join_element_wise(*encoded, pa.scalar("\t", pa.large_string())) if len(encoded) > 1
             else encoded[0])
    lines = pc.binary_join_element_wise(lines, pa.scalar("\n", pa.large_string()), pa.scalar("", pa.large_string()))
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    # Every line ends in a newline, so the array's data buffer is the COPY stream itself.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + n + 1]
    data = memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]]
    cur.copy_expert(f"COPY {table} ({', '.join(names)}) FROM STDIN", io.BytesIO(data))
    return n


def copy_frame(cur, table: str, frame: pd.DataFrame) -> int:
    """COPY a DataFrame whose columns are the table's (by name)."""
    if frame.empty:
        return 0
    return copy_columns(cur, table, {c: frame[c] for c in frame.columns}, len(frame))


# ------------------------------------------------------------------------------------------------- in: Arrow, binary


def copy_arrow(cur, table: str, data: pa.Table, batch_rows: int = 100_000, *, freeze: bool = False) -> int:
    """An Arrow table into `table` by binary COPY, encoded by pgpq: no text to format or parse. The Arrow types
    must be exactly the table's (binary COPY does not cast). `freeze`: rows written frozen (the table must be
    created or emptied in this transaction), so no later reader or vacuum has to visit them to set hint bits."""
    enc = ArrowToPostgresBinaryEncoder(data.schema)
    buf = io.BytesIO()
    buf.write(enc.write_header())
    for batch in data.to_batches(max_chunksize=batch_rows):
        buf.write(enc.write_batch(batch))
    buf.write(enc.finish())
    buf.seek(0)
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    cur.copy_expert(f"COPY {table} ({', '.join(data.column_names)}) FROM STDIN ({options})", buf)
    return data.num_rows


# ------------------------------------------------------------------------------------------------- out

_ARROW_TYPES = {str: pa.string(), float: pa.float64(), int: pa.int64(), "Int64": pa.int64(), bool: pa.bool_()}


def copy_out_frame(cur, sql: str, params=None, dtypes: dict | None = None) -> pd.DataFrame:
    """A big query through COPY … TO STDOUT and Arrow's threaded CSV reader: several times faster than fetchall().
    dtypes: {column: str | float | int | "Int64" | bool} (int columns come back as pandas' nullable Int64).
    An unquoted empty field is NULL, a quoted one the empty string, as COPY writes them."""
    query = cur.mogrify(sql, params).decode()
    buf = io.BytesIO()
    cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", buf)
    buf.seek(0)
    table = pacsv.read_csv(buf, convert_options=pacsv.ConvertOptions(
        column_types={k: _ARROW_TYPES[v] for k, v in (dtypes or {}).items()}, null_values=[""],
        strings_can_be_null=True, quoted_strings_can_be_null=False, true_values=["t"], false_values=["f"]))
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def copy_out_binary(cur, sql: str, params=None) -> memoryview:
    """A query's rows in COPY's binary format, for a compiled reader (geo.checks.linecopy)."""
    query = cur.mogrify(sql, params).decode() if params is not None else sql
    buf = io.BytesIO()
    cur.copy_expert(f"COPY ({query}) TO STDOUT (FORMAT binary)", buf)
    return buf.getbuffer()
