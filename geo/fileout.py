"""Big tables written as CSV or GeoJSON files by whole Arrow columns: no Python object per cell (a million results in
about a second, where pandas' writer and GDAL's took ten).

The CSV is what cells.to_csv writes (text neutralised, CRLF, quoted where needed, booleans True/False); the GeoJSON
is a FeatureCollection of points with the table's columns as properties, in the stored frame."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .cells import neutralise, neutralise_arrow

_TEXT = pa.large_string()


def write_csv(table: pa.Table, target) -> None:
    """`table` as CSV into the file `target`, each text cell and column name neutralised."""
    cols = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = neutralise_arrow(col)
        elif pa.types.is_boolean(col.type):
            col = pc.if_else(col, "True", "False")
        elif pa.types.is_floating(col.type):  # NaN as an empty cell, as pandas writes it
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
        cols.append(col)
    out = pa.table(cols, names=[neutralise(c) for c in table.column_names])
    # Arrow's "needed" quotes every text cell; where no cell holds a quote, comma or line break none is quoted, as
    # pandas (cells.to_csv) writes it.
    plain = not any(pc.any(pc.match_substring_regex(c, '[",\r\n]')).as_py() for c in out.columns
                    if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)) \
        and not any(ch in c for c in out.column_names for ch in '",\r\n')
    pacsv.write_csv(out, target, pacsv.WriteOptions(quoting_style="none" if plain else "needed",
                                                    quoting_header="none" if plain else "needed", eol="\r\n"))


def _json_text(col) -> pa.Array:
    """A text column as JSON strings (quoted, escaped; null as null)."""
    col = pc.cast(col, _TEXT)
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        col = pc.replace_substring(col, a, b)
    if pc.any(pc.match_substring_regex(col, "[\\x00-\\x1f]")).as_py():  # the rare other control characters
        for c in [c for c in range(32) if chr(c) not in "\n\r\t"]:
            col = pc.replace_substring(col, chr(c), f"\\u{c:04x}")
    q = pa.scalar('"', _TEXT)
    return pc.binary_join_element_wise(q, col, q, pa.scalar("", _TEXT))


def _json_value(col) -> pa.Array:
    """One column's values as JSON text, null (and NaN, infinities) as null."""
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = _json_text(col)
    elif pa.types.is_boolean(t):
        out = pc.if_else(col, pa.scalar("true", _TEXT), pa.scalar("false", _TEXT))
    elif pa.types.is_floating(t):
        v = pc.cast(col, pa.float64())
        out = pc.if_else(pc.is_finite(v), pc.cast(v, _TEXT), pa.scalar(None, _TEXT))
    elif pa.types.is_integer(t):
        out = pc.cast(col, _TEXT)
    else:
        raise TypeError(f"no JSON encoding for a column of type {t}")
    return pc.fill_null(pc.cast(out, _TEXT), "null")


def write_geojson(table: pa.Table, lon: np.ndarray, lat: np.ndarray, target, srid: int) -> None:
    """`table`'s rows as point features at (lon, lat) in EPSG:`srid`, into the file `target`."""
    n = table.num_rows
    parts: list = ['{"type":"Feature","properties":{']
    for k, (name, col) in enumerate(zip(table.column_names, table.columns)):
        parts += [("," if k else "") + json.dumps(name, ensure_ascii=False) + ":", _json_value(col)]
    parts += ['},"geometry":{"type":"Point","coordinates":[', pc.cast(pa.array(lon, pa.float64()), _TEXT), ",",
              pc.cast(pa.array(lat, pa.float64()), _TEXT), "]}},\n"]
    head = ('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::'
            f'{int(srid)}"}}}},"features":[\n').encode()
    with open(target, "wb") as f:
        f.write(head)
        if n:
            lines = pc.binary_join_element_wise(*[p if isinstance(p, (pa.Array, pa.ChunkedArray))
                                                  else pa.scalar(p, _TEXT) for p in parts], pa.scalar("", _TEXT))
            if isinstance(lines, pa.ChunkedArray):
                lines = lines.combine_chunks()
            # Every feature ends in ",\n": the array's data buffer is the features' text; the last one's comma goes.
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + n + 1]
            f.write(memoryview(lines.buffers()[2])[offsets[0]:offsets[-1] - 2])
            f.write(b"\n")
        f.write(b"]}\n")

