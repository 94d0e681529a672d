"""GCJ-02 and BD-09 against published test points, exact inverses by round trip, and --crs parsing."""
from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS, Geod

from geo import frames

GEOD = Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# eviltransform (github.com/googollee/eviltransform, python/test.py, TESTS): WGS84 lat, lon → GCJ-02 lat, lon.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),    # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),    # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),    # Beijing
]
# coordtransform (github.com/wandergis/coordtransform, test/app.js, results printed there) at (116.404, 39.915).
WANDERGIS_WGS_TO_GCJ = ((116.404, 39.915), (116.41024449916938, 39.91640428150164))
WANDERGIS_GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
WANDERGIS_BD_TO_GCJ = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))  # their one-step inverse
# MapCoords (pypi.org/project/MapCoords, README, values from the Amap convert API): WGS84 → GCJ-02 → BD-09.
AMAP_WGS, AMAP_GCJ, AMAP_BD = (116.481499, 39.990475), (116.487586, 39.991754), (116.49412, 39.997716)


def test_wgs84_to_gcj02_matches_eviltransform_within_a_centimetre():
    wlat, wlon, glat, glon = map(np.array, zip(*EVILTRANSFORM))
    lon, lat = frames.wgs84_to_gcj02(wlon, wlat)
    assert metres(lon, lat, glon, glat).max() < 0.02
    # The offset is real (hundreds of metres), so the test would fail on an identity transform.
    assert metres(wlon, wlat, glon, glat).min() > 300


def test_gcj02_to_wgs84_is_exact_on_the_published_points():
    wlat, wlon, glat, glon = map(np.array, zip(*EVILTRANSFORM))
    lon, lat = frames.gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat).max() < 0.02   # the brief asks for < 1 m


def test_coordtransform_and_amap_published_values():
    (x, y), expected = WANDERGIS_WGS_TO_GCJ
    assert metres(*frames.wgs84_to_gcj02(x, y), *expected) < 0.02
    (x, y), expected = WANDERGIS_GCJ_TO_BD
    assert metres(*frames.gcj02_to_bd09(x, y), *expected) < 0.001
    (x, y), expected = WANDERGIS_BD_TO_GCJ  # their inverse is approximate; ours is exact and within centimetres
    assert metres(*frames.bd09_to_gcj02(x, y), *expected) < 0.1
    assert metres(*frames.wgs84_to_gcj02(*AMAP_WGS), *AMAP_GCJ) < 0.1   # published to 6 decimals (≈ 0.1 m)
    assert metres(*frames.gcj02_to_bd09(*AMAP_GCJ), *AMAP_BD) < 0.1
    assert metres(*frames.bd09_to_wgs84(*AMAP_BD), *AMAP_WGS) < 0.2


def test_round_trips_are_exact_over_china():
    rng = np.random.default_rng(3)
    lon = rng.uniform(74, 134, 20_000)
    lat = rng.uniform(4, 53, 20_000)
    back = frames.gcj02_to_wgs84(*frames.wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 1e-3
    back = frames.bd09_to_wgs84(*frames.wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 1e-3


def test_outside_china_is_left_alone():
    lon, lat = frames.wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    assert lon.tolist() == [2.35, -74.0] and lat.tolist() == [48.85, 40.7]


def test_parse_frame_and_to_storage():
    assert frames.parse_frame("GCJ-02") == "gcj02"
    assert frames.parse_frame("bd09") == "bd09"
    assert frames.parse_frame("EPSG:4522") == CRS.from_epsg(4522)
    with pytest.raises(ValueError, match="unknown coordinate frame 'EPSG:99999'"):
        frames.parse_frame("EPSG:99999")
    # A Gauss-Krüger zone 34 point (central meridian 102°E, false easting 34 500 000 m) lands on the meridian.
    lon, lat = frames.to_storage([34_500_000.0], [2_660_000.0], frames.parse_frame("EPSG:4522"))
    assert lon[0] == pytest.approx(102.0, abs=1e-9) and 23.9 < lat[0] < 24.1
    lon, lat = frames.to_storage([116.404], [39.915], "gcj02")
    assert metres(lon, lat, *WANDERGIS_WGS_TO_GCJ[0]) > 500   # decoding moves the point back by the offset
