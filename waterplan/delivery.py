"""Tanker drop points: candidates sampled along truck-passable roads, which affected households each one serves
within the rule set's fetch limits (geo.checks.water.fetch_metrics and judge), the fewest points that serve them all
(a set cover solved exactly by scipy's MILP, greedy as the fallback), and why the rest cannot be served."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from geo.checks import network as netmod
from geo.checks import water
from geo.checks.rules import RuleSet

from .fetch import fetch
from .scenario import PlanParams
from .trucks import TruckNet


def sample_roads(tn: TruckNet, spacing_m: float) -> np.ndarray:
    """Points every `spacing_m` or less along every segment of the truck network, nodes included (metric xy)."""
    net = tn.net
    n = np.maximum(1, np.ceil(net.length / spacing_m)).astype(np.int64)
    seg = np.repeat(np.arange(len(n)), n - 1)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n - 1) - (n - 1), n - 1) + 1
    f = (k / n[seg])[:, None]
    inner = net.node_xy[net.a[seg]] + f * (net.node_xy[net.b[seg]] - net.node_xy[net.a[seg]])
    xy = np.vstack([net.node_xy, inner])
    _, first = np.unique(np.round(xy, 1), axis=0, return_index=True)
    return xy[np.sort(first)]


@dataclass
class Delivery:
    """Drop points chosen, households assigned to them, households that cannot be served, and the attachment of the
    points to the truck network."""

    points: pd.DataFrame        # id, x, y, households, people (metric xy)
    assignments: pd.DataFrame   # subject_id, delivery_point_id, horizontal_m, vertical_m, round_trip_min, basis
    unserved: pd.DataFrame      # subject_id, why, why_zh
    attachment: netmod.Attachment
    method: str                 # milp-optimal, milp-time-limit, greedy


def _why(jd: water.Judgement, m: water.Metrics, k: int, rules: RuleSet) -> tuple[str, str]:
    """The clauses the best candidate fails, with their figures."""
    en, zh = [], []
    h, v, t = m.horizontal_m[k], m.vertical_m[k], m.round_trip_min[k]
    for name, arr in jd.failed:
        if arr[k] == water.F:
            if name == "horizontal":
                en.append(f"horizontal {h:.0f} m > {rules.max_horizontal_m:.0f} m")
                zh.append(f"水平距离 {h:.0f} 米 > {rules.max_horizontal_m:.0f} 米")
            elif name == "vertical":
                en.append(f"climb {v:.0f} m > {rules.max_vertical_m:.0f} m")
                zh.append(f"垂直距离 {v:.0f} 米 > {rules.max_vertical_m:.0f} 米")
            elif name == "time":
                en.append(f"round trip {t:.1f} min > {rules.max_round_trip_min:.0f} min")
                zh.append(f"往返 {t:.1f} 分钟 > {rules.max_round_trip_min:.0f} 分钟")
    if en:
        return "nearest drop point fails: " + "; ".join(en), "最近的送水点不达标：" + "；".join(zh)
    for name, arr in jd.failed:  # nothing fails outright: say what could not be judged
        if arr[k] == water.U and name in ("horizontal", "vertical", "time"):
            en.append(f"{name} unknown (no DEM or off the path network)")
            zh.append({"horizontal": "水平距离", "vertical": "垂直距离", "time": "往返时间"}[name] + "无法判定（无高程或不在路网上）")
    return ("nearest drop point cannot be judged: " + "; ".join(en or ["not within the rule set's limits"]),
            "最近的送水点无法判定：" + "；".join(zh or ["不满足规则"]))


def _set_cover(A: csr_matrix, tie: np.ndarray, seconds: float) -> tuple[np.ndarray, str]:
    """Columns of A (rows × columns, 0/1) covering every row, as few as possible: MILP, else greedy."""
    n_rows, n_cols = A.shape
    chosen = _greedy(A, tie)
    try:
        c = 1.0 + 0.5 / max(n_rows, 1) * tie
        res = milp(c, constraints=LinearConstraint(A, lb=np.ones(n_rows), ub=np.inf), integrality=np.ones(n_cols),
                   bounds=Bounds(0, 1), options={"time_limit": seconds})
        if res.x is not None:
            x = np.nonzero(res.x > 0.5)[0]
            if len(x) <= len(chosen) and (A[:, x].sum(axis=1) >= 1).all():
                return x, "milp-optimal" if res.status == 0 else "milp-time-limit"
    except ValueError:
        pass
    return chosen, "greedy"


def _greedy(A: csr_matrix, tie: np.ndarray) -> np.ndarray:
    """Greedy set cover: the column covering most uncovered rows, ties to the lower `tie`."""
    Ac = A.tocsc()
    left = np.ones(A.shape[0], dtype=bool)
    out = []
    while left.any():
        gain = Ac.T @ left.astype(float)
        best = np.lexsort((tie, -gain))[0]
        if gain[best] <= 0:
            break
        out.append(best)
        left[Ac[:, best].indices] = False
    return np.array(out, dtype=np.int64)


def plan_points(conn, aff: pd.DataFrame, rules: RuleSet, tn: TruckNet | None, reachable_comps: set,
                params: PlanParams, terrain) -> Delivery:
    """Choose drop points for the affected subjects (aff: subject_id, x, y metric)."""
    hxy = aff[["x", "y"]].to_numpy(float)
    R = rules.search_radius_m()
    cand = np.zeros((0, 2))
    if tn is not None and len(hxy):
        cand = sample_roads(tn, params.drop_spacing_m)
        d, _ = cKDTree(hxy).query(cand, k=1, distance_upper_bound=R + 1.0)
        cand = cand[np.isfinite(d)]
    empty_att = netmod.Attachment(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 2)), np.zeros(0))
    if len(cand) == 0:
        why = f"no truck-passable road within {R:.0f} m"
        un = pd.DataFrame({"subject_id": aff.subject_id, "why": why,
                           "why_zh": f"{R:.0f} 米内没有送水车可通行的道路"})
        return Delivery(pd.DataFrame(columns=["id", "x", "y", "households", "people"]),
                        pd.DataFrame(columns=["subject_id", "delivery_point_id", "horizontal_m", "vertical_m",
                                              "round_trip_min", "distance_basis"]), un, empty_att, "none")
    att = tn.attach(cand, 1.0, terrain)
    reach = np.isin(tn.comp_of(att), list(reachable_comps))
    f = fetch(conn, hxy, cand, rules, terrain)
    i, j, straight, m, jd = f.i, f.j, f.straight, f.m, f.jd
    ok = (jd.compliant == water.T) & reach[j]
    # The set cover over the subjects some reachable candidate serves; identical columns kept once.
    rows = np.unique(i[ok])
    cols = np.unique(j[ok])
    ri = np.searchsorted(rows, i[ok]); cj = np.searchsorted(cols, j[ok])
    A = csr_matrix((np.ones(len(ri)), (ri, cj)), shape=(len(rows), len(cols)))
    rt = m.round_trip_min[ok]
    tie = np.bincount(cj, weights=rt, minlength=len(cols)) / np.maximum(np.bincount(cj, minlength=len(cols)), 1)
    tie = tie / max(tie.max(), 1e-9) if len(tie) else tie
    method = "none"
    chosen_cols = np.zeros(0, np.int64)
    if len(rows):
        Ac = A.tocsc()
        keys = {}
        for c in np.argsort(tie, kind="stable"):
            keys.setdefault(Ac.indices[Ac.indptr[c]:Ac.indptr[c + 1]].tobytes(), c)
        uniq = np.array(sorted(keys.values()), dtype=np.int64)
        sel, method = _set_cover(A[:, uniq].tocsr(), tie[uniq], params.milp_seconds)
        chosen_cols = uniq[sel]
    chosen = cols[chosen_cols]
    # Each served subject goes to the chosen point with the least round trip.
    okc = ok & np.isin(j, chosen)
    k = np.nonzero(okc)[0]
    k = k[np.lexsort((m.round_trip_min[k], i[k]))]
    first = np.ones(len(k), bool); first[1:] = i[k][1:] != i[k][:-1]
    k = k[first]
    # Points numbered by the households they serve, most first.
    counts = pd.Series(j[k]).value_counts()
    order = sorted(chosen, key=lambda c: (-counts.get(c, 0), c))
    pid = {c: f"dp{n + 1}" for n, c in enumerate(order)}
    people = aff.people.to_numpy(int)
    asg = pd.DataFrame({
        "subject_id": aff.subject_id.to_numpy(object)[i[k]],
        "delivery_point_id": pd.Series([pid[c] for c in j[k]], dtype=object),
        "horizontal_m": m.horizontal_m[k], "vertical_m": m.vertical_m[k], "round_trip_min": m.round_trip_min[k],
        "distance_basis": np.where(m.network[k], "network", "straight"), "people": people[i[k]], "_cand": j[k]})
    pts = pd.DataFrame({"id": pd.Series([pid[c] for c in order], dtype=object), "_cand": order,
                        "x": cand[order, 0] if order else [], "y": cand[order, 1] if order else []})
    g = asg.groupby("delivery_point_id").agg(households=("subject_id", "size"), people=("people", "sum"))
    pts = pts.join(g, on="id")
    # Why the others cannot be served.
    served = np.zeros(len(aff), bool); served[i[k]] = True
    un_rows = []
    within = straight <= R
    for s in np.nonzero(~served)[0]:
        mine = np.nonzero(i == s)[0]
        near = mine[within[mine]]
        if len(near) == 0:
            why = (f"no truck-passable road within {R:.0f} m", f"{R:.0f} 米内没有送水车可通行的道路")
        elif not reach[j[near]].any():
            why = ("the truck-passable road within reach is not linked by road to a source with spare capacity",
                   "附近可通车道路与有余量的水源之间无道路相连")
        else:
            near = near[reach[j[near]]]
            nf = np.array([sum(arr[q] == water.F for _, arr in jd.failed) for q in near])
            best = near[np.lexsort((straight[near], nf))[0]]
            why = _why(jd, m, best, rules)
        un_rows.append((aff.subject_id.iat[s], *why))
    un = pd.DataFrame(un_rows, columns=["subject_id", "why", "why_zh"])
    P = tn.attach(pts[["x", "y"]].to_numpy(float), 1.0, terrain) if len(pts) else empty_att
    return Delivery(pts, asg, un, P, method)
