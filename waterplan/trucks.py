"""Water trucks: the truck-passable road network (geo.checks.network with truck times per road class), distances
and routes from sources to drop points, and per point the volume, trips and the fleet a working day needs."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import connected_components

from geo import db
from geo.checks import network as netmod
from geo.settings import settings

from .scenario import PlanParams, query


@dataclass
class TruckNet:
    """The truck-passable roads as a geo.checks network whose time graph holds truck minutes, not walking ones."""

    net: netmod.Network
    component: np.ndarray   # connected-component label of every node

    def attach(self, xy: np.ndarray, max_m: float | None, terrain) -> netmod.Attachment:
        return netmod.attach(self.net, np.asarray(xy, float).reshape(-1, 2), max_m, terrain)

    def comp_of(self, att: netmod.Attachment) -> np.ndarray:
        """Component of each attached point (−1 where not attached)."""
        return np.where(att.on, self.component[self.net.a[np.where(att.on, att.seg, 0)]], -1)


def truck_net(conn, terrain, params: PlanParams, step_m: float,
              bbox: tuple[float, float, float, float] | None = None) -> TruckNet | None:
    """Build the truck network (None where no road is truck-passable)."""
    srid = db.metric_srid(conn)
    b = bbox or (0.0, 0.0, 0.0, 0.0)
    roads = query(conn, "truck_roads", {
        "surfaces": list(settings.plan_truck_surfaces), "min_width": params.truck_min_width_m,
        "has_bbox": bbox is not None and srid is not None, "srid": srid or 0,
        "x0": b[0], "y0": b[1], "x1": b[2], "y1": b[3]})
    if roads.empty:
        return None
    lines = shapely.from_wkb([bytes(w) for w in roads.wkb])
    net = netmod.build_network(roads.id.to_numpy(object), lines, terrain, step_m)
    if net is None:
        return None
    kmh = settings.plan_truck_kmh
    cls = dict(zip(roads.id, roads["class"]))
    speed = np.array([kmh.get(cls[r], kmh["other"]) for r in net.road_id], dtype=float) * 1000.0 / 60.0
    minutes = net.length / speed
    n = net.n_nodes
    tgraph = netmod._graph(np.r_[net.a, net.b], np.r_[net.b, net.a], np.r_[minutes, minutes], n)
    tnet = replace(net, t_ab=minutes, t_ba=minutes.copy(), time_graph=tgraph)
    return TruckNet(tnet, connected_components(tnet.dist_graph, directed=False)[1])


def distances(tn: TruckNet, S: netmod.Attachment, P: netmod.Attachment, ps: np.ndarray, pp: np.ndarray,
              limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Road metres (shortest route) and truck minutes (quickest route) from sources S[ps] to drop points P[pp];
    inf where no truck-passable route links them within limit_m."""
    zs = (np.zeros(len(S.seg)), np.zeros(len(S.seg)))
    zp = (np.zeros(len(P.seg)), np.zeros(len(P.seg)))
    d, t_out, _ = netmod.pair_metrics(tn.net, S, P, ps, pp, zs, zp, limit_m)
    return d, t_out


def _foot(net: netmod.Network, att: netmod.Attachment, k: int) -> np.ndarray:
    s = att.seg[k]
    pa, pb = net.node_xy[net.a[s]], net.node_xy[net.b[s]]
    L = net.length[s]
    return pa + (att.pos[k] / L if L > 0 else 0.0) * (pb - pa)


def route_line(tn: TruckNet, S: netmod.Attachment, si: int, sxy: np.ndarray, P: netmod.Attachment, pi: int,
               pxy: np.ndarray) -> shapely.LineString:
    """The shortest truck route from source si to drop point pi as a metric LineString (source → road → point)."""
    net = tn.net
    s, p = S.seg[si], P.seg[pi]
    if s == p:
        mid = []
    else:
        nodes = netmod.route_nodes(net, [int(net.a[s]), int(net.b[s])], [S.pos[si], net.length[s] - S.pos[si]],
                                   [int(net.a[p]), int(net.b[p])], [P.pos[pi], net.length[p] - P.pos[pi]])
        mid = [net.node_xy[k] for k in nodes]
    pts = [sxy, _foot(net, S, si), *mid, _foot(net, P, pi), pxy]
    return shapely.LineString(np.array(pts))


def trips(m3: np.ndarray, truck_m3: float) -> np.ndarray:
    """Truck loads a day to carry m3 (a part-load is a trip)."""
    return np.ceil(np.asarray(m3, float) / truck_m3 - 1e-9).astype(int)


def fleet(legs: pd.DataFrame, params: PlanParams) -> tuple[int, pd.DataFrame]:
    """Trucks needed within one working day: every trip (drive there, back, fill and empty) packed first-fit
    decreasing into truck-days of `working_day_h`. legs: trips_per_day, travel_min (one way). Returns the fleet and
    legs with trip_min and truck_min_per_day. A trip longer than the working day still takes one truck."""
    legs = legs.copy()
    legs["trip_min"] = 2.0 * legs.travel_min + params.truck_load_min
    legs["truck_min_per_day"] = legs.trip_min * legs.trips_per_day
    day = params.working_day_h * 60.0
    durations = np.sort(np.repeat(legs.trip_min.to_numpy(float), legs.trips_per_day.to_numpy(int)))[::-1]
    free: list[float] = []
    for d in durations:
        for k, f in enumerate(free):
            if d <= f + 1e-9:
                free[k] = f - d
                break
        else:
            free.append(max(day - d, 0.0))
    return len(free), legs

