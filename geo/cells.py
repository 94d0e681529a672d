"""Cells made inert for spreadsheets: text that Excel, LibreOffice or WPS would read as a formula (it begins with =, +,
-, @, a tab or a carriage return) gets a leading single quote, as OWASP's CSV-injection advice says. Every Excel and
CSV file the platform writes passes its headers and cells through here."""
from __future__ import annotations

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell's value as written: text beginning with a formula trigger prefixed with a quote, anything else (numbers,
    dates, empty cells) as it is."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column name neutralised (numbers stay numbers: a negative number
    is a value, not a formula). Works on GeoDataFrames too; the geometry column is left as it is."""
    out = frame.copy()
    geometry = getattr(frame, "_geometry_column_name", None)
    for c in out.columns:
        if c == geometry or not (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            continue
        try:
            hit = out[c].str.startswith(TRIGGERS, na=False).astype(bool).to_numpy()
        except AttributeError:  # an object column without text (numbers, lists)
            continue
        if hit.any():
            col = out[c].astype(object)
            col[hit] = "'" + col[hit]
            out[c] = col
    renamed = {c: neutralise(c) for c in out.columns if c != geometry and neutralise(c) != c}
    return out.rename(columns=renamed) if renamed else out


def neutralise_arrow(col):
    """An Arrow text column neutralised as `neutralise` does each cell, as whole-column operations."""
    import pyarrow as pa
    import pyarrow.compute as pc
    hit = None
    for t in TRIGGERS:
        h = pc.starts_with(col, t)
        hit = h if hit is None else pc.or_(hit, h)
    if not pc.any(hit).as_py():
        return col
    return pc.if_else(pc.fill_null(hit, False), pc.binary_join_element_wise("'", col, ""), col)


def to_csv(frame: pd.DataFrame, target=None, *, encoding: str = "utf-8", **kwargs):
    """`frame` written as CSV (to `target`, a path or a file; or returned as text), neutralised, without its index.
    Lines end in CRLF (RFC 4180), so a carriage return inside a value is quoted like a newline and cannot start a
    row of its own."""
    return neutralise_frame(frame).to_csv(target, index=False, encoding=encoding, lineterminator="\r\n", **kwargs)
