"""The road check on a hand-built scenario whose answers are known exactly, its aggregates, and its commands."""
import csv
import os
import subprocess
import sys

import pytest

from geo import db
from geo.checks import explain, roads
from geo.checks.rules import load_rules

import checks_scenario as sc

T205, T206 = "530427205000", "530427206000"
VILLAGES = [
    # id, households, population, village code, where
    {"id": "A", "households": 40, "population": 100, "village_code": "530427205001", "dx": 3000, "dy": 100},
    {"id": "G", "households": 35, "population": 80, "village_code": "530427205002", "dx": 0, "dy": 5000},
    {"id": "C", "households": 50, "population": 150, "village_code": "530427205003", "dx": 6000, "dy": 100},
    {"id": "S", "households": 29, "population": 60, "village_code": "530427205004", "dx": 1500, "dy": 100},
    {"id": "D", "households": 31, "population": 70, "village_code": "530427206001", "dx": 6500, "dy": 100},
]
ROADS = [
    {"id": "R1", "surface": "cement", "xy": [(0, 0), (1000, 0), (3000, 0)]},        # from seat 205 eastwards
    {"id": "G2", "surface": "gravel", "xy": [(3000, 0), (4000, 0)], "all_season": False},  # the only link east
    {"id": "R2", "surface": "asphalt", "xy": [(4000, 0), (7000, 0)]},               # hardened, cut off from 205
    {"id": "G1", "surface": "gravel", "xy": [(-500, 5050), (500, 5050)], "all_season": False},  # G's only road
]
SEATS = [{"code": T205, "level": "township", "dx": 0, "dy": 0},
         {"code": T206, "level": "township", "dx": 7000, "dy": 0}]


@pytest.fixture
def rows(conn):
    sc.load(conn, villages=VILLAGES, roads=ROADS, seats=SEATS)
    run = roads.check_roads(conn, load_rules(conn))
    conn.commit()
    return run.rows.set_index("natural_village_id")


def test_connected_village(rows):
    a = rows.loc["A"]
    assert (a.road_id, a.has_hardened_road, a.required, a.gap) == ("R1", True, True, False)
    assert a.road_distance_m == pytest.approx(100.0, abs=1e-3)
    assert a.connected_to_seat is True and a.network_km_to_seat == pytest.approx(3.0, abs=1e-6)
    s = rows.loc["S"]  # 29 households: has a road but does not need one under the default 30
    assert (s.has_hardened_road, s.required, s.gap) == (True, False, False)
    assert s.network_km_to_seat == pytest.approx(1.5, abs=1e-6)


def test_village_whose_only_road_is_gravel(rows):
    g = rows.loc["G"]
    assert g.road_id == "R1" and g.road_distance_m == pytest.approx(5000.0, abs=1e-3)
    assert (g.has_hardened_road, g.required, g.gap) == (False, True, True)
    assert not g.within_rai  # the gravel road is not all-season, the cement one is 5 km away


def test_hardened_road_cut_off_from_the_seat(rows):
    c = rows.loc["C"]
    assert (c.road_id, c.has_hardened_road, c.gap) == ("R2", True, False)
    assert c.connected_to_seat is False and c.network_km_to_seat != c.network_km_to_seat  # NaN
    d = rows.loc["D"]  # same road, but its own township's seat sits on it
    assert d.connected_to_seat is True and d.network_km_to_seat == pytest.approx(0.5, abs=1e-6)


def test_required_follows_the_rule_set(conn):
    sc.load(conn, villages=VILLAGES, roads=ROADS, seats=SEATS)
    run = roads.compute(conn, load_rules(conn, None, {"min_households_for_road": "36", "road_access_m": "50"}))
    r = run.rows.set_index("natural_village_id")
    assert r.required.to_dict() == {"A": True, "G": False, "C": True, "S": False, "D": False}
    assert r.has_hardened_road.to_dict() == {"A": False, "G": False, "C": False, "S": False, "D": False}
    assert r.gap.to_dict() == {"A": True, "G": False, "C": True, "S": False, "D": False}


def test_aggregates_share_and_rai(rows, conn):
    t = db.query_df(conn, "SELECT * FROM road_coverage_township WHERE rule_set = 'longxian-2021' ORDER BY township_code").set_index("township_code")
    t205 = t.loc[T205]
    assert (t205.natural_villages, t205.with_hardened_road, t205.gaps, t205.connected_to_seat) == (4, 3, 1, 2)
    assert float(t205.share_with_hardened_road) == 0.75
    assert t205.population == 390 and t205.population_within_rai == 310
    assert float(t205.rai) == pytest.approx(310 / 390, abs=1e-4)
    assert float(t.loc[T206].rai) == 1.0
    v = db.query_df(conn, "SELECT * FROM road_coverage_village WHERE village_code = '530427205002'").iloc[0]
    assert (v.natural_villages, v.gaps, float(v.share_with_hardened_road)) == (1, 1, 0.0)


def test_explain_road(rows, conn):
    d = explain.explain_road(conn, "G")
    assert d["road"]["id"] == "R1" and d["nearest_road"] == {"id": "G1", "surface": "gravel", "distance_m": 50.0}
    assert d["gap"] is True and d["failed_clauses"][0] == "road_access"
    assert d["road_distance_m"] == 5000.0 and len(d["route"]) == 2
    c = explain.explain_road(conn, "C")
    assert c["connected_to_seat"] is False and "connected_to_seat" in c["failed_clauses"]
    with pytest.raises(LookupError):
        explain.explain_road(conn, "nowhere")


def test_roads_commands_end_to_end(rows, tmp_path):
    out = tmp_path / "roads.csv"
    root = sc.__file__.rsplit("/tests/", 1)[0]
    p = subprocess.run([sys.executable, "-m", "geo", "check", "roads", "--out", str(out)], capture_output=True,
                       text=True, cwd=root, env=dict(os.environ), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "5 natural villages; with hardened road 4, gaps 1" in p.stdout
    with open(out, encoding="utf-8") as f:
        got = list(csv.DictReader(f))
    assert list(got[0]) == ["natural_village_id", "households", "road_id", "road_distance_m", "has_hardened_road",
                            "required", "gap", "connected_to_seat", "network_km_to_seat", "required_by"]
    assert {r["natural_village_id"]: r["gap"] for r in got} == {"A": "False", "G": "True", "C": "False",
                                                                "S": "False", "D": "False"}
    p = subprocess.run([sys.executable, "-m", "geo", "explain", "roads", "G"], capture_output=True, text=True,
                       cwd=root, env=dict(os.environ), timeout=120)
    assert p.returncode == 0 and "G1 (gravel)" in p.stdout and "gap" in p.stdout
