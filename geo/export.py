"""Export a stored layer to GeoPackage, GeoJSON, CSV or an Excel ledger (台账), written whole or not at all; text that
a spreadsheet would read as a formula is neutralised in CSV and Excel (geo.cells)."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from psycopg2 import sql

from . import cells, db, frames, headers, store, vocab
from .atomic import atomic_file
from .validate import key_column

FORMATS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit less the header row
_BOOL_LABELS = {"zh": ("是", "否"), "en": ("yes", "no")}


class ExportError(Exception):
    """An export that cannot be made (unknown layer or format, too many rows for Excel): one line saying what to do."""


def read_layer(conn, layer: str) -> pd.DataFrame:
    """A stored layer as a (Geo)DataFrame in EPSG:4490: the table's columns, then the keys of `extra` as columns.
    Metric copies are left out; a second geometry (a water source's protection zone) comes as WKT."""
    if layer not in store.LAYERS:
        raise ExportError(f"unknown layer {layer!r}; layers are {', '.join(store.LAYERS)}")
    cols = [(c, t) for c, t in db.query_rows(conn, """SELECT column_name, udt_name FROM information_schema.columns
                                                       WHERE table_schema = current_schema() AND table_name = %s
                                                       ORDER BY ordinal_position""", (layer,))
            if not c.endswith("_m") or c == "elevation_m" or c == "width_m"]
    select = []
    for c, t in cols:
        if c == "geom":
            select.append(sql.SQL("ST_AsBinary(geom) AS geom"))
        elif t == "geometry":
            select.append(sql.SQL("ST_AsText({0}) AS {0}").format(sql.Identifier(c)))
        elif t == "date":
            select.append(sql.SQL("to_char({0}, 'YYYY-MM-DD') AS {0}").format(sql.Identifier(c)))
        elif t == "jsonb":
            select.append(sql.SQL("{0}::text AS {0}").format(sql.Identifier(c)))
        elif t == "numeric":
            select.append(sql.SQL("{0}::float8 AS {0}").format(sql.Identifier(c)))
        elif t == "bpchar":
            select.append(sql.SQL("rtrim({0}) AS {0}").format(sql.Identifier(c)))
        else:
            select.append(sql.Identifier(c))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(select), sql.Identifier(layer), sql.Identifier(key_column(layer)))
    frame = db.query_df(conn, query)
    types = dict(cols)
    for c, t in types.items():
        if t in ("int4", "int2", "int8") and c in frame:
            frame[c] = frame[c].astype("Int64")
    if "extra" in frame:
        extra = frame.pop("extra")
        parsed = [json.loads(v) if v else {} for v in extra.tolist()]
        keys = list(dict.fromkeys(k for d in parsed for k in d))
        for k in keys:
            if k not in frame.columns:
                frame[k] = [d.get(k) for d in parsed]
    if "geom" in frame:
        geoms = shapely.from_wkb(np.array([None if v is None else bytes(v) for v in frame.pop("geom")], dtype=object))
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=frames.STORAGE_SRID),
                                crs=frames.STORAGE_SRID)
    return frame


def _lists_as_text(frame: pd.DataFrame, sep: str = ";") -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (list, tuple))).any():
            out[c] = out[c].map(lambda v: sep.join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


def _points_as_lonlat(frame: pd.DataFrame) -> pd.DataFrame:
    """Points as lon/lat columns; anything else as a WKT column; no geometry column left."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return pd.DataFrame(frame)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    out = pd.DataFrame(frame.drop(columns=[frame.geometry.name]))
    present = ~pd.isna(geoms)
    if len(geoms) and (shapely.get_type_id(geoms[present]) == 0).all():
        out["lon"] = np.round(np.where(present, shapely.get_x(geoms), np.nan), 8)
        out["lat"] = np.round(np.where(present, shapely.get_y(geoms), np.nan), 8)
    else:
        out["wkt"] = shapely.to_wkt(geoms, rounding_precision=8)
    return out


def _decode(layer: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Coded values as labels, yes/no as words: what a ledger reader expects."""
    out = frame.copy()
    yes, no = _BOOL_LABELS["zh" if lang == "zh" else "en"]
    for c in out.columns:
        v = vocab.COLUMN_VOCAB.get((layer, c))
        col = out[c]
        if v is not None:
            out[c] = col.map(lambda x: "、".join(vocab.label(v, i, lang) for i in x) if isinstance(x, (list, tuple))
                             else (None if x is None or (isinstance(x, float) and np.isnan(x))
                                   else vocab.label(v, x, lang)))
        elif pd.api.types.is_bool_dtype(col) or (col.dtype == object and col.map(lambda x: isinstance(x, bool)).any()):
            out[c] = col.map(lambda x: yes if x is True else (no if x is False else None))
    return _lists_as_text(out, "、")


def target_format(out: str | Path) -> str:
    """The format an output file's suffix names (gpkg, geojson, csv, xlsx); ExportError for an unknown one or a
    folder that does not exist."""
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ExportError(f"{out.name}: unknown format; use .gpkg, .geojson, .csv or .xlsx")
    if not out.parent.exists():
        raise ExportError(f"{out.parent}: no such folder")
    return fmt


def write_frame(layer: str, frame: pd.DataFrame, out: str | Path, lang: str = "zh") -> str:
    """Write a layer's frame (as read_layer gives it) to `out` in the format of its suffix, whole or not at all: a
    failure leaves no file and no partial file behind, and an existing file at `out` untouched. Returns the format."""
    fmt = target_format(out)
    if fmt == "xlsx" and len(frame) > XLSX_MAX_ROWS:
        raise ExportError(f"{layer} has {len(frame):,} rows, more than an Excel sheet holds "
                          f"({XLSX_MAX_ROWS:,}); export .csv or .gpkg instead")
    with atomic_file(out) as tmp:
        if fmt in ("gpkg", "geojson"):
            _write_vector(layer, frame, tmp, fmt)
        elif fmt == "csv":
            table = _points_as_lonlat(_lists_as_text(frame))
            for c in table.columns:  # true/false, as other tools (and our import) write them, not Python's True
                if pd.api.types.is_bool_dtype(table[c]) or (table[c].dtype == object and
                                                            pd.api.types.infer_dtype(table[c], skipna=True) == "boolean"):
                    table[c] = table[c].map({True: "true", False: "false"})
            cells.to_csv(table, tmp, encoding="utf-8-sig")
        else:
            _write_xlsx(layer, frame, tmp, lang)
    return fmt


def log_export(conn, layer: str, rows: int, fmt: str, file_name: str | None = None, *, user_id: int | None = None,
               user_login: str | None = None, user_role: str | None = None, scope_code: str | None = None,
               masked: bool = False) -> None:
    """Record an export in export_log: who (no user for the owner's command line), which layer, how many rows, the
    format and the file's name, stored as given, as plain text. On a scoped connection the row must name its user."""
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO export_log (user_id, user_login, user_role, scope_code, layer, rows, format,
                                               masked, file_name)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    (user_id, user_login, user_role, scope_code, str(layer), int(rows), str(fmt), masked,
                     None if file_name is None else str(file_name)))


def export_layer(layer: str, out: str | Path, *, lang: str = "zh", url: str | None = None) -> int:
    """The owner's export of a whole stored layer (`python -m geo export`, an administrator's tool) to `out`
    (format from its suffix), whole or not at all, recorded in export_log with no user; returns the rows written.
    A user's export, under row-level security and masked for the role, is accounts.exports.export_layer."""
    target_format(out)
    conn = db.connect(url)
    try:
        frame = read_layer(conn, layer)
    finally:
        conn.close()
    fmt = write_frame(layer, frame, out, lang)
    with db.transaction(url) as conn:
        log_export(conn, layer, len(frame), fmt, Path(out).name)
    return len(frame)


def _write_vector(layer: str, frame: pd.DataFrame, path: Path, fmt: str) -> None:
    frame = _lists_as_text(frame)
    if not isinstance(frame, gpd.GeoDataFrame):  # a table without geometry (relocated households)
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), crs=frames.STORAGE_SRID))
    driver = "GPKG" if fmt == "gpkg" else "GeoJSON"
    kwargs = {"layer": layer} if fmt == "gpkg" else {}
    for c in frame.columns:  # nullable integers with gaps go as floats where the driver needs plain numpy
        if str(frame[c].dtype) == "Int64":
            frame[c] = frame[c].astype("float64") if frame[c].isna().any() else frame[c].astype("int64")
    frame.to_file(path, driver=driver, engine="pyogrio", **kwargs)


def _write_xlsx(layer: str, frame: pd.DataFrame, path: Path, lang: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    table = _decode(layer, _points_as_lonlat(frame).drop(columns=["wkt"], errors="ignore"), lang)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(headers.title(layer, lang)[:31])
    table = cells.neutralise_frame(table)
    labels = [cells.neutralise(h) for h in headers.labels(layer, table.columns, lang)]
    widths = [max(8, min(40, 2 * len(h) + 2)) for h in labels]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(labels)))}{len(table) + 1}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for h in labels:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center", wrap_text=True)
        head.append(cell)
    ws.append(head)
    values = table.astype(object).where(table.notna(), None)
    for row in values.itertuples(index=False, name=None):
        ws.append(row)
    wb.save(path)
