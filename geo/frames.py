"""Coordinate frames: the CGCS2000 Gauss-Krüger zone for a longitude, and transforms into the storage frame."""
from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer

STORAGE_SRID = 4490  # CGCS2000 geographic


def gk_zone_srid(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (with zone prefix, EPSG:4513–4533) for a longitude."""
    zone = int(np.floor(lon / 3.0 + 0.5))
    if not 25 <= zone <= 45:
        raise ValueError(f"longitude {lon:.4f} is outside China's Gauss-Krüger zones 25–45 (75°E–135°E)")
    return 4513 + zone - 25


def to_metric(lon: np.ndarray, lat: np.ndarray, srid: int) -> tuple[np.ndarray, np.ndarray]:
    """Project CGCS2000 lon/lat arrays into a metric frame."""
    t = Transformer.from_crs(CRS.from_epsg(STORAGE_SRID), CRS.from_epsg(srid), always_xy=True)
    return t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
