"""The water bureau's planning on hand-built scenarios whose answers are known exactly: a failed source's users all
moving to one drop point, two sources sharing a load, households no truck-passable point can serve, a dry season,
and the repair ranking where the bigger source is not the more crucial one."""
import numpy as np
import pytest

from geo.checks import water
from geo.checks.rules import load_rules
from waterplan import emergency, newsources, repair
from waterplan.scenario import Scenario

import checks_scenario as sc

EXTENT = (-2500, -1000, 6500, 2500)  # metres around the origin: every scenario fits
FLAT = sc.dem_tif(lambda x, y: 1000.0 + 0 * x, extent=EXTENT)
NV = [{"id": "nv1", "households": 40, "population": 120, "dx": 0, "dy": 0}]
ROAD = {"id": "r1", "surface": "gravel", "class": "village", "width_m": 4.5, "xy": [(-2000, 300), (6000, 300)]}
VILLAGE_KMH = 20.0


def hh(id, dx, dy, members=3, elderly_alone=False, **kw):
    return {"id": id, "natural_village_id": "nv1", "members": members, "elderly_alone": elderly_alone, "dx": dx,
            "dy": dy, **kw}


def src(id, dx, dy, status="working", cap=None, served=None, **kw):
    return {"id": id, "status": status, "dx": dx, "dy": dy, "capacity_m3_per_day": cap, "people_served": served, **kw}


def stored(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT rule_set, subject_id, source_id, compliant, computed_at FROM water_results ORDER BY 1, 2")
        results = cur.fetchall()
        cur.execute("SELECT id, status FROM water_sources ORDER BY id")
        return results, cur.fetchall()


def test_failed_source_users_all_move_to_one_point(conn):
    sc.load(conn, villages=NV, dem=FLAT, roads=[ROAD],
            households=[hh("a", 0, 0), hh("b", 50, 0, members=4, elderly_alone=True), hh("c", 100, 0),
                        hh("far_ok", 3000, 0)],
            sources=[src("s1", 0, 100, cap=10, served=9), src("s2", 4000, 300, cap=100, served=100),
                     src("s3", 3000, 100)])
    water.check_water(conn, load_rules(conn))
    conn.commit()
    before = stored(conn)
    plan = emergency.plan(conn, Scenario(["s1"]))
    assert stored(conn) == before  # neither results nor sources touched
    with conn.cursor() as cur:  # the scenario's temporary view of the sources is gone with its savepoint
        cur.execute("SELECT to_regclass('pg_temp.water_sources')")
        assert cur.fetchone()[0] is None
    a = plan.affected
    assert list(a.subject_id) == ["b", "a", "c"]  # vulnerable first (elderly living alone), then by people
    assert a.vulnerable.tolist() == [True, False, False] and set(a.reason) == {"failed:s1"}
    assert a.people.tolist() == [4, 3, 3]
    assert len(plan.points) == 1 and plan.unserved.empty
    p = plan.points.iloc[0]
    # The point on the road above the middle household: least mean round trip among equally few points.
    assert (p.x - sc.X0, p.y - sc.Y0) == pytest.approx((50.0, 300.0), abs=1e-6)
    assert p.source_id == "s2" and p.m3_per_day == pytest.approx(10 * 20 / 1000.0, abs=1e-9)
    assert p.route_km == pytest.approx(3.95, abs=1e-6) and p.trips_per_day == 1
    assert p.travel_min == pytest.approx(3950 / (VILLAGE_KMH * 1000 / 60), rel=1e-6)
    asg = plan.assignments.set_index("subject_id")
    assert set(asg.delivery_point_id) == {"dp1"} and set(asg.index) == {"a", "b", "c"}
    assert asg.loc["b", "horizontal_m"] == pytest.approx(300.0, abs=1e-6)
    assert asg.loc["a", "horizontal_m"] == pytest.approx(np.hypot(50, 300), abs=1e-6)
    s = plan.summary
    assert (s["households"], s["people"], s["delivery_points"], s["trucks"]) == (3, 10, 1, 1)
    assert s["sources_used"] == [{"source_id": "s2", "name": None, "load_m3_per_day": 0.2,
                                  "spare_m3_per_day": 98.0, "spare_after_m3_per_day": 97.8}]
    # Fleet: 0.2 m³ in 0.05 m³ loads is 4 trips of 2 × 11.85 min driving + 30 min filling and emptying; two fit
    # in a 2-hour working day, so two trucks.
    small = emergency.plan(conn, Scenario(["s1"]), sets={"truck_m3": "0.05", "working_day_h": "2"})
    assert small.legs.trip_min.iat[0] == pytest.approx(2 * 3950 / (VILLAGE_KMH * 1000 / 60) + 30, rel=1e-9)
    assert (small.summary["trips_per_day"], small.summary["trucks"]) == (4, 2)
    # Once the failure is recorded (geo source set-status), the same scenario gives the same plan.
    water.set_source_status(conn, "s1", "failed")
    conn.commit()
    again = emergency.plan(conn, Scenario(["s1"]))
    assert list(again.affected.subject_id) == ["b", "a", "c"] and again.summary["delivery_points"] == 1


def test_two_sources_share_the_load(conn):
    # 10 households of 5 people: 1 m³/day. The near source can spare 1.0 − 20 people × 20 L = 0.6 m³/day.
    sc.load(conn, villages=NV, dem=FLAT, roads=[ROAD],
            households=[hh(f"h{k}", 10 * k, 0, members=5) for k in range(10)],
            sources=[src("out", 50, 50, cap=3, served=50), src("near", 1045, 300, cap=1.0, served=20),
                     src("far", 3045, 300, cap=50, served=0), src("nocap", 1000, 300)])
    plan = emergency.plan(conn, Scenario(["out"]))
    assert len(plan.points) == 1 and len(plan.assignments) == 10
    loads = {d["source_id"]: d["load_m3_per_day"] for d in plan.summary["sources_used"]}
    assert loads == {"near": pytest.approx(0.6, abs=1e-9), "far": pytest.approx(0.4, abs=1e-9)}
    spare = {d["source_id"]: d["spare_after_m3_per_day"] for d in plan.summary["sources_used"]}
    assert spare["near"] == pytest.approx(0.0, abs=1e-9)   # never overdrawn, used to the last litre
    legs = plan.legs.set_index("source_id")
    x = plan.points.x.iat[0] - sc.X0
    assert legs.loc["near", "route_km"] == pytest.approx((1045 - x) / 1000, abs=1e-6)
    assert legs.loc["far", "route_km"] == pytest.approx((3045 - x) / 1000, abs=1e-6)
    assert plan.points.trips_per_day.iat[0] == 2 and plan.points.source_id.iat[0] == "near;far"
    assert plan.summary["shortfall_m3_per_day"] == 0.0
    # Less spare than demand in all: what cannot be carried is a shortfall, no source is overdrawn.
    short = emergency.plan(conn, Scenario(["out"]), sets={"litres_per_person_day": "2000"})
    assert short.summary["shortfall_m3_per_day"] == pytest.approx(100.0 - 0.6 - 50.0, abs=1e-6)
    assert {d["source_id"]: d["spare_after_m3_per_day"] for d in short.summary["sources_used"]} == \
        {"near": pytest.approx(0.0, abs=1e-9), "far": pytest.approx(0.0, abs=1e-9)}


def test_households_no_truck_passable_point_can_serve(conn):
    # East of x = 2500 the ground falls 100 m south of the road: a household there is 100 m below it.
    dem = sc.dem_tif(lambda x, y: 1000.0 - 100.0 * np.clip((280.0 - y) / 100.0, 0, 1) * (x > 2500), extent=EXTENT)
    sc.load(conn, villages=NV, dem=dem,
            roads=[ROAD, {"id": "earth", "surface": "earth", "class": "village", "xy": [(-500, 2050), (500, 2050)]},
                   {"id": "narrow", "surface": "gravel", "class": "group", "width_m": 2.5,
                    "xy": [(-500, 1950), (500, 1950)]}],
            households=[hh("ok", 0, 0, head_name="李四"), hh("far", 0, 2000, head_name="张三"),
                        hh("low", 3000, 150, head_name="王五")],
            sources=[src("s_ok", 0, 100), src("s_far", 0, 2100), src("s_low", 3000, 100),
                     src("supply", 5000, 300, cap=100, served=0)])
    plan = emergency.plan(conn, Scenario(["s_ok", "s_far", "s_low"]))
    assert set(plan.affected.subject_id) == {"ok", "far", "low"}
    assert list(plan.assignments.subject_id) == ["ok"]
    why = plan.unserved.set_index("subject_id").why.to_dict()
    assert why["far"] == "no truck-passable road within 800 m"
    assert plan.unserved.set_index("subject_id").name.to_dict() == {"far": "张三", "low": "王五"}  # by name
    assert why["low"] == "nearest drop point fails: climb 100 m > 80 m"
    zh = plan.unserved.set_index("subject_id").why_zh.to_dict()
    assert zh["low"] == "最近的送水点不达标：垂直距离 100 米 > 80 米"
    # Allow narrow roads: the 2.5 m gravel road 50 m from 'far' now serves it.
    wide = emergency.plan(conn, Scenario(["s_ok", "s_far", "s_low"]), sets={"truck_min_width_m": "2"})
    # …but it is not linked to the supply source by a truck-passable road.
    assert wide.unserved.set_index("subject_id").why["far"].startswith("the truck-passable road within reach is not")


def test_dry_season(conn):
    sc.load(conn, villages=NV, dem=FLAT, roads=[ROAD],
            households=[hh("a", 0, 0), hh("b", 3000, 0)],
            sources=[src("seasonal", 0, 100, "seasonal", cap=5, served=3),
                     src("seasonal_big", 1000, 300, "seasonal", cap=500, served=0),
                     src("w", 3000, 100, cap=10, served=100)])
    plan = emergency.plan(conn, Scenario([], dry_season=True))
    assert list(plan.affected.subject_id) == ["a"] and plan.affected.reason.iat[0] == "dry_season:seasonal"
    assert plan.rules.dry_season is True
    used = plan.summary["sources_used"]
    # The seasonal scheme is dry too; the working one has 10 × 0.6 − 100 people × 20 L = 4 m³/day to spare.
    assert [u["source_id"] for u in used] == ["w"]
    assert used[0]["spare_m3_per_day"] == pytest.approx(4.0, abs=1e-9)
    assert used[0]["load_m3_per_day"] == pytest.approx(0.06, abs=1e-9)
    cut = emergency.plan(conn, Scenario([], dry_season=True), sets={"dry_capacity_factor": "0.2"})
    assert cut.summary["sources_used"] == [] and list(cut.unserved.subject_id) == ["a"]
    assert cut.unserved.why.iat[0].endswith("not linked by road to a source with spare capacity")
    # Outside the dry season nothing is affected.
    assert emergency.plan(conn, Scenario([])).summary["households"] == 0


def test_repair_ranking_bigger_is_not_more_crucial(conn):
    near_alt = [hh(f"hb{k}", 300 + 20 * k, 0) for k in range(6)]        # 'alt' is within 200 m of these
    alone = [hh(f"hb{k}", -320 - 20 * (k - 6), 0) for k in range(6, 10)]  # … and more than 800 m from these
    small = [hh(f"hs{k}", 5100 + 20 * k, 0) for k in range(3)]
    sc.load(conn, villages=[*NV, {"id": "nv2", "households": 3, "dx": 5100, "dy": 0}], dem=FLAT,
            households=[*near_alt, *alone, *small],
            sources=[src("big", 0, 0, "failed", cap=100, served=30), src("small", 5000, 0, "contaminated", cap=5,
                                                                           served=9),
                     src("alt", 500, 0)])
    r = repair.rank(conn).set_index("source_id")
    assert list(r.index) == ["big", "small"]  # by people regaining compliance
    assert (r.loc["big", "users_people"], r.loc["big", "regain_people"]) == (30, 12)
    assert (r.loc["small", "users_people"], r.loc["small", "regain_people"]) == (9, 9)
    assert r.loc["big", "crucialness"] == pytest.approx(0.4) and r.loc["small", "crucialness"] == pytest.approx(1.0)
    assert (r.loc["small", "rank_by_crucialness"], r.loc["big", "rank_by_crucialness"]) == (1, 2)
    # New sources: the west group (12 people) first, then the small source's (9); no one counted twice.
    ns = newsources.rank(conn)
    assert ns.added_people.tolist()[:2] == [12, 9] and ns.cumulative_people.iat[-1] == 21
    assert ns.added_people.sum() == 21


def test_only_households_complying_with_a_source_out_are_rechecked(conn, monkeypatch):
    """The scenario rechecks only the households that comply with a source out when it works; on hilly random
    ground with a path network, that gives exactly the affected set a recheck of everyone near gives."""
    from waterplan import scenario as scn
    rng = np.random.default_rng(3)
    dem = sc.dem_tif(lambda x, y: 1200 + 60 * np.sin(x / 400.0) + 50 * np.cos(y / 300.0),
                     extent=(-500, -500, 4500, 4500))
    paths = [{"id": f"p{k}", "surface": "path", "xy": [tuple(rng.uniform(0, 4000, 2)) for _ in range(4)]}
             for k in range(12)]
    sc.load(conn, villages=NV, dem=dem, roads=paths,
            households=[hh(f"h{k}", *rng.uniform(0, 4000, 2)) for k in range(250)],
            sources=[src(f"s{k}", *rng.uniform(0, 4000, 2), piped_to_home=bool(k % 9 == 0)) for k in range(40)])
    out = [f"s{k}" for k in range(14)]
    narrow = scn.affected(conn, Scenario(out))
    monkeypatch.setattr(scn, "_could_lose", lambda conn, near, *a: list(near.id))
    full = scn.affected(conn, Scenario(out))
    assert len(narrow.before) < len(full.before)
    assert list(narrow.affected.subject_id) == list(full.affected.subject_id) and len(full.affected) >= 10


def test_repair_weighs_complaints_and_failed_samples_between_equals(conn):
    """Helper W: two failed works bringing back as many people; the one with complaints and a failed sample of the
    last year comes first, whatever their ids; older records do not count."""
    from datetime import date, timedelta
    west = [hh(f"hw{k}", -2000 - 20 * k, 0) for k in range(4)]
    east = [hh(f"he{k}", 2000 + 20 * k, 0) for k in range(4)]
    sc.load(conn, villages=NV, dem=FLAT, households=[*west, *east],
            sources=[src("a_west", -2100, 0, "failed"), src("b_east", 2100, 0, "failed")])
    today = date.today()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO works_complaints (source_id, received_on) VALUES ('b_east', %s), ('a_west', %s)",
                    (today - timedelta(days=30), today - timedelta(days=400)))
        cur.execute("INSERT INTO works_samples (source_id, sampled_on, lab, passed) VALUES ('b_east', %s, 'lab', "
                    "false)", (today - timedelta(days=10),))
    conn.commit()
    r = repair.rank(conn)
    assert r.source_id.tolist() == ["b_east", "a_west"] and r.regain_people.tolist() == [12, 12]
    assert r.set_index("source_id")[["complaints", "failed_samples"]].values.tolist() == [[1, 1], [0, 0]]
