"""The services check on a hand-built network in a real PostGIS: villages 4.9 and 5.1 km along the road from the
township health centre (straight they are nearer), one beyond the network (measured straight, said so), one with
its own qualified clinic, one whose clinic has no qualified doctor, one with no place at all (nothing judged, never
true); bus stops in reach; kindergartens in poor villages; the command and its --out file."""
import csv
import os
import subprocess
import sys

import pandas as pd
import pytest

import checks_scenario as sc
from geo import db, store
from geo.checks import services
from geo.checks.rules import load_rules

T = "530427205000"
V1, V2, V3, V4, V5, V6 = (T[:9] + f"{i:03d}" for i in range(1, 7))
ROADS = [{"id": "R1", "surface": "cement", "xy": [(0, 0), (0, 2000), (6000, 2000)]}]
SEATS = [{"code": V1, "level": "village", "dx": 2900, "dy": 2000},     # 4.9 km along R1 from the health centre
         {"code": V2, "level": "village", "dx": 3100, "dy": 2000},     # 5.1 km
         {"code": V3, "level": "village", "dx": -3000, "dy": -3000},   # no road within reach: straight 4.24 km
         {"code": V4, "level": "village", "dx": 6000, "dy": 2000},     # 8 km, but its own qualified clinic
         {"code": V5, "level": "village", "dx": 5500, "dy": 2000}]     # 7.5 km, its clinic has no licensed doctor
FACILITIES = [
    {"id": "HC", "kind": "township_health_centre", "village_code": V1, "dx": 0, "dy": 0},
    {"id": "C4", "kind": "village_clinic", "village_code": V4, "doctors": 1, "qualified_doctors": 1,
     "dx": 6000, "dy": 2050},
    {"id": "C5", "kind": "village_clinic", "village_code": V5, "doctors": 1, "qualified_doctors": 0,
     "dx": 5500, "dy": 2080},
    {"id": "BS", "kind": "bus_stop", "dx": 1000, "dy": 2000},
    {"id": "K2", "kind": "kindergarten", "village_code": V2, "dx": 3100, "dy": 2100},
    {"id": "S1", "kind": "school", "village_code": V1, "dx": 2900, "dy": 2100},
]


@pytest.fixture
def county(conn):
    sc.load(conn, roads=ROADS, seats=SEATS)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO admin_units (code, level, name, parent_code, extra) VALUES "
                        "(%s, 'village', %s, %s, %s)",
                        [(v, "村" + v[-1], T, '{"poor_village": true}' if v in (V1, V2) else '{}')
                         for v in (V1, V2, V3, V4, V5, V6)])
        store.write_layer(cur, "facilities", sc.pts(FACILITIES))
    conn.commit()
    return conn


def test_clinic_within_5_km_along_the_network_and_straight_beyond_it(county):
    run = services.check_services(county, load_rules(county))
    county.commit()
    r = run.rows.set_index("village_code")
    assert r.loc[V1].health_centre_m == pytest.approx(4900, abs=0.5) and r.loc[V1].clinic_ok is True
    assert r.loc[V2].health_centre_m == pytest.approx(5100, abs=0.5) and r.loc[V2].clinic_ok is False
    # the distance reported is to the nearest qualified clinic or health centre: C4 along the road
    assert (r.loc[V1].clinic_id, r.loc[V1].distance_basis) == ("C4", "network")
    assert r.loc[V1].clinic_distance_m == pytest.approx(3100 + 50, abs=0.5)
    v3 = r.loc[V3]
    assert (v3.clinic_ok, v3.distance_basis, v3.clinic_id) == (True, "straight", "HC")
    assert v3.clinic_distance_m == pytest.approx((2 * 3000 ** 2) ** 0.5, abs=0.5)
    assert r.loc[V4].clinic_ok is True and r.loc[V4].clinic_distance_m == pytest.approx(50, abs=0.5)
    assert r.loc[V5].clinic_ok is False      # a clinic without a licensed doctor does not count
    assert r.loc[V5].clinic_id == "C4" and r.loc[V5].clinic_distance_m == pytest.approx(550, abs=0.5)
    # bus stop BS: 1.9 km along the road from V1, 2.1 km from V2; V3 is 6.4 km from it straight
    assert [r.loc[v].bus_ok for v in (V1, V2, V3, V4)] == [True, False, False, False]
    # kindergartens judged in the poor villages only
    assert [r.loc[v].kindergarten_ok for v in (V1, V2, V3)] == [False, True, None]
    assert r.loc[V1].failed_clauses == ["kindergarten"] and r.loc[V2].failed_clauses == ["clinic", "bus"]
    # a village with no place: nothing judged, nothing failed
    v6 = r.loc[V6]
    assert (v6.clinic_ok, v6.bus_ok, v6.failed_clauses) == (None, None, []) and pd.isna(v6.distance_basis)
    stored = db.query_rows(county, "SELECT village_code, clinic_ok, bus_ok, failed_clauses FROM services_results "
                                   "WHERE rule_set = 'longxian-2021' AND village_code IN (%s, %s) ORDER BY 1",
                           (V2, V6))
    assert [tuple(x) for x in stored] == [(V2, False, False, ["clinic", "bus"]), (V6, None, None, [])]
    # on the overview beside their targets: villages failing each clause (V6, not judged, fails none)
    from board import indicators
    vil = indicators.villages(county, "longxian-2021")
    assert vil[["clinic_fail", "bus_fail", "kindergarten_fail"]].sum().tolist() == [2, 4, 1]
    # on the map: the villages' results (V6 has no place) and the facilities, names escaped in the popups
    from layers import mapview
    from layers.base import Filters
    with county.cursor() as cur:
        cur.execute("UPDATE facilities SET name = '<img src=x onerror=alert(1)>' WHERE id = 'C4'")
    county.commit()
    m, info = mapview.build_map(county, Filters(rule_set="longxian-2021"), ("services",), "zh", "plain")
    assert info.features == {"村级公共服务": 5, "公共服务设施": 6}
    import folium
    shown = [v for ch in m._children.values() if isinstance(ch, folium.FeatureGroup)
             for lay in ch._children.values() if isinstance(lay, folium.GeoJson)
             for ft in lay.data["features"] for v in ft["properties"].values() if isinstance(v, str)]
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown and "<img src=x" not in m.get_root().render()
    table = indicators.county(vil, county, "longxian-2021").set_index("key")
    assert table.loc["clinic_fail", "依据"].startswith("汉中2018") and table.loc["clinic_fail", "目标"] == "0"


def test_clause_that_cannot_be_judged_is_empty_never_true(county):
    with county.cursor() as cur:
        cur.execute("DELETE FROM facilities WHERE kind IN ('bus_stop', 'township_health_centre')")
    county.commit()
    r = services.compute(county, load_rules(county)).rows.set_index("village_code")
    # no bus road, no stop: bus unknown; no health centre: only the village with its own clinic is judged
    assert r.bus_ok.tolist() == [None] * 6
    assert r.clinic_ok.to_dict() == {V1: None, V2: None, V3: None, V4: True, V5: None, V6: None}
    with county.cursor() as cur:
        cur.execute("UPDATE roads SET bus = true")
    county.commit()
    r = services.compute(county, load_rules(county, None, {"clinic_within_m": "9000"})).rows.set_index("village_code")
    assert [r.loc[v].bus_ok for v in (V1, V3, V6)] == [True, False, None]


def test_services_command_writes_one_row_per_village(county, tmp_path):
    out = tmp_path / "services.csv"
    root = sc.__file__.rsplit("/tests/", 1)[0]
    p = subprocess.run([sys.executable, "-m", "geo", "check", "services", "--out", str(out)], capture_output=True,
                       text=True, cwd=root, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "6 administrative villages; clinic ok 3, bus ok 1" in p.stdout
    with open(out, encoding="utf-8") as f:
        got = {r["village_code"]: r for r in csv.DictReader(f)}
    assert list(next(iter(got.values()))) == services.OUT_COLUMNS
    assert got[V2]["clinic_ok"] == "False" and got[V2]["failed_clauses"] == "clinic;bus"
    assert got[V3]["distance_basis"] == "straight" and got[V1]["distance_basis"] == "network"
    assert got[V6]["clinic_ok"] == "" and got[V6]["bus_ok"] == "" and got[V6]["clinic_distance_m"] == ""
    p = subprocess.run([sys.executable, "-m", "geo", "explain", "services", V2], capture_output=True, text=True,
                       cwd=root, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "✗ clinic: 5100.0 m (threshold 5000.0 m)" in p.stdout and "C4 2950.0 m (network)" in p.stdout
    assert "未通过 failed: clinic, bus" in p.stdout
    p = subprocess.run([sys.executable, "-m", "geo", "explain", "services", "530427999999"], capture_output=True,
                       text=True, cwd=root, env=dict(os.environ), timeout=120)
    assert p.returncode == 2 and "no administrative village" in p.stderr
