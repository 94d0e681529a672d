"""Hand-built scenarios for the check tests: points and lines given in metres from an origin in Xinping county,
loaded with geo.store.write_layer, and a synthetic DEM (a function of metric x, y offsets) with geo.terrain.store_dem."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point

from geo import store, terrain

SRID = 4522                 # CGCS2000 3° Gauss-Krüger zone 34 (102°E), the frame write_layer picks here
X0, Y0 = 34_500_000.0, 2_650_000.0   # origin of the scenario in that frame (about 102.0°E, 23.95°N)
_TO_LL = Transformer.from_crs(SRID, 4490, always_xy=True)


def ll(dx: float, dy: float) -> tuple[float, float]:
    return _TO_LL.transform(X0 + dx, Y0 + dy)


def pts(rows: list[dict]) -> gpd.GeoDataFrame:
    """Rows with 'dx', 'dy' (metres from the origin) as a GeoDataFrame in EPSG:4490."""
    df = pd.DataFrame(rows)
    geom = [Point(*ll(r["dx"], r["dy"])) for r in rows]
    return gpd.GeoDataFrame(df.drop(columns=["dx", "dy"]), geometry=geom, crs=4490)


def lines(rows: list[dict]) -> gpd.GeoDataFrame:
    """Rows with 'xy' (list of (dx, dy) vertices) as LineStrings in EPSG:4490."""
    df = pd.DataFrame(rows)
    geom = [LineString([ll(x, y) for x, y in r["xy"]]) for r in rows]
    return gpd.GeoDataFrame(df.drop(columns=["xy"]), geometry=geom, crs=4490)


def dem_tif(fn, extent=(-3000, -3000, 13000, 13000), cell=10.0, voids=()) -> bytes:
    """A GeoTIFF in the metric frame with elevation fn(dx, dy) at cell centres; `voids` are (dx0, dy0, dx1, dy1)
    rectangles of nodata."""
    x0, y0, x1, y1 = extent
    w, h = int((x1 - x0) / cell), int((y1 - y0) / cell)
    cx = x0 + cell * (np.arange(w) + 0.5)
    cy = y1 - cell * (np.arange(h) + 0.5)
    gx, gy = np.meshgrid(cx, cy)
    z = np.asarray(fn(gx, gy), dtype="float32") * np.ones_like(gx, dtype="float32")
    for a, b, c, d in voids:
        z[(gx >= a) & (gx <= c) & (gy >= b) & (gy <= d)] = -9999.0
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=f"EPSG:{SRID}",
                      transform=from_origin(X0 + x0, Y0 + y1, cell, cell), nodata=-9999.0) as ds:
            ds.write(z, 1)
        return mem.read()


def load(conn, *, villages=None, households=None, sources=None, roads=None, seats=None, dem=None) -> None:
    """Load a scenario in one transaction. Village/household/source/seat rows need dx, dy; roads need xy."""
    with conn.cursor() as cur:
        cur.execute("INSERT INTO meta (key, value) VALUES ('metric_srid', %s) ON CONFLICT DO NOTHING", (str(SRID),))
        if villages:
            store.write_layer(cur, "natural_villages", pts([{"name": v["id"], **v} for v in villages]))
        if households:
            store.write_layer(cur, "households", pts(households))
        if sources:
            store.write_layer(cur, "water_sources", pts(sources))
        if roads:
            store.write_layer(cur, "roads", lines(roads))
        if seats:
            store.write_layer(cur, "seats", pts(seats))
        if dem is not None:
            terrain.store_dem(cur, dem)
    conn.commit()
