"""Services check: per administrative village, a clinic with a qualified village doctor or the township health
centre within reach (Hanzhong 2018: 5 km), bus service (a road with buses by the village or a bus stop in reach),
and a kindergarten in poor villages; distances along the road network, straight where the network does not link
them (said so in distance_basis); a clause that cannot be judged is None, never True."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from .. import db
from . import network as netmod
from .rules import RuleSet, result_label
from .walking import Terrain

SQL = db.SqlFiles(__file__)
OUT_COLUMNS = ["village_code", "clinic_ok", "clinic_distance_m", "distance_basis", "bus_ok", "failed_clauses"]
RESULT_COLUMNS = OUT_COLUMNS + ["clinic_id", "health_centre_m", "kindergarten_ok"]
CLAUSES = ("clinic", "bus", "kindergarten")


@dataclass
class ServicesRun:
    rows: pd.DataFrame
    timings: dict[str, float]
    rules: RuleSet


def _nearest(dist: np.ndarray, pv: np.ndarray, pt: np.ndarray, n: int, mask: np.ndarray) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """Per village the smallest finite pair distance over the targets in `mask`, and that target (−1: none)."""
    best = np.full(n, np.inf); which = np.full(n, -1, dtype=np.int64)
    keep = mask[pt] & np.isfinite(dist)
    if keep.any():
        d, v, t = dist[keep], pv[keep], pt[keep]
        order = np.lexsort((d, v))
        v, first = np.unique(v[order], return_index=True)
        best[v] = d[order][first]; which[v] = t[order][first]
    return best, which


def _three(judged: np.ndarray, value: np.ndarray) -> np.ndarray:
    """True, False, or None where the clause cannot be judged (Python objects, as results and files want them)."""
    out = np.full(len(judged), None, dtype=object)
    out[judged & value] = True
    out[judged & ~value] = False
    return out


def distances(conn, vxy: np.ndarray, txy: np.ndarray, rules: RuleSet) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                                np.ndarray]:
    """All village × target distances: along the road network (access legs included) where both attach to it and
    it links them within services_search_m, else straight. Returns (pair village, pair target, metres) and whether
    each pair was measured along the network."""
    nv, nt = len(vxy), len(txy)
    pv, pt = np.repeat(np.arange(nv), nt), np.tile(np.arange(nt), nv)
    straight = np.hypot(*(vxy[pv] - txy[pt]).T) if nv and nt else np.zeros(0)
    net_d = np.full(len(pv), np.inf)
    ids, lines = netmod.load_roads(conn)
    nohd = Terrain(None, 4326)
    net = netmod.build_network(ids, lines, nohd, 1e9)
    if net is not None and len(pv):
        V = netmod.attach(net, vxy, rules.network_snap_m, nohd)
        T = netmod.attach(net, txy, rules.network_snap_m, nohd)
        on = V.on[pv] & T.on[pt]
        zv, zt = (np.zeros(nv), np.zeros(nv)), (np.zeros(nt), np.zeros(nt))
        got, _o, _b = netmod.pair_metrics_dense(net, V, T, pv[on], pt[on], zv, zt, rules.services_search_m)
        net_d[on] = got
    return pv, pt, np.where(np.isfinite(net_d), net_d, straight), np.isfinite(net_d)


def compute(conn, rules: RuleSet) -> ServicesRun:
    """Run the services check without writing anything."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    vil = db.query_df(conn, SQL("services_villages"))
    fac = db.query_df(conn, SQL("services_facilities"))
    tm["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    n = len(vil)
    placed = vil[["x", "y"]].notna().all(axis=1).to_numpy(bool) if n else np.zeros(0, bool)
    vxy = vil[["x", "y"]].to_numpy(float).reshape(-1, 2)
    kind = fac.kind.to_numpy(object)
    centre = kind == "township_health_centre"
    clinic = (kind == "village_clinic") & (fac.qualified_doctors.to_numpy(float) > 0)
    health = centre | clinic
    stop = kind == "bus_stop"
    targets = np.nonzero(health | stop)[0]
    pv, pt, d, on_net = distances(conn, vxy[placed], fac[["x", "y"]].to_numpy(float)[targets].reshape(-1, 2), rules)
    pv = np.nonzero(placed)[0][pv] if len(pv) else pv
    pt = targets[pt] if len(pt) else pt
    basis_net = np.zeros(n, bool)
    hc_m, _ = _nearest(d, pv, pt, n, centre)
    cl_m, cl_i = _nearest(d, pv, pt, n, health)
    st_m, _ = _nearest(d, pv, pt, n, stop)
    if len(pv):   # the basis of the distance reported: the nearest qualified clinic's or health centre's pair
        hit = (pt == cl_i[pv]) & on_net
        basis_net[pv[hit]] = True
    codes = vil.village_code.to_numpy(object)
    fac_village = fac.village_code.to_numpy(object)
    own_clinic = np.isin(codes, fac_village[clinic])
    clinic_ok = _three(own_clinic | (placed & np.isfinite(hc_m)), own_clinic | (hc_m <= rules.clinic_within_m))
    # Bus: a road with buses within road_access_m of the village, or a bus stop within bus_stop_m; unknown when
    # the county records neither (roads.bus is false by default, so no bus road and no stop says nothing).
    bus_lines = db.query_df(conn, SQL("services_bus_roads"))
    bus_road = np.zeros(n, bool)
    if len(bus_lines) and placed.any():
        tree = shapely.STRtree(shapely.from_wkb(bus_lines.wkb.to_numpy(object)))
        (pi, _si) = tree.query(shapely.points(vxy[placed]), predicate="dwithin", distance=rules.road_access_m)
        bus_road[np.nonzero(placed)[0][np.unique(pi)]] = True
    bus_ok = _three(placed & (len(bus_lines) > 0 or stop.any()), bus_road | (st_m <= rules.bus_stop_m))
    poor = vil.poor.to_numpy(float)
    has_kg = np.isin(codes, fac_village[kind == "kindergarten"])
    kindergarten_ok = _three(poor == 1, has_kg)
    basis = np.full(n, None, dtype=object)
    basis[np.isfinite(cl_m)] = np.where(basis_net, "network", "straight")[np.isfinite(cl_m)]
    clinic_id = np.full(n, None, dtype=object)
    found = cl_i >= 0
    clinic_id[found] = fac.id.to_numpy(object)[cl_i[found]]
    failed = [[c for c, ok in zip(CLAUSES, oks) if ok is False]
              for oks in zip(clinic_ok, bus_ok, kindergarten_ok)]
    rows = pd.DataFrame({
        "village_code": codes, "clinic_ok": clinic_ok, "clinic_distance_m": np.where(np.isfinite(cl_m), np.round(cl_m, 1), np.nan),
        "distance_basis": basis,
        "bus_ok": bus_ok, "failed_clauses": failed,
        "clinic_id": clinic_id,
        "health_centre_m": np.where(np.isfinite(hc_m), np.round(hc_m, 1), np.nan), "kindergarten_ok": kindergarten_ok,
        "own_clinic": own_clinic,
        "x": vxy[:, 0], "y": vxy[:, 1]})
    tm["compute"] = time.perf_counter() - t1
    return ServicesRun(rows, tm, rules)


def write(conn, run: ServicesRun) -> int:
    """Replace the rule set's services results with `run`, via COPY."""
    label = result_label(run.rules)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM services_results WHERE rule_set = %s", (label,))
        df = run.rows[RESULT_COLUMNS].copy()
        df.insert(0, "rule_version", run.rules.version)
        df.insert(0, "rule_set", label)
        return db.copy_frame(cur, "services_results", df)


def check_services(conn, rules: RuleSet) -> ServicesRun:
    """Run the services check and replace the rule set's results, in the caller's transaction."""
    run = compute(conn, rules)
    t = time.perf_counter()
    write(conn, run)
    run.timings["write"] = time.perf_counter() - t
    return run


def _num(v, nd=1):
    return None if v is None or v != v else round(float(v), nd)


def explain(conn, village_code: str, rules: RuleSet) -> dict:
    """Why an administrative village passes or fails each services clause, as a JSON-ready dict: village_code,
    rule_set, clauses (list of {clause, value, threshold, unit, ok (None: cannot be judged)}), clinic_id,
    distance_basis, failed_clauses. Raises LookupError when the code is not an administrative village."""
    rows = compute(conn, rules).rows
    hit = rows[rows.village_code == village_code]
    if hit.empty:
        raise LookupError(f"no administrative village {village_code!r}")
    r = hit.iloc[0]
    basis = r.distance_basis if isinstance(r.distance_basis, str) else None
    return {
        "village_code": village_code, "rule_set": result_label(rules), "rule_version": rules.version,
        "clinic_id": r.clinic_id if isinstance(r.clinic_id, str) else None, "distance_basis": basis,
        "clauses": [
            {"clause": "clinic", "value": _num(r.health_centre_m), "threshold": rules.clinic_within_m, "unit": "m",
             "ok": r.clinic_ok, "nearest_m": _num(r.clinic_distance_m), "own_clinic": bool(r.own_clinic)},
            {"clause": "bus", "value": None, "threshold": rules.bus_stop_m, "unit": "m", "ok": r.bus_ok},
            {"clause": "kindergarten", "value": None, "threshold": None, "unit": None, "ok": r.kindergarten_ok},
        ],
        "failed_clauses": list(r.failed_clauses),
    }


def text(d: dict) -> str:
    """The explanation as lines for the terminal."""
    mark = {True: "✓", False: "✗", None: "?"}
    lines = [f"行政村 administrative village {d['village_code']} · 规则 rule set {d['rule_set']} v{d['rule_version']}"]
    for c in d["clauses"]:
        thr = f" (threshold {c['threshold']} {c['unit']})" if c["threshold"] is not None else ""
        val = f": {c['value']} {c['unit']}" if c["value"] is not None else ""
        own = " · 本村有合格卫生室 own licensed clinic" if c.get("own_clinic") else ""
        lines.append(f"  {mark[c['ok']]} {c['clause']}{val}{thr}{own}")
    clinic = d["clauses"][0]
    lines.append(f"最近合格卫生室或卫生院 nearest licensed clinic or health centre: {d['clinic_id'] or '-'} "
                 f"{clinic['nearest_m'] if clinic['nearest_m'] is not None else '-'} m "
                 f"({d['distance_basis'] or 'unknown'})")
    lines.append("未通过 failed: " + (", ".join(d["failed_clauses"]) or "-"))
    return "\n".join(lines)
