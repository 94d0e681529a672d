"""Explanations: for one household or natural village, the source or road chosen, the route, its length, climb
and times, each clause against its threshold, and an elevation profile; as JSON-ready dicts and as text."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import db
from . import network as netmod
from . import road_criteria
from . import roads as roadsmod
from . import water_rule
from .rules import RuleSet, load_rules, parse_label, result_label
from .walking import Terrain
from .water_compute import compute
from .water_read import terrain_for, uses_households

SQL = db.SqlFiles(__file__)


def _num(v, nd: int | None = 2):
    """A figure for JSON: rounded to `nd` digits (None: as it is), None where unknown."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f if nd is None else round(f, nd)


def _rules(conn, rule_set: str | RuleSet | None) -> RuleSet:
    if isinstance(rule_set, RuleSet):
        return rule_set
    if rule_set is None:
        return load_rules(conn)
    name, overrides = parse_label(rule_set)
    return load_rules(conn, name, overrides)


def _profile(terrain: Terrain, xy: np.ndarray, step_m: float) -> list[tuple[float, float | None]]:
    """(distance_m, elevation_m) every step_m along a metric polyline, its vertices included."""
    if len(xy) < 2:
        return []
    seg = np.hypot(*np.diff(xy, axis=0).T)
    cum = np.r_[0.0, np.cumsum(seg)]
    dist = np.unique(np.r_[np.arange(0.0, cum[-1], step_m), cum])
    x = np.interp(dist, cum, xy[:, 0]); y = np.interp(dist, cum, xy[:, 1])
    z = terrain.z(*terrain.to_dem(x, y))
    return [(round(float(d), 1), _num(e, 1)) for d, e in zip(dist, z)]


def _lonlat(conn, xy: np.ndarray) -> list[list[float]]:
    """Metric points as [lon, lat] in the stored frame (CGCS2000)."""
    srid = db.metric_srid(conn)
    if srid is None or len(xy) == 0:
        return []
    lon, lat = db.metric_to_storage(srid, xy[:, 0], xy[:, 1])
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat)]


def _water_route(conn, rules: RuleSet, terrain: Terrain, hxy: np.ndarray, sxy: np.ndarray, basis: str) -> np.ndarray:
    """The route drawn in an explanation: the straight leg, or the shortest network route with its access legs."""
    if basis != "network":
        return np.vstack([hxy, sxy])
    pad = rules.network_search_m
    both = np.vstack([hxy, sxy])
    ids, lines = netmod.load_roads(conn, bbox=(*(both.min(axis=0) - pad), *(both.max(axis=0) + pad)))
    net = netmod.build_network(ids, lines, Terrain(None, 4326), 1e9)
    att = netmod.attach(net, both, rules.network_snap_m, Terrain(None, 4326))
    hs, ss = att.seg
    foot = [net.node_xy[net.a[s]] + (att.pos[k] / max(net.length[s], 1e-9)) * (net.node_xy[net.b[s]] -
                                                                                 net.node_xy[net.a[s]])
            for k, s in enumerate((hs, ss))]
    if hs == ss:
        return np.vstack([hxy, foot[0], foot[1], sxy])
    nodes = netmod.route_nodes(net, [net.a[hs], net.b[hs]], [att.pos[0], net.length[hs] - att.pos[0]],
                               [net.a[ss], net.b[ss]], [att.pos[1], net.length[ss] - att.pos[1]])
    return np.vstack([hxy, foot[0], net.node_xy[nodes], foot[1], sxy])


def explain_water(conn, household_or_nv_id: str, rule_set=None) -> dict:
    """Why a household (or a natural village) is or is not compliant on water, as a JSON-serialisable dict.

    rule_set: a rule set name, a results label such as 'longxian-2021?dry_season=true', a RuleSet, or None (default).
    Keys: subject ('household' | 'natural_village'), subject_id, natural_village_id, rule_set, rule_version,
    water_combine ('all' | 'piped_or_time'), people, candidates (sources weighed), source ({id, name, kind, status,
    piped_to_home} or None), distance_basis ('network' | 'straight' | None), straight_m, horizontal_m, vertical_m,
    subject_elevation_m, source_elevation_m, time_out_min (empty), time_back_min (loaded), round_trip_min,
    loaded_speed_factor, clauses (list of {clause: 'horizontal'|'vertical'|'time'|'piped', value, threshold, unit,
    ok: True|False|None}), piped, compliant (True|False|None), failed_clauses (list of clause names; 'no_source' when
    no source counts), route (list of [lon, lat], subject first), profile (list of (distance_m, elevation_m),
    elevation None where unknown).
    For a natural village whose households are loaded, also: households ({compliant, non_compliant, unknown}) and the
    explanation is that of its first non-compliant household (else its first household), under 'household'.
    Raises LookupError when the id is neither a household nor a natural village."""
    rules = _rules(conn, rule_set)
    use_h = uses_households(conn)
    (is_h, is_nv), = db.query_rows(conn, SQL("explain_subject"), {"id": household_or_nv_id})
    if not is_h and not is_nv:
        raise LookupError(f"no household or natural village {household_or_nv_id!r}")
    if not is_h and use_h:
        hids = [r[0] for r in db.query_rows(conn, SQL("explain_village_households"), {"id": household_or_nv_id})]
        run = compute(conn, rules, hids, households=True) if hids else None
        counts = {"compliant": 0, "non_compliant": 0, "unknown": 0}
        first = None
        if run is not None:
            c = run.rows.compliant
            counts = {"compliant": int((c == True).sum()), "non_compliant": int((c == False).sum()),  # noqa: E712
                      "unknown": int(c.isna().sum())}
            bad = run.rows[run.rows.compliant != True]  # noqa: E712
            first = (bad if len(bad) else run.rows).subject_id.iloc[0]
        return {"subject": "natural_village", "subject_id": household_or_nv_id,
                "natural_village_id": household_or_nv_id, "rule_set": result_label(rules),
                "rule_version": rules.version, "households": counts,
                "household": explain_water(conn, first, rules) if first else None}
    run = compute(conn, rules, [household_or_nv_id], households=is_h)
    r = run.rows.iloc[0]
    terrain = terrain_for(conn)
    src = None
    if pd.notna(r.source_id):  # a str column: NaN where no source counts
        (sid, name, kind, status, piped, rate, sx, sy), = db.query_rows(conn, SQL("explain_source"),
                                                                       {"id": r.source_id})
        src = {"id": sid, "name": name, "kind": kind, "status": status, "piped_to_home": bool(piped),
               "guarantee_rate": None if rate is None else float(rate)}
        route = _water_route(conn, rules, terrain, np.array([r.x, r.y]), np.array([sx, sy]), r.distance_basis)
    else:
        route = np.array([[r.x, r.y]])
    clauses = water_clauses(rules, r)
    return {
        "subject": r.subject, "subject_id": r.subject_id, "natural_village_id": r.natural_village_id,
        "rule_set": result_label(rules), "rule_version": rules.version,
        "water_combine": rules.water_combine, "people": None if r.people is None else int(r.people),
        "candidates": int(r.candidates), "source": src, "distance_basis": r.distance_basis,
        "straight_m": _num(r.straight_m, 1), "horizontal_m": _num(r.horizontal_m, 1),
        "vertical_m": _num(r.vertical_m, 1), "subject_elevation_m": _num(r.subject_elevation_m, 1),
        "source_elevation_m": _num(r.source_elevation_m, 1), "time_out_min": _num(r.out_min),
        "time_back_min": _num(r.back_min), "round_trip_min": _num(r.round_trip_min),
        "loaded_speed_factor": rules.loaded_speed_factor, "clauses": clauses, "piped": r.piped,
        "compliant": r.compliant, "failed_clauses": list(r.failed_clauses),
        "route": _lonlat(conn, route), "profile": _profile(terrain, route, rules.profile_step_m),
    }


def explain_road(conn, natural_village_id: str, rule_set=None) -> dict:
    """Why a natural village has, lacks or needs a hardened road, as a JSON-serialisable dict.

    Keys: natural_village_id, rule_set, rule_version, households, population, road ({id, name, surface, class} of
    the nearest hardened road, or None), road_distance_m, nearest_road ({id, surface, distance_m} of the nearest road
    of any surface, or None), has_hardened_road, required, gap, seat_code (its township seat), connected_to_seat,
    network_km_to_seat, all_season_road_m, within_rai, clauses (list of {clause: 'road_access'|'required'|
    'connected_to_seat'|'rai', value, threshold, unit, ok; 'required' has ok None: it says whether a road is due),
    failed_clauses ('road_access' where the road is required and missing, 'connected_to_seat', 'rai'), route (list of
    [lon, lat], village to the road), profile (list of (distance_m, elevation_m) along that access leg).
    Raises LookupError when the id is not a natural village."""
    rules = _rules(conn, rule_set)
    run = roadsmod.compute(conn, rules)
    rows = run.rows[run.rows.natural_village_id == natural_village_id]
    if rows.empty:
        raise LookupError(f"no natural village {natural_village_id!r}")
    r = rows.iloc[0]
    road = nearest = None
    route = np.array([[r.x, r.y]])
    at = {"x": float(r.x), "y": float(r.y)}
    if r.road_id is not None:
        (rid, name, surface, cls, px, py), = db.query_rows(conn, SQL("explain_road"), {**at, "id": r.road_id})
        road = {"id": rid, "name": name, "surface": surface, "class": cls}
        route = np.array([[r.x, r.y], [px, py]])
    for rid, surface, distance in db.query_rows(conn, SQL("explain_nearest_road"), at):
        nearest = {"id": rid, "surface": surface, "distance_m": _num(distance, 1)}
    has, req = bool(r.has_hardened_road), bool(r.required)
    conn_ok = r.connected_to_seat
    clauses = [
        {"clause": "road_access", "value": _num(r.road_distance_m, 1), "threshold": rules.road_access_m, "unit": "m",
         "ok": has},
        {"clause": "required", "value": int(r.households), "threshold": road_criteria.text(road_criteria.tree(rules)),
         "unit": "households", "ok": None,   # not a test the village passes or fails: it says whether one is due
         "because": r.required_by or None},  # the clauses of the rule set's criteria that made it due
        {"clause": "connected_to_seat", "value": _num(r.network_km_to_seat, 3), "threshold": None, "unit": "km",
         "ok": conn_ok},
        {"clause": "rai", "value": _num(r.all_season_road_m, 1), "threshold": rules.rai_distance_m, "unit": "m",
         "ok": bool(r.within_rai)},
    ]
    # road_access fails only where a road is required (the gap); the others wherever they do not hold.
    failed = (["road_access"] if r.gap else []) + [c["clause"] for c in clauses[2:] if c["ok"] is False]
    terrain = terrain_for(conn)
    return {
        "natural_village_id": natural_village_id, "rule_set": result_label(rules),
        "rule_version": rules.version, "households": int(r.households), "population": int(r.population),
        "road": road, "road_distance_m": _num(r.road_distance_m, 1), "nearest_road": nearest,
        "has_hardened_road": has, "required": req, "gap": bool(r.gap), "seat_code": r.seat_code,
        "connected_to_seat": conn_ok, "network_km_to_seat": _num(r.network_km_to_seat, 3),
        "all_season_road_m": _num(r.all_season_road_m, 1), "within_rai": bool(r.within_rai), "clauses": clauses,
        "failed_clauses": failed, "route": _lonlat(conn, route),
        "profile": _profile(terrain, route, rules.profile_step_m),
    }


def water_clauses(rules: RuleSet, r) -> list[dict]:
    """The rule set's clauses in its order (water_rule.shown), each with its figure, threshold and three-valued
    verdict for the source named in the check's row `r`: under `all` horizontal, vertical, time and the supply
    guarantee (judged only where the source's rate is recorded), then piped where a piped scheme counts as compliant
    on its own; under `piped_or_time` piped, then time."""
    out = []
    for c in water_rule.shown(rules):
        ok = r[c.column]
        value = ok if c.test == "holds" else _num(r[c.figure], c.digits)
        out.append({"clause": c.name, "value": value, "threshold": water_rule.threshold(c, rules), "unit": c.unit,
                    "ok": ok})
    return out


def water_text(d: dict) -> str:
    """An explanation as lines of text (Chinese first, English beside)."""
    if d["subject"] == "natural_village" and "household" in d:
        h = d["households"]
        head = (f"自然村 natural village {d['subject_id']} · {d['rule_set']} v{d['rule_version']}: "
                f"达标 compliant {h['compliant']}, 不达标 non-compliant {h['non_compliant']}, 未知 unknown {h['unknown']}")
        return head + ("\n" + water_text(d["household"]) if d["household"] else "")
    s = d["source"]
    lines = [f"{'农户 household' if d['subject'] == 'household' else '自然村 natural village'} {d['subject_id']} · "
             f"规则 rule set {d['rule_set']} v{d['rule_version']} ({d['water_combine']})",
             f"水源 source: {s['id']} {s['name'] or ''} ({s['kind']}, {s['status']}{', 入户 piped' if s['piped_to_home'] else ''})"
             if s else "水源 source: 无可用水源 no source that counts",
             f"路线 route: {d['distance_basis']} {d['horizontal_m']} m (直线 straight {d['straight_m']} m), "
             f"高差 climb {d['vertical_m']} m ({d['subject_elevation_m']} → {d['source_elevation_m']} m)",
             f"时间 time: 去 out {d['time_out_min']} min 空手 empty + 回 back {d['time_back_min']} min 负重 loaded "
             f"(×{d['loaded_speed_factor']}) = {d['round_trip_min']} min"]
    mark = {True: "✓", False: "✗", None: "?"}
    sign = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}
    for c in d["clauses"]:
        test = water_rule.clause(c["clause"]).test
        thr = f" {sign[test]} {c['threshold']}{' ' + c['unit'] if c['unit'] else ''}" if test in sign else ""
        lines.append(f"  {mark[c['ok']]} {c['clause']}: {c['value']}{thr}")
    verdict = {True: "达标 compliant", False: "不达标 non-compliant", None: "未知 unknown"}[d["compliant"]]
    lines.append(f"结论 verdict: {verdict}" + (f"; 未通过 failed: {', '.join(d['failed_clauses'])}"
                                              if d["failed_clauses"] else ""))
    return "\n".join(lines)


def road_text(d: dict) -> str:
    road = d["road"]
    mark = {True: "✓", False: "✗", None: "–"}
    lines = [f"自然村 natural village {d['natural_village_id']} · 规则 rule set {d['rule_set']} v{d['rule_version']} · "
             f"{d['households']} 户 households",
             f"最近硬化路 nearest hardened road: {road['id']} {road['name'] or ''} ({road['surface']}) at "
             f"{d['road_distance_m']} m" if road else "最近硬化路 nearest hardened road: 无 none",
             f"最近道路 nearest road of any surface: {d['nearest_road']['id']} ({d['nearest_road']['surface']}) at "
             f"{d['nearest_road']['distance_m']} m" if d["nearest_road"] else "最近道路 nearest road: 无 none",
             f"乡镇驻地 township seat {d['seat_code']}: 连通 connected {d['connected_to_seat']}, "
             f"{d['network_km_to_seat']} km"]
    for c in d["clauses"]:
        thr = f" (threshold {c['threshold']} {c['unit']})" if c["threshold"] is not None else ""
        why = f" ← 因 due by {c['because']}" if c.get("because") else ""
        lines.append(f"  {mark[c['ok']]} {c['clause']}: {c['value']}{thr}{why}")
    lines.append(f"缺口 gap: {'是 yes' if d['gap'] else '否 no'}" +
                 (f"; 未通过 failed: {', '.join(d['failed_clauses'])}" if d["failed_clauses"] else ""))
    return "\n".join(lines)
