"""The emergency supply plan end to end: scenario → affected households → drop points → supply from sources with
spare capacity → truck routes, trips and fleet; the tables the command, the page and the exports write."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from geo import db
from geo.checks import water
from geo.checks.rules import RuleSet

from . import delivery, supply, trucks
from .scenario import Affected, PlanParams, Scenario, affected, query, split_sets


@dataclass
class EmergencyPlan:
    """Everything the plan decided, in tables keyed by the contract's ids; geometry in EPSG:4490 lon/lat."""

    scenario: Scenario
    rules: RuleSet
    params: PlanParams
    affected: pd.DataFrame       # subject_id, people, vulnerable, reason, name, natural_village_id, lon, lat, …
    points: pd.DataFrame         # id, source_id, m3_per_day, trips_per_day, route_km, households, people, lon, lat
    legs: pd.DataFrame           # delivery_point_id, source_id, m3_per_day, trips_per_day, route_km, travel_min, …
    assignments: pd.DataFrame    # subject_id, delivery_point_id, horizontal_m, vertical_m, round_trip_min
    unserved: pd.DataFrame       # subject_id, why, why_zh, name, natural_village_id, people, vulnerable
    sources: pd.DataFrame        # candidate supply sources: id, capacity, own_users, spare, load, lon, lat
    routes: list                 # shapely LineStrings (lon/lat), one per leg, in legs' order
    routes_m: list               # … the same in the metric frame
    summary: dict
    timings: dict = field(default_factory=dict)


def plan(conn, scenario: Scenario, rules_name: str | None = None, sets: dict[str, str] | None = None) -> EmergencyPlan:
    """Compute the plan. Reads only; the stored water_results and water_sources are left as they are."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    rule_over, params = split_sets(sets or {})
    terrain = water.terrain_for(conn)
    aff: Affected = affected(conn, scenario, rules_name, rule_over, terrain)
    rules = aff.rules_now
    a = aff.affected
    tm["affected"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    src = query(conn, "supply_sources", {"label": water.result_label(aff.rules_before),
                                         "dry_season": scenario.dry_season, "out": aff.out_sources})
    src["spare_m3_per_day"] = supply.spare_capacity(src, params.users_litres_per_person_day, scenario.dry_season,
                                                    params.dry_capacity_factor)
    tn = trucks.truck_net(conn, terrain, params, terrain.step(rules.profile_step_m)) if len(a) else None
    S = tn.attach(src[["x", "y"]].to_numpy(float), params.source_road_m, terrain) if tn is not None else None
    eligible = (S.on if S is not None else np.zeros(len(src), bool)) & (src.spare_m3_per_day.to_numpy() > 0)
    comps = set(tn.comp_of(S)[eligible].tolist()) if tn is not None else set()
    tm["network"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    dl = delivery.plan_points(conn, a, rules, tn, comps, params, terrain)
    tm["delivery_points"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    litres = params.litres(rules)
    pts = dl.points.copy()
    demand = pts.people.to_numpy(float) * litres / 1000.0 if len(pts) else np.zeros(0)
    es = np.nonzero(eligible)[0]
    if len(pts) and len(es):
        pp, kk = np.meshgrid(np.arange(len(pts)), np.arange(len(es)), indexing="ij")
        pp, ps = pp.ravel(), es[kk.ravel()]
        pxy = pts[["x", "y"]].to_numpy(float); sxy = src[["x", "y"]].to_numpy(float)
        near = np.hypot(*(pxy[pp] - sxy[ps]).T) <= params.truck_max_km * 1000.0
        same = tn.comp_of(S)[ps] == tn.comp_of(dl.attachment)[pp]
        pp, ps = pp[near & same], ps[near & same]
        route_m, travel = trucks.distances(tn, S, dl.attachment, ps, pp, params.truck_max_km * 1000.0)
        fin = np.isfinite(route_m)
        pp, ps, route_m, travel = pp[fin], ps[fin], route_m[fin], travel[fin]
    else:
        pp = ps = np.zeros(0, np.int64); route_m = travel = np.zeros(0)
    # Sources re-indexed to the eligible ones for the program.
    s_index = {s: n for n, s in enumerate(es)}
    flow, short, status = supply.allocate(demand, src.spare_m3_per_day.to_numpy(float)[es],
                                          pp, np.array([s_index[s] for s in ps], dtype=np.int64), route_m)
    tm["supply"] = time.perf_counter() - t3

    t4 = time.perf_counter()
    use = flow > 1e-9
    legs = pd.DataFrame({"delivery_point_id": pd.Series(pts.id.to_numpy(object)[pp[use]] if len(pts) else [],
                                                        dtype=object),
                         "source_id": pd.Series(src.id.to_numpy(object)[ps[use]], dtype=object),
                         "m3_per_day": flow[use], "route_km": route_m[use] / 1000.0, "travel_min": travel[use]})
    legs["trips_per_day"] = trucks.trips(legs.m3_per_day, params.truck_m3)
    n_trucks, legs = trucks.fleet(legs, params)
    srid = db.metric_srid(conn)
    routes_m = []
    sxy, pxy = src[["x", "y"]].to_numpy(float), pts[["x", "y"]].to_numpy(float)
    for p_, s_ in zip(pp[use], ps[use]):
        line = trucks.route_line(tn, S, int(s_), sxy[s_], dl.attachment, int(p_), pxy[p_])
        routes_m.append(line)
    legs = legs.sort_values(["delivery_point_id", "m3_per_day"], ascending=[True, False], kind="stable")
    routes_m = [routes_m[k] for k in legs.index]
    routes = [shapely.transform(r, lambda c: np.column_stack(db.metric_to_storage(srid, c[:, 0], c[:, 1])))
              for r in routes_m]
    legs = legs.reset_index(drop=True)
    # Per point: its sources (largest share first), volume, trips, longest route.
    g = legs.groupby("delivery_point_id", sort=False)
    per = pd.DataFrame({"source_id": g.source_id.agg(";".join), "m3_per_day": g.m3_per_day.sum(),
                        "trips_per_day": g.trips_per_day.sum(), "route_km": g.route_km.max(),
                        "travel_min": g.travel_min.max()})
    per.index = per.index.astype(object)
    pts["id"] = pts.id.astype(object)
    pts = pts.join(per, on="id")
    pts["demand_m3_per_day"] = demand
    pts["shortfall_m3_per_day"] = short
    if srid is not None and len(pts):
        pts["lon"], pts["lat"] = db.metric_to_storage(srid, pts.x.to_numpy(), pts.y.to_numpy())
    else:
        pts["lon"] = pts["lat"] = np.nan
    load = legs.groupby("source_id").m3_per_day.sum()
    src["load_m3_per_day"] = src.id.map(load).fillna(0.0)
    asg = dl.assignments.drop(columns=["_cand", "people"], errors="ignore").reset_index(drop=True)
    a = a.copy()
    if srid is not None and len(a) and ("lon" not in a or a.lon.isna().any()):
        a["lon"], a["lat"] = db.metric_to_storage(srid, a.x.to_numpy(), a.y.to_numpy())
    # Unserved households by name, as the bureau calls them.
    unserved = dl.unserved.merge(a[["subject_id", "name", "natural_village_id", "people", "vulnerable"]],
                                 on="subject_id", how="left")
    used = src[src.load_m3_per_day > 0]
    summary = {
        "scenario": {"failed": list(scenario.failed), "dry_season": scenario.dry_season},
        "rule_set": water.result_label(rules),
        "households": int(len(a)),
        "people": int(a.people.sum()) if len(a) else 0,
        "vulnerable_households": int(a.vulnerable.sum()) if len(a) else 0,
        "m3_per_day": round(float(demand.sum()), 3),
        "litres_per_person_day": litres,
        "delivery_points": int(len(pts)),
        "served_households": int(len(asg)),
        "unserved_households": int(len(dl.unserved)),
        "trucks": int(n_trucks),
        "truck_m3": params.truck_m3,
        "trips_per_day": int(legs.trips_per_day.sum()) if len(legs) else 0,
        "truck_km_per_day": round(float((2 * legs.route_km * legs.trips_per_day).sum()), 3) if len(legs) else 0.0,
        "shortfall_m3_per_day": round(float(short.sum()), 3),
        "sources_used": [{"source_id": r.id, "name": r.name, "load_m3_per_day": round(float(r.load_m3_per_day), 3),
                          "spare_m3_per_day": round(float(r.spare_m3_per_day), 3),
                          "spare_after_m3_per_day": round(float(r.spare_m3_per_day - r.load_m3_per_day), 3)}
                         for r in used.itertuples()],
        "set_cover": dl.method,
        "supply_solver": status,
    }
    tm["trucks"] = time.perf_counter() - t4
    tm["total"] = time.perf_counter() - t0
    summary["seconds"] = round(tm["total"], 2)
    return EmergencyPlan(scenario, rules, params, a, pts, legs, asg, unserved, src, routes, routes_m, summary, tm)
