"""A synthetic province for the distributed checks: counties of the demo generator (demo.generate, one seed each)
tiled on a grid, written county by county to a dataset folder (one GeoPackage per layer, appended; one DEM mosaic
written window by window), so that ten million households never sit in memory together.

Each county is the demo county shifted in the metric frame (EPSG:4522) by whole county extents and renumbered: its
codes 530427… become 53RRCC… (row, column), its record ids gain that code as a prefix. Only the layers the checks
read are written (admin units, seats, natural villages, households, water sources, roads) and the DEM; the terrain
of neighbouring counties does not join at their borders (each is its own seed)."""
from __future__ import annotations

import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from rasterio.windows import Window

from . import demo

LAYERS = ("admin_units", "seats", "natural_villages", "households", "water_sources", "roads")
COUNTY_SCALE = "county"  # about 100,000 households a county: a hundred make ten million
_TO_GRID = Transformer.from_crs(demo.STORAGE_SRID, demo.GRID_SRID, always_xy=True)
_TO_GEO = Transformer.from_crs(demo.GRID_SRID, demo.STORAGE_SRID, always_xy=True)


def county_code(k: int, cols: int) -> str:
    """The 6-digit code of the k-th county: province 53, row and column from 01."""
    return f"53{k // cols + 1:02d}{k % cols + 1:02d}"


def _shift(geoms: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Geometries in EPSG:4490 moved by (dx, dy) metres in the metric frame."""
    def move(xy):
        x, y = _TO_GRID.transform(xy[:, 0], xy[:, 1])
        x, y = _TO_GEO.transform(np.asarray(x) + dx, np.asarray(y) + dy)
        return np.column_stack([x, y])
    return shapely.transform(geoms, move)


def _renumber(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    """Codes 530427… as the county's; record ids (id, *_id) that carry no code get the county code as a prefix."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry" or pd.api.types.infer_dtype(out[col], skipna=True) != "string":
            continue
        s = out[col].str.replace(demo.COUNTY_CODE[:6], code, regex=False)
        if col == "id" or col.endswith("_id"):
            s = s.where(s.isna() | s.str.startswith(code), code + "-" + s)
        out[col] = s
    return out


def county(seed: int, k: int, cols: int, width: float, height: float) -> tuple[dict[str, gpd.GeoDataFrame], bytes]:
    """The k-th county's layers (renumbered, moved to its place on the grid) and its DEM."""
    d = demo.generate(seed + k, COUNTY_SCALE)
    code = county_code(k, cols)
    dx, dy = (k % cols) * width, -(k // cols) * height
    layers = {}
    for name in LAYERS:
        f = _renumber(demo._flat(d.layers[name]), code)
        if name == "admin_units":  # the city is not a layer row; the county's parent is its city (row)
            f["parent_code"] = f.parent_code.where(f.level != "county", f"53{k // cols + 1:02d}00000000")
        layers[name] = gpd.GeoDataFrame(f, geometry=_shift(f.geometry.to_numpy(), dx, dy), crs=demo.STORAGE_SRID)
    return layers, d.dem_tif


def write_province(out: str | Path, households: int = 10_000_000, seed: int = 1, *, counties: int | None = None,
                   log=print) -> dict:
    """Write the province to folder `out`: `counties` counties (default: as many as make `households`) on a
    square-ish grid, appended county by county. Returns what was written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    per = demo.SCALES[COUNTY_SCALE][0]
    n = counties or max(1, math.ceil(households / per))
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    with MemoryFile(demo.generate(seed, "town").dem_tif) as mem, mem.open() as ds:
        ny, nx, t = ds.height, ds.width, ds.transform
    width, height = nx * t.a, ny * -t.e
    for name in LAYERS:
        (out / f"{name}.gpkg").unlink(missing_ok=True)
    profile = dict(driver="GTiff", width=cols * nx, height=rows * ny, count=1, dtype="int16",
                   crs=f"EPSG:{demo.GRID_SRID}", transform=from_origin(t.c, t.f, t.a, -t.e), nodata=demo.NODATA,
                   compress="deflate", predictor=2, tiled=True, blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
    counts = dict.fromkeys(LAYERS, 0)
    t0 = time.perf_counter()
    with rasterio.open(out / "dem.tif", "w", **profile) as dem:
        # A county is only written here: the mosaic starts as nodata where no county lies.
        for k in range(n):
            layers, tif = county(seed, k, cols, width, height)
            for name, frame in layers.items():
                frame.to_file(out / f"{name}.gpkg", driver="GPKG", layer=name, engine="pyogrio",
                              append=(out / f"{name}.gpkg").exists(), promote_to_multi=name == "admin_units")
                counts[name] += len(frame)
            with MemoryFile(tif) as mem, mem.open() as ds:
                dem.write(ds.read(1), 1, window=Window((k % cols) * nx, (k // cols) * ny, nx, ny))
            del layers, tif
            log(f"province: county {k + 1}/{n} ({county_code(k, cols)}) written, {counts['households']:,} "
                f"households so far ({time.perf_counter() - t0:.0f} s)")
    return {"counties": n, "grid": (rows, cols), "counts": counts, "dem": (rows * ny, cols * nx),
            "seconds": round(time.perf_counter() - t0, 1)}
