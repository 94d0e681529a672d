"""Write whole layers (GeoDataFrames in CGCS2000) into their tables with COPY, metric copies beside them."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import Transformer

from . import frames
from .db.copy import copy_columns, plain_value as _plain
from .db.frame import record_metric_srid

LAYERS = ("admin_units", "seats", "natural_villages", "households", "houses", "water_sources", "roads",
          "relocation_sites", "relocated_households", "assets",
          "facilities",          # village services
          "household_members")   # persons of the households, loaded after them
# Layers loaded first, so that what points at them finds them.
LOAD_ORDER = LAYERS
_SECOND_GEOMETRY = {"water_sources": "protection_zone"}  # a polygon column beside the point


def table_columns(cur, table: str) -> dict[str, str]:
    """Writable columns of a table and their types (generated columns left out)."""
    cur.execute("""SELECT column_name, udt_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'NEVER'
                   ORDER BY ordinal_position""", (table,))
    return dict(cur.fetchall())


def _project(geoms: np.ndarray, srid: int) -> np.ndarray:
    t = Transformer.from_crs(frames.STORAGE_SRID, srid, always_xy=True)

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


_POINT_EWKB = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _ewkb(geoms: np.ndarray, srid: int) -> list[str | None] | pa.Array:
    """Hex EWKB of each geometry. All-point columns (a million households) are packed by numpy straight into an
    Arrow string array: the same bytes GEOS writes, without a Python object per point."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all() and not shapely.is_empty(geoms).any():
        rec = np.empty(len(geoms), dtype=_POINT_EWKB)
        rec["order"], rec["type"], rec["srid"] = 1, 0x20000001, srid  # little-endian Point with SRID flag
        rec["x"], rec["y"] = shapely.get_x(geoms), shapely.get_y(geoms)
        data = rec.tobytes().hex().upper().encode("ascii")
        width = 2 * _POINT_EWKB.itemsize
        offsets = np.arange(len(geoms) + 1, dtype=np.int64) * width
        return pa.Array.from_buffers(pa.large_string(), len(geoms), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    out = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    return [None if g is None else g for g in out]


def _as_multi(geoms: np.ndarray) -> np.ndarray:
    """Polygons as MultiPolygons (the column type); missing values (None, NaN) as None."""
    def one(g):
        if not isinstance(g, shapely.Geometry) or g.is_empty:
            return None
        return shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g
    return np.array([one(g) for g in geoms], dtype=object)


def write_layer(cur, layer: str, frame: pd.DataFrame, *, replace: bool = False, srid: int | None = None) -> int:
    """Load one layer. `frame` holds the table's columns (others go to `extra`) and, for spatial layers, a
    GeoDataFrame geometry in EPSG:4490. With `replace` the layer's rows are swapped inside the caller's transaction."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
    cols = table_columns(cur, layer)
    spatial = "geom" in cols
    if replace:
        _clear(cur, layer)
    if frame.empty:
        return 0
    out: dict[str, list] = {}
    if spatial:
        gdf = frame if isinstance(frame, gpd.GeoDataFrame) else gpd.GeoDataFrame(frame)
        if gdf.crs is None or gdf.crs.to_epsg() != frames.STORAGE_SRID:
            raise ValueError(f"{layer}: geometry must be in EPSG:{frames.STORAGE_SRID}, got {gdf.crs}")
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        points = len(geoms) and (shapely.get_type_id(geoms) == 0).all()
        srid = srid or record_metric_srid(cur, float(np.nanmedian(shapely.get_x(geoms if points else shapely.centroid(geoms)))))
        if layer == "admin_units":
            geoms = _as_multi(geoms)
        out["geom"] = _ewkb(geoms, frames.STORAGE_SRID)
        out["geom_m"] = _ewkb(_project(geoms, srid), srid)
        second = _SECOND_GEOMETRY.get(layer)
        if second and second in frame.columns:
            zones = _as_multi(np.asarray(frame[second].tolist(), dtype=object))
            out[second] = _ewkb(zones, frames.STORAGE_SRID)
            out[second + "_m"] = _ewkb(_project(zones, srid), srid)
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    skip = {"geom", "geom_m", geometry_name, *(_SECOND_GEOMETRY.get(layer, ""),)}
    extra_cols = [c for c in frame.columns if c not in cols and c not in skip and c != "extra"]
    for c in cols:
        if c in out or c == "extra" or c not in frame.columns:
            continue
        out[c] = frame[c]
    if extra_cols or "extra" in frame.columns:
        records = frame[extra_cols].to_dict("records") if extra_cols else [{} for _ in range(len(frame))]
        base = frame["extra"].tolist() if "extra" in frame.columns else [{} for _ in range(len(frame))]
        out["extra"] = [json.dumps({**(b or {}), **{k: _plain(v) for k, v in r.items() if _plain(v) is not None}},
                                   ensure_ascii=False, default=str)
                        for b, r in zip(base, records)]
    return copy_columns(cur, layer, out, len(frame))


def _clear(cur, layer: str) -> None:
    """Empty a layer inside the transaction: TRUNCATE where nothing points at it, else DELETE."""
    cur.execute("""SELECT count(*) FROM pg_constraint
                   WHERE contype = 'f' AND confrelid = %s::regclass""", (layer,))
    if cur.fetchone()[0]:
        cur.execute(f"DELETE FROM {layer}")
    else:
        cur.execute(f"TRUNCATE {layer}")
