"""The path network: road segments as a graph (nodes snapped from vertices), points attached to the nearest segment,
and network distance and walking times between many pairs of attached points (scipy.sparse.csgraph)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from .. import db
from .fused import kernel_array
from .walking import Terrain, leg_times

SQL = db.SqlFiles(__file__)
NODE_SNAP_M = 0.5  # vertices closer than this are one node


@dataclass
class Network:
    """Segments (a→b between nodes) with lengths, Tobler times each way, and graphs over them."""

    node_xy: np.ndarray      # (N, 2) metric
    node_d: np.ndarray       # (N, 2) DEM frame
    node_z: np.ndarray       # (N,)
    a: np.ndarray            # (E,) node index of each segment's start
    b: np.ndarray            # (E,) … and end
    length: np.ndarray       # (E,) metres
    t_ab: np.ndarray         # (E,) unloaded minutes a→b (NaN where the profile crosses a void)
    t_ba: np.ndarray         # (E,) unloaded minutes b→a
    road_id: np.ndarray      # (E,) id of the road each segment belongs to
    tree: shapely.STRtree
    dist_graph: csr_matrix   # symmetric, metres
    time_graph: csr_matrix   # directed, unloaded minutes, edges of unknown time left out

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)


def load_roads(conn, *, hardened_only: bool = False, all_season_only: bool = False,
               bbox: tuple[float, float, float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Road ids and metric LineStrings, optionally only hardened or all-season ones, optionally in a metric bbox."""
    srid = db.metric_srid(conn)
    with conn.cursor() as cur:
        # COPY with hex WKB and one vectorised parse: several times faster than fetchall() of bytea rows.
        df = db.copy_out_frame(cur, SQL("roads_metric"), {
            "hardened_only": hardened_only, "all_season_only": all_season_only,
            "has_bbox": bbox is not None and srid is not None, "srid": srid or 0,
            **dict(zip(("x0", "y0", "x1", "y1"), (float(v) for v in (bbox or (0, 0, 0, 0)))))},
            {"id": str, "wkb": str})
    ids = df.id.to_numpy(object)
    geoms = shapely.from_wkb(df.wkb.to_numpy(object)) if len(df) else np.array([], dtype=object)
    return ids, geoms


def build_network(ids: np.ndarray, lines: np.ndarray, terrain: Terrain, step_m: float) -> Network | None:
    """The graph of the given metric LineStrings: every vertex a node (snapped), every vertex pair a segment."""
    if len(lines) == 0:
        return None
    coords, which = shapely.get_coordinates(lines, return_index=True)
    same = which[1:] == which[:-1]
    i0 = np.nonzero(same)[0]
    key = np.round(coords / NODE_SNAP_M).astype(np.int64)
    key -= key.min(axis=0)
    span = key.max(axis=0) + 1
    if float(span[0]) * float(span[1]) < 2.0 ** 62:
        # One int64 per vertex, in the same (x, y) order: np.unique on it is several times quicker than on rows.
        _, first, inv = np.unique(key[:, 0] * span[1] + key[:, 1], return_index=True, return_inverse=True)
    else:
        _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    node_xy = coords[first]
    a = inv[i0]; b = inv[i0 + 1]
    keep = a != b
    a, b, road = a[keep], b[keep], which[i0][keep]
    length = np.hypot(*(node_xy[b] - node_xy[a]).T)
    nx_, ny_ = terrain.to_dem(node_xy[:, 0], node_xy[:, 1])
    node_d = np.column_stack([nx_, ny_])
    node_z = terrain.z(nx_, ny_)
    t_ab, t_ba = leg_times(terrain, node_d[a], node_d[b], length, step_m, node_z[a], node_z[b])
    n = len(node_xy)
    segs = shapely.linestrings(np.stack([node_xy[a], node_xy[b]], axis=1))
    return Network(node_xy, node_d, node_z, a, b, length, t_ab, t_ba, ids[road], shapely.STRtree(segs),
                   _graph(np.r_[a, b], np.r_[b, a], np.r_[length, length], n),
                   _graph(np.r_[a, b], np.r_[b, a], np.r_[t_ab, t_ba], n))


def _graph(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """A csr graph keeping the least weight of parallel edges (csr would add them up) and no unknown weights."""
    ok = np.isfinite(w)
    u, v, w = u[ok], v[ok], np.maximum(w[ok], 1e-9)  # an explicit zero would read as "no edge"
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return coo_matrix((w[first], (u[first], v[first])), shape=(n, n)).tocsr()


@dataclass
class Attachment:
    """Points attached to their nearest segment: seg −1 where none lies within the snap distance."""

    seg: np.ndarray      # (n,) segment index or −1
    pos: np.ndarray      # (n,) metres from the segment's start a
    access: np.ndarray   # (n,) metres from the point to the segment
    d: np.ndarray        # (n, 2) attach point in the DEM frame
    z: np.ndarray        # (n,) elevation of the attach point

    @property
    def on(self) -> np.ndarray:
        return self.seg >= 0


def attach(net: Network, xy: np.ndarray, max_m: float | None, terrain: Terrain) -> Attachment:
    """Attach metric points to their nearest segment within `max_m` (None: any distance)."""
    n = len(xy)
    seg = np.full(n, -1, dtype=np.int64)
    if n:
        pts = shapely.points(xy)
        (pi, si), _dist = net.tree.query_nearest(pts, max_distance=max_m, return_distance=True, all_matches=False)
        seg[pi] = si
    on = seg >= 0
    s = np.where(on, seg, 0)
    pa, pb = net.node_xy[net.a[s]], net.node_xy[net.b[s]]
    L = net.length[s]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(((xy - pa) * (pb - pa)).sum(axis=1) / np.where(L > 0, L * L, 1.0), 0.0, 1.0)
    foot = pa + t[:, None] * (pb - pa)
    access = np.where(on, np.hypot(*(xy - foot).T), np.nan)
    da, db = net.node_d[net.a[s]], net.node_d[net.b[s]]
    d = da + t[:, None] * (db - da)
    return Attachment(seg, np.where(on, t * L, np.nan), access, d, np.where(on, terrain.z(d[:, 0], d[:, 1]), np.nan))


def _i64(a) -> np.ndarray:
    return kernel_array(a, np.int64)


def _f64(a) -> np.ndarray:
    return kernel_array(a, np.float64)


def pair_metrics(net: Network, H: Attachment, S: Attachment, ph: np.ndarray, ps: np.ndarray,
                 h_access_t: tuple[np.ndarray, np.ndarray], s_access_t: tuple[np.ndarray, np.ndarray],
                 limit_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network distance h→s (shortest route) and unloaded walking minutes h→s (out) and s→h (back, before the
    load factor) along the quickest route, for pairs (ph[i], ps[i]) of attached points; inf where the network does
    not link them within `limit_m`, NaN time where only routes of unknown time link them.

    h_access_t / s_access_t: unloaded minutes (point→segment, segment→point) of each point's access leg.
    Searches bounded at the limit from each source, compiled (routes.pair_kernel); pair_metrics_dense gives the
    same answers from whole rows of scipy's Dijkstra."""
    from .routes import pair_kernel
    P = len(ph)
    dist = np.full(P, np.inf); tout = np.full(P, np.inf); tback = np.full(P, np.inf)
    if P == 0:
        return dist, tout, tback
    order = np.argsort(ps, kind="stable")
    srcs, starts = np.unique(ps[order], return_index=True)
    rev = net.time_graph.T.tocsr()
    graphs = []
    for g in (net.dist_graph, rev, net.time_graph):
        graphs += [_i64(g.indptr), _i64(g.indices), _f64(g.data)]
    pair_kernel(_i64(srcs), _i64(order), _i64(np.r_[starts, P]), *graphs, int(net.n_nodes),
                _i64(net.a), _i64(net.b), _f64(net.length), _f64(net.t_ab), _f64(net.t_ba), _i64(ph),
                _i64(H.seg), _f64(H.pos), _f64(H.access), _i64(S.seg), _f64(S.pos), _f64(S.access),
                _f64(h_access_t[0]), _f64(h_access_t[1]), _f64(s_access_t[0]), _f64(s_access_t[1]),
                float(limit_m), float(limit_m) / 10.0, dist, tout, tback)
    return dist, tout, tback


def pair_metrics_dense(net: Network, H: Attachment, S: Attachment, ph: np.ndarray, ps: np.ndarray,
                       h_access_t: tuple[np.ndarray, np.ndarray], s_access_t: tuple[np.ndarray, np.ndarray],
                       limit_m: float, chunk: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pair_metrics from whole rows of scipy's Dijkstra (a row per source end, over every node of the network):
    the reference the compiled searches are tested against."""
    P = len(ph)
    dist = np.full(P, np.inf); tout = np.full(P, np.inf); tback = np.full(P, np.inf)
    if P == 0:
        return dist, tout, tback
    rev = net.time_graph.T.tocsr()
    order = np.argsort(ps, kind="stable")
    ps_sorted = ps[order]
    srcs, starts = np.unique(ps_sorted, return_index=True)
    ends = np.r_[starts[1:], P]
    tlimit = limit_m / 10.0  # minutes: nobody walks a route slower than 10 m/min for this far
    for c0 in range(0, len(srcs), chunk):
        cs = srcs[c0:c0 + chunk]
        sseg = S.seg[cs]
        rows = np.r_[net.a[sseg], net.b[sseg]]  # row k: a of source k, row k+len: b of source k
        D = dijkstra(net.dist_graph, indices=rows, limit=limit_m)
        To = dijkstra(rev, indices=rows, limit=tlimit)        # node → source end, unloaded
        Tb = dijkstra(net.time_graph, indices=rows, limit=tlimit)  # source end → node, unloaded
        m = len(cs)
        sel = order[starts[c0]:ends[min(c0 + chunk, len(srcs)) - 1]]
        k = np.searchsorted(cs, ps[sel])  # which source of the chunk
        h = ph[sel]; s = ps[sel]
        hs, ss = H.seg[h], S.seg[s]
        hL, sL = net.length[hs], net.length[ss]
        h_off = (H.pos[h], hL - H.pos[h])                       # household attach → its a, → its b
        s_off = (S.pos[s], sL - S.pos[s])                       # source a → attach, b → attach
        h_nodes = (net.a[hs], net.b[hs])
        # partial-segment times: household attach → a (b→a direction), → b (a→b); source end → attach
        fr_h = np.where(hL > 0, H.pos[h] / np.where(hL > 0, hL, 1), 0.0)
        fr_s = np.where(sL > 0, S.pos[s] / np.where(sL > 0, sL, 1), 0.0)
        ho = (net.t_ba[hs] * fr_h, net.t_ab[hs] * (1 - fr_h))       # out, leaving household segment
        hb = (net.t_ab[hs] * fr_h, net.t_ba[hs] * (1 - fr_h))       # back, arriving on household segment
        so = (net.t_ab[ss] * fr_s, net.t_ba[ss] * (1 - fr_s))       # out, arriving at source attach
        sb = (net.t_ba[ss] * fr_s, net.t_ab[ss] * (1 - fr_s))       # back, leaving source attach
        best_d = np.full(len(sel), np.inf); best_o = np.full(len(sel), np.inf); best_b = np.full(len(sel), np.inf)
        for yi in (0, 1):
            r = k + yi * m
            for xi in (0, 1):
                x = h_nodes[xi]
                best_d = np.fmin(best_d, h_off[xi] + D[r, x] + s_off[yi])
                best_o = np.fmin(best_o, ho[xi] + To[r, x] + so[yi])
                best_b = np.fmin(best_b, sb[yi] + Tb[r, x] + hb[xi])
        same = hs == ss
        if same.any():
            fwd = H.pos[h] <= S.pos[s]
            gap = np.abs(H.pos[h] - S.pos[s])
            fr = np.where(hL > 0, gap / np.where(hL > 0, hL, 1), 0.0)
            direct_o = np.where(fwd, net.t_ab[hs], net.t_ba[hs]) * fr
            direct_b = np.where(fwd, net.t_ba[hs], net.t_ab[hs]) * fr
            best_d = np.where(same, np.fmin(best_d, gap), best_d)
            best_o = np.where(same, np.fmin(best_o, direct_o), best_o)
            best_b = np.where(same, np.fmin(best_b, direct_b), best_b)
        acc = H.access[h] + S.access[s]
        reach = np.isfinite(best_d) & (best_d + acc <= limit_m)
        dist[sel] = np.where(reach, best_d + acc, np.inf)
        # A finite distance with no finite time: the only routes cross a DEM void, so the time is unknown.
        o = best_o + h_access_t[0][h] + s_access_t[0][s]
        bk = best_b + s_access_t[1][s] + h_access_t[1][h]
        tout[sel] = np.where(reach, np.where(np.isfinite(o), o, np.nan), np.inf)
        tback[sel] = np.where(reach, np.where(np.isfinite(bk), bk, np.nan), np.inf)
    return dist, tout, tback


def access_times(terrain: Terrain, pt_d: np.ndarray, pt_z: np.ndarray, att: Attachment, xy: np.ndarray,
                 step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Unloaded minutes point→attach and attach→point of each point's access leg (NaN where not attached)."""
    on = att.on
    t1 = np.full(len(on), np.nan); t2 = np.full(len(on), np.nan)
    if on.any():
        a, b = leg_times(terrain, pt_d[on], att.d[on], att.access[on], step_m, pt_z[on], att.z[on])
        t1[on], t2[on] = a, b
    return t1, t2


def route_nodes(net: Network, start_nodes: list[int], start_off: list[float], goal_nodes: list[int],
                goal_off: list[float]) -> list[int]:
    """Nodes of the shortest route from one attach point (via either segment end) to another; for explanations."""
    best = (np.inf, None, None)
    for sn, so in zip(start_nodes, start_off):
        dist, pred = dijkstra(net.dist_graph, indices=sn, return_predecessors=True)
        for gn, go in zip(goal_nodes, goal_off):
            total = so + dist[gn] + go
            if total < best[0]:
                best = (total, pred, gn)
    _, pred, gn = best
    if pred is None:
        return []
    path = [gn]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def components(net: Network) -> np.ndarray:
    """Connected-component label of every node."""
    return connected_components(net.dist_graph, directed=False)[1]


def warm() -> None:
    """Load the compiled route searches from numba's cache, or compile them (once per install), on two segments."""
    import shapely as shp
    terrain = Terrain(None, 4326)
    lines = shp.linestrings([[[0.0, 0.0], [100.0, 0.0]], [[100.0, 0.0], [100.0, 100.0]]])
    net = build_network(np.array(["a", "b"], dtype=object), lines, terrain, 30.0)
    xy = np.array([[10.0, 1.0], [99.0, 90.0]])
    att = attach(net, xy, 50.0, terrain)
    z = np.full(2, np.nan)
    acc = access_times(terrain, xy, z, att, xy, 30.0)
    pair_metrics(net, att, att, np.array([0, 1]), np.array([1, 0]), acc, acc, 3000.0)
