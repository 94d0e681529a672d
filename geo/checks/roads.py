"""Road check: per natural village the nearest hardened road and its distance, whether the village has one and
must have one, whether the hardened network links it to its township seat (and how far), and all-season access
for the Rural Access Index analogue; results into road_results."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from .. import db
from . import network as netmod
from . import road_criteria
from .linecopy import read_lines
from .rules import RuleSet, result_label
from .walking import Terrain

SQL = db.SqlFiles(__file__)
RESULT_COLUMNS = ["natural_village_id", "households", "road_id", "road_distance_m", "has_hardened_road", "required",
                  "gap", "connected_to_seat", "network_km_to_seat", "required_by"]   # required_by: migration 651
EXTRA_COLUMNS = ["population", "all_season_road_m", "within_rai"]  # migration 101


@dataclass
class RoadRun:
    rows: pd.DataFrame
    timings: dict[str, float]
    rules: RuleSet


def _nearest(tree: shapely.STRtree, pts) -> tuple[np.ndarray, np.ndarray]:
    n = len(pts)
    seg = np.full(n, -1, dtype=np.int64); dist = np.full(n, np.nan)
    if n and len(tree.geometries):
        (pi, si), d = tree.query_nearest(pts, return_distance=True, all_matches=False)
        seg[pi] = si; dist[pi] = d
    return seg, dist


def compute(conn, rules: RuleSet) -> RoadRun:
    """Run the road check without writing anything."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    nv = db.query_df(conn, SQL("road_villages"))
    seats = db.query_df(conn, SQL("road_seats"))
    nohd = Terrain(None, 4326)  # connectivity needs no terrain
    with conn.cursor() as cur:
        got = read_lines(cur, SQL("road_lines"))
    if got is None:  # a row the binary scan does not read (an empty line, say): the general path
        rl = db.query_df(conn, SQL("road_lines"))
        got = (rl.id.to_numpy(object), rl.hardened.to_numpy(bool), rl.all_season.to_numpy(bool),
               shapely.from_wkb([bytes(w) for w in rl.wkb]) if len(rl) else np.array([], dtype=object))
    road_ids, hard, alls, geoms = got
    ids, lines = road_ids[hard], geoms[hard]
    as_lines = geoms[alls]
    tm["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    n = len(nv)
    xy = nv[["x", "y"]].to_numpy(float).reshape(-1, 2)
    pts = shapely.points(xy) if n else np.array([], dtype=object)
    net = netmod.build_network(ids, lines, nohd, 1e9)
    road_id = np.full(n, None, dtype=object); road_m = np.full(n, np.nan)
    connected = np.full(n, None, dtype=object); km = np.full(n, np.nan)
    if net is not None and n:
        att = netmod.attach(net, xy, None, nohd)
        on = att.on
        road_id[on] = net.road_id[att.seg[on]]
        road_m[on] = att.access[on]
        connected, km = _seat_links(net, att, nv.seat_code.to_numpy(object), seats, nohd)
    as_m = np.full(n, np.nan)
    if len(as_lines) and n:
        as_m = _nearest(shapely.STRtree(as_lines), pts)[1]
    has = np.isfinite(road_m) & (road_m <= rules.road_access_m)
    hh = nv.households.to_numpy(int)
    required, required_by = road_criteria.evaluate(road_criteria.tree(rules), road_criteria.measures(nv))
    rows = pd.DataFrame({"natural_village_id": nv.id.to_numpy(object), "households": hh, "road_id": road_id,
                         "road_distance_m": road_m, "has_hardened_road": has, "required": required,
                         "gap": required & ~has, "required_by": np.where(required, required_by, None), "connected_to_seat": connected, "network_km_to_seat": km,
                         "population": nv.population.to_numpy(int), "all_season_road_m": as_m,
                         "within_rai": np.isfinite(as_m) & (as_m <= rules.rai_distance_m),
                         "seat_code": nv.seat_code.to_numpy(object), "x": xy[:, 0], "y": xy[:, 1]})
    tm["compute"] = time.perf_counter() - t1
    return RoadRun(rows, tm, rules)


def _seat_links(net: netmod.Network, att: netmod.Attachment, seat_of: np.ndarray, seats: pd.DataFrame,
                nohd: Terrain) -> tuple[np.ndarray, np.ndarray]:
    """Whether the hardened network links each village's nearest hardened road to its township seat, and the
    network distance in km from the road point nearest the village to the seat's road point."""
    n = len(seat_of)
    connected = np.full(n, None, dtype=object); km = np.full(n, np.nan)
    if seats.empty:
        return connected, km
    sxy = seats[["x", "y"]].to_numpy(float)
    satt = netmod.attach(net, sxy, None, nohd)
    N = net.n_nodes
    S = len(seats)
    # One virtual node per seat, tied to both ends of the segment it sits by (the seat's own access leg is not road).
    v = N + np.arange(S)
    sa, sb = net.a[satt.seg], net.b[satt.seg]
    g = net.dist_graph.tocoo()
    u_ = np.r_[g.row, v, v, sa, sb]; w_ = np.r_[g.col, sa, sb, v, v]
    L = net.length[satt.seg]
    d_ = np.r_[g.data, np.maximum(satt.pos, 1e-9), np.maximum(L - satt.pos, 1e-9),
               np.maximum(satt.pos, 1e-9), np.maximum(L - satt.pos, 1e-9)]
    G = coo_matrix((d_, (u_, w_)), shape=(N + S, N + S)).tocsr()
    comp = connected_components(G, directed=False)[1]
    dist, _pred, src = dijkstra(G, indices=v, min_only=True, return_predecessors=True)
    code_idx = {c: k for k, c in enumerate(seats.code.to_numpy(object))}
    own = np.array([code_idx.get(c, -1) for c in seat_of], dtype=np.int64)
    on = att.on & (own >= 0)
    a, b = net.a[np.where(on, att.seg, 0)], net.b[np.where(on, att.seg, 0)]
    pos, Ls = att.pos, net.length[np.where(on, att.seg, 0)]
    linked = on & (comp[a] == comp[N + np.maximum(own, 0)])
    via_a, via_b = pos + dist[a], (Ls - pos) + dist[b]
    best = np.where(via_a <= via_b, via_a, via_b)
    nearest_seat = np.where(via_a <= via_b, src[a], src[b]) - N
    d_own = np.where(linked & (nearest_seat == own), best, np.nan)
    # Linked villages whose nearest seat on the network is not their own: one search from each of those seats,
    # bounded (a hardened route more than 4 times the straight distance plus 20 km is not reported).
    fix = np.nonzero(linked & (nearest_seat != own))[0]
    for s in np.unique(own[fix]):
        k = fix[own[fix] == s]
        reach = 4.0 * float(np.max(np.hypot(*(att.d[k] - satt.d[s]).T))) + 20_000.0
        ds = dijkstra(G, indices=N + s, limit=reach)
        d_own[k] = np.fmin(pos[k] + ds[a[k]], (Ls[k] - pos[k]) + ds[b[k]])
    same = on & (satt.seg[np.maximum(own, 0)] == att.seg)
    d_own = np.where(same, np.fmin(d_own, np.abs(pos - satt.pos[np.maximum(own, 0)])), d_own)
    connected[on] = [bool(x) for x in linked[on]]
    km = np.where(linked & np.isfinite(d_own), d_own / 1000.0, np.nan)
    return connected, km


def write(conn, run: RoadRun) -> int:
    """Replace the rule set's road results with `run`, via COPY."""
    label = result_label(run.rules)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM road_results WHERE rule_set = %s", (label,))
        df = run.rows[RESULT_COLUMNS + EXTRA_COLUMNS].copy()
        df.insert(0, "rule_version", run.rules.version)
        df.insert(0, "rule_set", label)
        return db.copy_frame(cur, "road_results", df)


def check_roads(conn, rules: RuleSet) -> RoadRun:
    """Run the road check and replace the rule set's results, in the caller's transaction."""
    run = compute(conn, rules)
    t = time.perf_counter()
    write(conn, run)
    run.timings["write"] = time.perf_counter() - t
    return run
