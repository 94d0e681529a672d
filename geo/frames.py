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


# --- GCJ-02 (Gaode/Amap, Tencent) and BD-09 (Baidu) --------------------------------------------------------------
# No PyPI package is both kept up and vectorised (eviltransform, prcoords and coordtransform convert one point per
# call in Python: minutes for a million households), so the published algorithm is written here over numpy arrays.
# Forward: the GCJ-02 offset as leaked and published (eviltransform, coordTransform); BD-09 as Baidu's own
# bd_encrypt. Inverses are exact to 1e-9° by fixed-point iteration: the offsets vary slowly (< 0.3 % per unit of
# displacement), so each step shrinks the error about 300-fold.
_A = 6378137.0                      # Krasovsky semi-major axis as the algorithm uses it
_EE = 0.00669342162296594323        # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOL_DEG = 1e-10


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Where the published algorithm leaves coordinates untouched (outside its China box)."""
    return ~((lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271))


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84, in degrees, at WGS84 lon/lat."""
    x = lon - 105.0
    y = lat - 35.0
    xp = x * np.pi
    yp = y * np.pi
    common = (20.0 * np.sin(6.0 * xp) + 20.0 * np.sin(2.0 * xp)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(yp) + 40.0 * np.sin(yp / 3.0)) * 2.0 / 3.0
            + (160.0 * np.sin(yp / 12.0) + 320.0 * np.sin(yp / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(xp) + 40.0 * np.sin(xp / 3.0)) * 2.0 / 3.0
            + (150.0 * np.sin(xp / 12.0) + 300.0 * np.sin(xp / 30.0)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = dlon * 180.0 / (_A / sq * np.cos(rad) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _invert(forward, lon, lat, first_guess) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(w) = (lon, lat) for w by fixed-point iteration from a first guess."""
    wlon, wlat = first_guess
    for _ in range(30):
        flon, flat = forward(wlon, wlat)
        elon = flon - lon
        elat = flat - lat
        wlon = wlon - elon
        wlat = wlat - elat
        if not np.any(np.abs(elon) > _INVERSE_TOL_DEG) and not np.any(np.abs(elat) > _INVERSE_TOL_DEG):
            break
    return wlon, wlat


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of wgs84_to_gcj02 (to about 1e-5 m)."""
    lon, lat = _arrays(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, (lon, lat))


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _arrays(lon, lat)
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of gcj02_to_bd09, from Baidu's published approximate inverse as first guess."""
    lon, lat = _arrays(lon, lat)
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lon, lat, (z * np.cos(theta), z * np.sin(theta)))


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def parse_frame(text: str | None):
    """A frame as `--crs` names it: 'gcj02', 'bd09' (any case, with or without dash), or a pyproj CRS (EPSG:n, …)."""
    if text is None:
        return None
    key = str(text).strip().lower().replace("-", "").replace("_", "")
    if key in ("gcj02", "gcj", "mars", "amap", "gaode"):
        return "gcj02"
    if key in ("bd09", "bd09ll", "baidu"):
        return "bd09"
    try:
        return CRS.from_user_input(str(text).strip())
    except Exception as err:  # pyproj's CRSError says little a user can act on
        raise ValueError(f"unknown coordinate frame {text!r}: give EPSG:n (e.g. EPSG:4326, EPSG:4490, EPSG:4522), "
                         f"gcj02 or bd09") from err


def is_geographic(frame) -> bool:
    """Whether coordinates in the frame are degrees of longitude and latitude."""
    return isinstance(frame, str) or bool(getattr(frame, "is_geographic", False))


def frame_name(frame) -> str:
    if isinstance(frame, str):
        return frame
    epsg = frame.to_epsg()
    return f"EPSG:{epsg}" if epsg else frame.name


def is_storage(frame) -> bool:
    """Whether a frame is the storage frame itself (coordinates need no conversion)."""
    return not isinstance(frame, str) and frame.to_epsg() == STORAGE_SRID


def to_storage(x, y, frame) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in a frame (gcj02, bd09 or a pyproj CRS) as CGCS2000 lon/lat; non-finite where they cannot be.
    WGS84 and CGCS2000 agree within centimetres here, so GCJ-02/BD-09 decode to WGS84 taken as CGCS2000."""
    x, y = _arrays(x, y)
    if isinstance(frame, str):  # a named frame (parse_frame gives only 'gcj02' or 'bd09' as text)
        return gcj02_to_wgs84(x, y) if frame == "gcj02" else bd09_to_wgs84(x, y)
    if is_storage(frame):
        return x, y
    t = Transformer.from_crs(frame, CRS.from_epsg(STORAGE_SRID), always_xy=True)
    return t.transform(x, y, errcheck=False)
