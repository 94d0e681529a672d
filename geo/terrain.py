"""Terrain: the DEM kept in the database as its GeoTIFF, read into memory once, sampled at points and along lines.
The GeoTIFF is opened by GDAL's GeoTIFF driver alone (no other format, such as a VRT, is tried).

Samples on a void (the DEM's nodata) or outside the DEM are NaN, never the nodata value itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer
from rasterio.io import MemoryFile
from rasterio.transform import Affine

from .frames import STORAGE_SRID


@dataclass
class Dem:
    """A DEM in memory: elevations (float, NaN on voids), its affine transform and CRS."""

    elevation: np.ndarray
    transform: Affine
    crs: CRS

    @classmethod
    def from_bytes(cls, tif: bytes) -> "Dem":
        with MemoryFile(tif) as mem, mem.open(driver="GTiff") as src:
            if src.crs is None:
                raise ValueError("the DEM has no coordinate reference system; write one into the GeoTIFF")
            band = src.read(1, masked=True).astype("float64")
            return cls(band.filled(np.nan), src.transform, CRS.from_user_input(src.crs.to_wkt()))

    @classmethod
    def from_file(cls, path: str | Path) -> "Dem":
        return cls.from_bytes(Path(path).read_bytes())

    def _from_storage(self) -> Transformer:
        return Transformer.from_crs(CRS.from_epsg(STORAGE_SRID), self.crs, always_xy=True)

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the DEM in CGCS2000."""
        h, w = self.elevation.shape
        xs = np.array([0, w, 0, w]); ys = np.array([0, 0, h, h])
        x, y = self.transform * (xs, ys)
        lon, lat = Transformer.from_crs(self.crs, CRS.from_epsg(STORAGE_SRID), always_xy=True).transform(x, y)
        return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))

    def sample_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Elevations at coordinates in the DEM's own CRS, bilinear between cell centres; NaN on voids or outside."""
        x = np.asarray(x, dtype=float); y = np.asarray(y, dtype=float)
        col, row = ~self.transform * (x, y)
        col = np.asarray(col) - 0.5
        row = np.asarray(row) - 0.5
        h, w = self.elevation.shape
        c0 = np.floor(col).astype(int); r0 = np.floor(row).astype(int)
        fc = col - c0; fr = row - r0
        c0c = np.clip(c0, 0, w - 1); c1c = np.clip(c0 + 1, 0, w - 1)
        r0c = np.clip(r0, 0, h - 1); r1c = np.clip(r0 + 1, 0, h - 1)
        e = self.elevation
        z = np.zeros_like(col)
        # A corner with zero weight does not count, so a void next door does not blank a cell centre.
        for rr, cc, wgt in ((r0c, c0c, (1 - fc) * (1 - fr)), (r0c, c1c, fc * (1 - fr)),
                            (r1c, c0c, (1 - fc) * fr), (r1c, c1c, fc * fr)):
            z = z + np.where(wgt > 1e-12, e[rr, cc] * wgt, 0.0)
        # Outside the raster (beyond the half cell at its edge) is unknown, not the edge value.
        outside = (col < -0.5) | (row < -0.5) | (col > w - 0.5) | (row > h - 0.5) | ~np.isfinite(col)
        return np.where(outside, np.nan, z)

    def sample(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Elevations at CGCS2000 lon/lat points; NaN on voids or outside the DEM."""
        x, y = self._from_storage().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return self.sample_xy(x, y)


def store_dem(cur, tif: bytes, source_name: str | None = None) -> Dem:
    """Validate a GeoTIFF and keep it as the project's DEM (replacing any earlier one, inside the transaction)."""
    dem = Dem.from_bytes(tif)
    with MemoryFile(tif) as mem, mem.open(driver="GTiff") as src:
        nodata = src.nodata
    h, w = dem.elevation.shape
    cur.execute("""INSERT INTO dem (id, tif, crs, width, height, nodata, source_name) VALUES (1, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (id) DO UPDATE SET tif = EXCLUDED.tif, crs = EXCLUDED.crs, width = EXCLUDED.width,
                   height = EXCLUDED.height, nodata = EXCLUDED.nodata, source_name = EXCLUDED.source_name,
                   imported_at = now()""",
                (tif, dem.crs.to_string(), w, h, nodata, source_name))
    return dem


def load_dem(conn) -> Dem | None:
    """The project's DEM, or None when none is loaded."""
    with conn.cursor() as cur:
        cur.execute("SELECT tif FROM dem WHERE id = 1")
        row = cur.fetchone()
    return Dem.from_bytes(bytes(row[0])) if row else None
