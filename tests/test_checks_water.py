"""The water-fetch check on hand-built scenarios whose answers are known exactly, and its commands end to end."""
import csv
import json
import math
import os
import subprocess
import sys

import pytest

from geo import db
from geo.checks import explain, water, water_write
from geo.checks.rules import load_rules
from geo.checks.tobler import speed_m_per_min

import checks_scenario as sc

FLAT = sc.dem_tif(lambda x, y: 1000.0 + 0 * x)
NV = [{"id": "nv1", "households": 40, "population": 120, "village_code": "530427205001", "dx": 0, "dy": 0}]


def hh(id, dx, dy, members=3, nv="nv1"):
    return {"id": id, "natural_village_id": nv, "members": members, "dx": dx, "dy": dy}


def src(id, dx, dy, status="working", **kw):
    return {"id": id, "status": status, "dx": dx, "dy": dy, **kw}


def run(conn, name=None, pairs=False, **sets):
    """The check under a rule set, written; `pairs`: through the pair arrays (the reference path) on any basis."""
    rules = load_rules(conn, name, {k: str(v) for k, v in sets.items()})
    if pairs:
        r = water.compute(conn, rules, pairs=True)
        water.write(conn, r)
    else:
        r = water.check_water(conn, rules)
    conn.commit()
    return r.rows.set_index("subject_id")


def flat_trip(d, f=0.8):
    """Round trip in minutes on flat ground: out at Tobler's flat speed, back at f times it."""
    v = speed_m_per_min(0.0)
    return d / v + d / (v * f)


def test_sources_at_799_and_801_m(conn):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0), hh("b", 5000, 0)],
            sources=[src("s799", 799, 0), src("s801", 5801, 0)], dem=FLAT)
    rows = run(conn, loaded_speed_factor=1)  # with the loaded factor 1, 801 m still passes on time
    a, b = rows.loc["a"], rows.loc["b"]
    assert a.source_id == "s799" and a.horizontal_m == pytest.approx(799.0, abs=1e-3)
    assert a.distance_basis == "straight"
    assert (a.horizontal_ok, a.vertical_ok, a.time_ok, a.compliant) == (True, True, True, True)
    assert a.failed_clauses == [] and a.vertical_m == pytest.approx(0.0, abs=1e-3)
    assert a.round_trip_min == pytest.approx(flat_trip(799, 1.0), rel=1e-9)
    assert b.source_id == "s801" and b.horizontal_m == pytest.approx(801.0, abs=1e-3)
    assert (b.horizontal_ok, b.time_ok, b.compliant) == (False, True, False)
    assert b.failed_clauses == ["horizontal"]


def test_climbs_of_79_and_81_m(conn):
    # Two planes: rising 79 m over 300 m eastwards in the south, 81 m in the north.
    dem = sc.dem_tif(lambda x, y: 1000.0 + x * (79 / 300) * (y < 2500) + x * (81 / 300) * (y >= 2500))
    sc.load(conn, villages=NV, households=[hh("a", 0, 0), hh("b", 0, 5000)],
            sources=[src("s79", 300, 0), src("s81", 300, 5000)], dem=dem)
    rows = run(conn)
    a, b = rows.loc["a"], rows.loc["b"]
    assert a.vertical_m == pytest.approx(79.0, abs=0.01) and b.vertical_m == pytest.approx(81.0, abs=0.01)
    # Out uphill empty, back downhill loaded: Tobler over the plane, exactly.
    s = 79 / 300
    expected = 300 / speed_m_per_min(s) + 300 / (0.8 * speed_m_per_min(-s))
    assert a.round_trip_min == pytest.approx(expected, rel=1e-4)
    assert (a.vertical_ok, a.compliant, a.failed_clauses) == (True, True, [])
    assert (b.vertical_ok, b.time_ok, b.compliant, b.failed_clauses) == (False, True, False, ["vertical"])


@pytest.mark.parametrize("rule_set,compliant,failed", [
    ("national-2018", True, []),
    ("longxian-2021", False, ["horizontal", "time"]),
])
def test_piped_scheme_under_each_rule_set(conn, rule_set, compliant, failed):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0)],
            sources=[src("scheme", 1500, 0, kind="centralised", piped_to_home=True)], dem=FLAT)
    a = run(conn, rule_set).loc["a"]
    assert a.source_id == "scheme" and a.piped is True
    assert a.horizontal_m == pytest.approx(1500.0, abs=1e-3) and a.time_ok is False
    assert a.compliant is compliant and a.failed_clauses == failed


def test_failed_contaminated_and_seasonal_sources(conn):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0)], dem=FLAT,
            sources=[src("failed", 100, 0, "failed"), src("dirty", 150, 0, "contaminated"),
                     src("seasonal", 200, 0, "seasonal"), src("far", 2000, 0)])
    a = run(conn).loc["a"]
    assert (a.source_id, a.compliant) == ("seasonal", True)
    assert a.round_trip_min == pytest.approx(flat_trip(200), rel=1e-9)
    dry = run(conn, dry_season="true").loc["a"]
    assert (dry.source_id, dry.compliant, dry.failed_clauses) == ("far", False, ["horizontal", "time"])
    # The what-if run is stored under its own label, beside the rule set's own results.
    with conn.cursor() as cur:
        cur.execute("SELECT rule_set, source_id FROM water_results ORDER BY 1")
        assert cur.fetchall() == [("longxian-2021", "seasonal"), ("longxian-2021?dry_season=true", "far")]


def test_household_on_a_dem_void(conn):
    dem = sc.dem_tif(lambda x, y: 1000.0 + 0 * x, voids=[(-50, -50, 50, 50), (4950, -50, 5050, 50)])
    sc.load(conn, villages=NV, households=[hh("near", 0, 0), hh("far", 5000, 0)],
            sources=[src("s1", 300, 0), src("s2", 6200, 0)], dem=dem)
    rows = run(conn)
    near, far = rows.loc["near"], rows.loc["far"]
    # Climb and time cannot be judged: never assumed to pass, so compliance is unknown...
    assert near.horizontal_ok is True and near.vertical_ok is None and near.time_ok is None
    assert math.isnan(near.vertical_m) and near.compliant is None and near.failed_clauses == []
    # ...unless another clause already fails.
    assert far.horizontal_ok is False and far.vertical_ok is None
    assert far.compliant is False and far.failed_clauses == ["horizontal"]


def test_no_dem_at_all(conn):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0)], sources=[src("s1", 300, 0)])
    for name in ("longxian-2021", "national-2018"):
        a = run(conn, name).loc["a"]
        assert a.source_id == "s1" and a.horizontal_ok is True
        assert a.vertical_ok is None and a.time_ok is None and a.compliant is None
    # Aggregates count it as unknown, households and people.
    agg = db.query_df(conn, "SELECT * FROM water_compliance_natural_village WHERE rule_set = 'national-2018'")
    assert agg[["households_compliant", "households_unknown", "people_unknown"]].iloc[0].tolist() == [0, 1, 3]


def test_farther_source_passes_where_the_nearest_fails_on_climb(conn):
    dem = sc.dem_tif(lambda x, y: 1000.0 + 0.6 * x)  # steep eastwards, level northwards
    sc.load(conn, villages=NV, households=[hh("a", 0, 0)], dem=dem,
            sources=[src("steep", 200, 0), src("level", 0, 500)])
    a = run(conn).loc["a"]
    assert (a.source_id, a.compliant) == ("level", True)
    assert a.horizontal_m == pytest.approx(500.0, abs=1e-3) and a.vertical_m == pytest.approx(0.0, abs=1e-3)
    d = explain.explain_water(conn, "a")
    assert d["candidates"] == 2 and d["source"]["id"] == "level"


ZIGZAG = [{"id": "zz", "surface": "path", "xy": [(0, 0), (100, 200), (200, 0), (300, 200), (400, 0)]}]


@pytest.mark.parametrize("basis,horizontal,used,compliant", [
    ("straight", 400.0, "straight", True),
    ("network", 4 * math.hypot(100, 200), "network", False),
    ("auto", 4 * math.hypot(100, 200), "network", False),
])
def test_network_and_straight_basis_on_a_zigzag_path(conn, basis, horizontal, used, compliant):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0), hh("off", 5000, 0)], dem=FLAT, roads=ZIGZAG,
            sources=[src("s", 400, 0), src("s_off", 5300, 0)])
    rows = run(conn, distance_basis=basis)
    a = rows.loc["a"]
    assert a.distance_basis == used and a.horizontal_m == pytest.approx(horizontal, abs=0.01)
    assert a.compliant is compliant
    assert a.round_trip_min == pytest.approx(flat_trip(horizontal), rel=1e-6)
    off = rows.loc["off"]  # no path near it: auto falls back to straight, network cannot measure it
    if basis == "network":
        assert off.distance_basis == "network" and off.horizontal_ok is None and off.compliant is None
    else:
        assert off.distance_basis == "straight" and off.horizontal_m == pytest.approx(300.0, abs=1e-3)


def test_natural_villages_are_the_subjects_without_households(conn):
    sc.load(conn, villages=NV, sources=[src("s1", 300, 0)], dem=FLAT)
    rows = run(conn)
    assert rows.loc["nv1"].subject == "natural_village" and rows.loc["nv1"].compliant is True
    agg = db.query_df(conn, "SELECT * FROM water_compliance_village").iloc[0]
    assert (agg.households_compliant, agg.people_compliant) == (40, 120)


def _stamps(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT subject_id, computed_at, source_id FROM water_results WHERE rule_set = 'longxian-2021'")
        return {r[0]: (r[1], r[2]) for r in cur.fetchall()}


def test_set_status_recomputes_only_households_near_the_source(conn):
    sc.load(conn, villages=NV, dem=FLAT,
            households=[hh("a", 0, 0), hh("b", 8000, 0), hh("c", 4000, 0)],
            sources=[src("s1", 300, 0), src("s2", 600, 0), src("sb", 8300, 0),
                     src("sc_far", 4000, 3000), src("sc_mid", 4000, 1500, "failed")])
    run(conn)
    before = _stamps(conn)
    assert before["a"][1] == "s1" and before["c"][1] == "sc_far"
    done = water.set_source_status(conn, "s1", "failed")
    conn.commit()
    after = _stamps(conn)
    assert done["recomputed"] == {"longxian-2021": 1} and done["ms"] < 1000
    assert after["a"][1] == "s2" and after["a"][0] > before["a"][0]
    assert after["b"] == before["b"] and after["c"] == before["c"]   # computed_at unchanged: not recomputed
    # A failed source 1.5 km from c comes back: outside the 800 m reach, but nearer than c's named source.
    water.set_source_status(conn, "sc_mid", "working")
    conn.commit()
    again = _stamps(conn)
    assert again["c"][1] == "sc_mid" and again["b"] == before["b"] and again["a"] == after["a"]
    # The aggregates follow at once.
    agg = db.query_df(conn, "SELECT * FROM water_compliance_natural_village WHERE rule_set = 'longxian-2021'")
    assert agg[["households_compliant", "households_non_compliant"]].iloc[0].tolist() == [2, 1]


def test_explain_water_matches_the_result(conn):
    dem = sc.dem_tif(lambda x, y: 1000.0 + 0.1 * x)
    sc.load(conn, villages=NV, households=[hh("a", 0, 0)], sources=[src("s", 500, 0)], dem=dem, roads=ZIGZAG)
    row = run(conn, distance_basis="straight").loc["a"]
    d = explain.explain_water(conn, "a", "longxian-2021?distance_basis=straight")
    json.dumps(d)  # serialisable
    assert d["source"]["id"] == "s" and d["distance_basis"] == "straight"
    assert d["round_trip_min"] == pytest.approx(row.round_trip_min, abs=0.01)
    assert d["time_out_min"] + d["time_back_min"] == pytest.approx(d["round_trip_min"], abs=0.02)
    assert d["vertical_m"] == pytest.approx(50.0, abs=0.01)
    # The rule set's own clauses: piped is no clause of longxian-2021 (unless a piped scheme counts on its own)
    assert [c["clause"] for c in d["clauses"]] == ["horizontal", "vertical", "time", "guarantee"]
    assert d["clauses"][3]["value"] is None and d["clauses"][3]["ok"] is True  # no rate recorded: not judged
    nat = explain.explain_water(conn, "a", "national-2018?distance_basis=straight")
    assert [(c["clause"], c["ok"]) for c in nat["clauses"]] == [("piped", False), ("time", row.time_ok)]
    assert d["profile"][0] == (0.0, pytest.approx(1000.0, abs=0.01))
    assert d["profile"][-1][0] == pytest.approx(500.0, abs=0.1) and d["profile"][-1][1] == pytest.approx(1050, abs=.01)
    assert len(d["route"]) == 2
    nv = explain.explain_water(conn, "nv1")
    assert nv["households"]["compliant"] + nv["households"]["non_compliant"] + nv["households"]["unknown"] == 1
    net = explain.explain_water(conn, "a", "longxian-2021?distance_basis=network")
    assert net["distance_basis"] == "network" and len(net["route"]) >= 5
    assert net["profile"][-1][0] == pytest.approx(net["horizontal_m"], abs=0.5)


def _geo(*args, env=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True,
                          cwd=sc.__file__.rsplit("/tests/", 1)[0], env={**os.environ, **(env or {})}, timeout=120)


def test_commands_end_to_end(conn, tmp_path):
    sc.load(conn, villages=NV, households=[hh("a", 0, 0), hh("b", 5000, 0)], dem=FLAT,
            sources=[src("s1", 300, 0), src("s2", 6000, 0)])
    out = tmp_path / "water.csv"
    p = _geo("check", "water", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "compliant 1, non-compliant 1, unknown 0" in p.stdout
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["household_id", "source_id", "horizontal_m", "vertical_m", "round_trip_min",
                             "distance_basis", "horizontal_ok", "vertical_ok", "time_ok", "piped", "compliant",
                             "failed_clauses"]
    assert {r["household_id"]: r["failed_clauses"] for r in rows} == {"a": "", "b": "horizontal;time"}
    gj = tmp_path / "water.geojson"
    p = _geo("check", "water", "--rules", "national-2018", "--out", str(gj))
    assert p.returncode == 0, p.stderr
    feats = json.loads(gj.read_text())["features"]
    assert len(feats) == 2 and feats[0]["geometry"]["type"] == "Point"
    assert "household_id" in feats[0]["properties"] and "compliant" in feats[0]["properties"]
    p = _geo("explain", "water", "b")
    assert p.returncode == 0 and "s2" in p.stdout and "horizontal" in p.stdout
    p = _geo("explain", "water", "a", "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["compliant"] is True
    p = _geo("source", "set-status", "s1", "failed")
    assert p.returncode == 0, p.stderr
    assert "longxian-2021: 1" in p.stdout and "national-2018: 1" in p.stdout
    # Bad input: one line, non-zero, nothing written.
    p = _geo("check", "water", "--set", "max_horizantal_m=9")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "max_horizantal_m" in p.stderr
    p = _geo("explain", "water", "nobody")
    assert p.returncode == 2 and "nobody" in p.stderr
    p = _geo("source", "set-status", "nowhere", "failed")
    assert p.returncode == 2 and "nowhere" in p.stderr
    p = _geo("check", "water", "--out", str(tmp_path / "x.shp"))
    assert p.returncode == 2 and not (tmp_path / "x.shp").exists()


def test_pruned_straight_check_equals_the_exhaustive_one(conn, monkeypatch):
    """With basis 'straight' walking times are computed only where they can change the answer; with 'auto' and no
    network, through the pair arrays, every candidate's time is computed. Both must name the same source with the
    same figures."""
    import numpy as np
    rng = np.random.default_rng(7)
    n_h, n_s = 300, 40
    dem = sc.dem_tif(lambda x, y: 1200 + 150 * np.sin(x / 400.0) + 120 * np.cos(y / 300.0),
                     extent=(-500, -500, 6500, 6500), cell=20.0)
    sc.load(conn, villages=NV, dem=dem,
            households=[hh(f"h{k}", *rng.uniform(0, 6000, 2)) for k in range(n_h)],
            sources=[src(f"s{k}", *rng.uniform(0, 6000, 2), status=rng.choice(["working", "seasonal", "failed"]),
                         piped_to_home=bool(rng.random() < 0.1)) for k in range(n_s)])
    for name in ("longxian-2021", "national-2018"):
        a = run(conn, name, distance_basis="straight", piped_reach_m=300).sort_index()
        b = run(conn, name, pairs=True, distance_basis="auto", piped_reach_m=300).sort_index()
        assert (a.source_id == b.source_id).all()
        assert np.allclose(a.round_trip_min.astype(float), b.round_trip_min.astype(float), equal_nan=True)
        assert (a.compliant.astype(str) == b.compliant.astype(str)).all()
        assert a.compliant.eq(True).sum() > 20 and a.compliant.eq(False).sum() > 20  # both outcomes exercised
    # A whole-table write with the indexes dropped and rebuilt stores the same rows as one without.
    indexes = "SELECT indexdef FROM pg_indexes WHERE tablename = 'water_results' ORDER BY 1"
    before = db.query_df(conn, indexes).indexdef.tolist()
    with conn.cursor() as cur:
        cur.execute("DELETE FROM water_results WHERE rule_set LIKE 'longxian%%'")
    conn.commit()
    run(conn, "national-2018", distance_basis="straight", piped_reach_m=300)
    assert db.query_df(conn, indexes).indexdef.tolist() == before and len(before) >= 4
    cols = ", ".join(water.RESULT_COLUMNS)
    got = db.query_df(conn, f"SELECT {cols} FROM water_results WHERE rule_set LIKE 'national-2018?distance_basis=s%%' "
                      "ORDER BY subject_id")
    ref = db.query_df(conn, f"SELECT {cols} FROM water_results WHERE rule_set LIKE 'national-2018?distance_basis=a%%' "
                      "ORDER BY subject_id")
    assert len(got) == n_h and got.drop(columns=["horizontal_m", "vertical_m", "round_trip_min"]).equals(
        ref.drop(columns=["horizontal_m", "vertical_m", "round_trip_min"]))
    assert np.allclose(got.round_trip_min.astype(float), ref.round_trip_min.astype(float), equal_nan=True)


def test_candidate_pairs_are_exactly_the_radius_search():
    """Against brute force: every pair within the radius, the piped subset's wider reach, each nearest source."""
    import numpy as np
    rng = np.random.default_rng(1)
    H, S = rng.uniform(0, 5000, (3000, 2)), rng.uniform(0, 5000, (200, 2))
    S[:40] = S[0] + rng.normal(0, 30, (40, 2))  # a cluster: more sources within reach than one k-query returns
    piped = np.arange(0, 200, 10)
    i, j, near = water.candidate_pairs(H, S, 400, [(piped, 1500)])
    d = np.hypot(*(H[:, None] - S[None]).transpose(2, 0, 1))
    expected = (set(zip(*np.nonzero(d <= 400))) | {(a, b) for a, b in zip(*np.nonzero(d <= 1500)) if b % 10 == 0}
                | {(a, int(np.argmin(d[a]))) for a in range(len(H))})
    assert set(zip(i.tolist(), j.tolist())) == {(int(a), int(b)) for a, b in expected}
    assert (near == (j == np.argmin(d[i], axis=1))).all() and (np.diff(i) >= 0).all()
