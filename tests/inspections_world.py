"""A tiny hand-built county for the inspection tests: two townships, a few targets at known positions."""
from __future__ import annotations

from datetime import date

import geopandas as gpd
from shapely.geometry import LineString, Point, box

from geo.store import write_layer
from inspections import auth

COUNTY, T1, T2 = "530427000000", "530427205000", "530427206000"
V1, V2 = "530427205001", "530427206001"
H1 = (101.95, 24.05)      # monitored household in V1
H2 = (101.96, 24.05)      # general household in V1, ~1 km east of H1
HS1 = (101.951, 24.051)   # idle dangerous house
W1 = (101.97, 24.06)      # water works with a protection zone
H3 = (102.20, 24.20)      # household in V2 (the other township)


def _gdf(rows, geoms):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4490")


def load(conn, last_visit: date | None = None) -> None:
    """Write the county's layers; households' last visit on `last_visit` (None: never visited)."""
    with conn.cursor() as cur:
        write_layer(cur, "admin_units", _gdf(
            [{"code": COUNTY, "level": "county", "name": "新平县"},
             {"code": T1, "level": "township", "name": "平掌乡", "parent_code": COUNTY},
             {"code": T2, "level": "township", "name": "另一乡", "parent_code": COUNTY},
             {"code": V1, "level": "village", "name": "一村", "parent_code": T1},
             {"code": V2, "level": "village", "name": "二村", "parent_code": T2}],
            [box(101.5, 23.5, 102.5, 24.5), box(101.5, 23.5, 102.0, 24.5), box(102.0, 23.5, 102.5, 24.5),
             box(101.9, 24.0, 102.0, 24.1), box(102.1, 24.1, 102.3, 24.3)]))
        write_layer(cur, "natural_villages", _gdf(
            [{"id": "NV1", "name": "大寨", "village_code": V1, "households": 2},
             {"id": "NV2", "name": "小寨", "village_code": V2, "households": 1}],
            [Point(*H1), Point(*H3)]))
        write_layer(cur, "households", _gdf(
            [{"id": "H1", "natural_village_id": "NV1", "members": 4, "category": "unstable", "last_visit_on": last_visit},
             {"id": "H2", "natural_village_id": "NV1", "members": 2, "category": "general", "last_visit_on": last_visit},
             {"id": "H3", "natural_village_id": "NV2", "members": 3, "category": "general", "last_visit_on": last_visit}],
            [Point(*H1), Point(*H2), Point(*H3)]))
        write_layer(cur, "houses", _gdf(
            [{"id": "HS1", "household_id": "H1", "grade": "D", "idle": True, "occupied": False}], [Point(*HS1)]))
        write_layer(cur, "water_sources", _gdf(
            [{"id": "W1", "name": "大寨水厂", "kind": "centralised", "status": "working", "village_code": V1,
              "protection_zone": box(101.965, 24.055, 101.975, 24.065)}], [Point(*W1)]))
        write_layer(cur, "roads", _gdf(
            [{"id": "R1", "surface": "gravel", "all_season": False}],
            [LineString([(101.95, 24.04), (101.97, 24.04)])]))
        write_layer(cur, "assets", _gdf(
            [{"id": "A1", "name": "光伏电站", "type": "operating", "village_code": V1}], [Point(101.955, 24.055)]))
        cur.execute("SELECT mon_import_cases()")   # as an import does: the monitored H1 becomes a case
        write_layer(cur, "relocation_sites", _gdf(
            [{"id": "S1", "name": "安置点", "village_code": V1, "relocated_households": 40,
              "facilities": ["school", "clinic"]}], [Point(101.99, 24.09)]))
    conn.commit()


def people(conn) -> dict:
    """One person per role: an inspector in V1, reviewers at village, township and county level, one in T2."""
    out = {}
    with conn.cursor() as cur:
        for key, name, role, scope in [("insp", "李监测员", "inspector", V1), ("insp2", "王监测员", "inspector", V1),
                                       ("village", "村书记", "village", V1), ("township", "乡干部", "township", T1),
                                       ("county", "县督查", "county", COUNTY), ("other", "外乡", "township", T2)]:
            iid = auth.create_inspector(cur, name, role, scope)
            out[key] = auth.by_id(cur, iid)
    conn.commit()
    return out


def household_answers(ok: bool = True) -> dict:
    a = {"members": 4, "food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
         "drinking_water": "yes"}
    if not ok:
        a.update(drinking_water="no", new_risks=["water"])
    return a


def submission(target_id: str, lonlat, *, kind: str = "household_visit", start: str = "2026-11-23T10:00:00+08:00",
               end: str = "2026-11-23T10:20:00+08:00", accuracy=8.0, answers: dict | None = None, id: str | None = None,
               **extra) -> dict:
    import uuid
    loc = {"lon": lonlat[0], "lat": lonlat[1]}
    if accuracy is not None:
        loc["accuracy_m"] = accuracy
    return {"id": id or str(uuid.uuid4()), "kind": kind, "target_id": target_id, "started_at": start,
            "submitted_at": end, "location": loc,
            "answers": household_answers() if answers is None else answers, **extra}


def offset(lonlat, east_m: float = 0.0, north_m: float = 0.0):
    """A point `east_m`, `north_m` metres from lonlat (small offsets, spherical approximation)."""
    import math
    lon, lat = lonlat
    return (lon + east_m / (111_320 * math.cos(math.radians(lat))), lat + north_m / 110_574)


def jpeg(seed: int = 0, lat=None, lon=None, when: str | None = None, tz: str | None = None, fmt: str = "JPEG",
         size=(96, 64)) -> bytes:
    """A photo with a distinct picture (seeded noise) and the EXIF asked for."""
    import io

    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).resize(size, Image.NEAREST)
    ex = Image.Exif()
    ex[271], ex[272] = "TestMake", "TestModel"
    if when:
        sub = ex.get_ifd(0x8769)
        sub[36867] = when
        if tz:
            sub[36881] = tz
    if lat is not None:
        def dms(v):
            d = int(v)
            m = int((v - d) * 60)
            return (float(d), float(m), round(((v - d) * 60 - m) * 60, 4))
        ex.get_ifd(0x8825).update({1: "N" if lat >= 0 else "S", 2: dms(abs(lat)), 3: "E" if lon >= 0 else "W",
                                   4: dms(abs(lon))})
    buf = io.BytesIO()
    img.save(buf, fmt, exif=ex.tobytes())
    return buf.getvalue()


import pytest  # noqa: E402


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    """Photos stored under this test's own folder."""
    from inspections import photos
    d = tmp_path / "photos"
    monkeypatch.setattr(photos, "settings", photos.settings.model_copy(update={"photo_dir": d}))
    return d


@pytest.fixture
def world(conn, photo_dir):
    """The tiny county loaded, households last visited 2026-10-01; returns the people by role."""
    from datetime import date
    load(conn, last_visit=date(2026, 10, 1))
    return people(conn)


def counts(conn) -> dict:
    """Rows in every inspection table, to show a refused submission stored nothing."""
    out = {}
    with conn.cursor() as cur:
        for t in ("inspections", "inspection_photos", "inspection_flags", "review_log", "rectifications"):
            cur.execute(f"SELECT count(*) FROM {t}")
            out[t] = cur.fetchone()[0]
    conn.rollback()
    return out


# The same people as accounts (the pages and the API sign in as accounts): login → (account role, scope).
ACCOUNTS = {"insp": ("village_monitor", V1), "insp2": ("village_monitor", V1), "village": ("village_monitor", V1),
            "township": ("township_officer", T1), "county": ("county_planner", COUNTY),
            "other": ("township_officer", T2)}
