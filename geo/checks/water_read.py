"""What the water check reads: subjects, the sources that count, the terrain (cached per DEM import), the network.

Subjects are households, or natural villages where none are loaded. All through geo.db."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .. import db
from ..terrain import load_dem
from . import network as netmod
from .rules import RuleSet
from .walking import Terrain
from .water_arrays import Points
from .water_pairs import NetworkContext
from .water_rule import counting_statuses

SQL = db.SqlFiles(__file__)
SUBJECT_TYPES = {"subject": str, "subject_id": str, "natural_village_id": str, "people": "Int64", "x": float,
                 "y": float}
SOURCE_TYPES = {"id": str, "piped_to_home": bool, "guarantee_rate": float, "x": float, "y": float}


def uses_households(conn) -> bool:
    """Whether the subjects are households (else natural villages: no households are loaded)."""
    return bool(db.query_value(conn, SQL("households_loaded")))


def subjects(conn, ids: list[str] | None, use_households: bool) -> pd.DataFrame:
    """Every subject, or those of `ids`, in id order: subject, subject_id, natural_village_id, people, x, y."""
    with conn.cursor() as cur:
        return db.copy_out_frame(cur, SQL("water_subjects" if ids is None else "water_subjects_some"),
                                 {"use_households": use_households, "ids": ids}, SUBJECT_TYPES)


def sources(conn, rules: RuleSet, subj: pd.DataFrame | None, use_households: bool) -> pd.DataFrame:
    """The sources that count under the rule set, in id order: id, piped_to_home, guarantee_rate, x, y. With
    `subj` only those that can matter to them: within reach of their bounding box, and each one's nearest. A subject
    with a source within the search radius has its nearest among the first (the reach is at least that radius): the
    nearest is searched for the others only, not one index search per subject of a partition."""
    params = {"statuses": counting_statuses(rules)}
    if subj is None or subj.empty:
        with conn.cursor() as cur:
            return db.copy_out_frame(cur, SQL("water_sources"), params, SOURCE_TYPES)
    params.update(zip(("x0", "y0", "x1", "y1"), (float(v) for v in (subj.x.min(), subj.y.min(), subj.x.max(),
                                                                    subj.y.max()))))
    radius = rules.search_radius_m()
    params.update(radius=float(max(radius, rules.piped_reach_m)), srid=db.metric_srid(conn) or 0,
                  nearest_for=[], use_households=use_households)
    with conn.cursor() as cur:
        near = db.copy_out_frame(cur, SQL("water_sources_near"), params, SOURCE_TYPES)
    xy = subj[["x", "y"]].to_numpy(float)
    d = (cKDTree(near[["x", "y"]].to_numpy(float)).query(xy, k=1, distance_upper_bound=radius)[0] if len(near)
         else np.full(len(xy), np.inf))
    far = ~(d < radius)
    if not far.any():
        return near
    params["nearest_for"] = list(subj.subject_id[far])
    with conn.cursor() as cur:
        return db.copy_out_frame(cur, SQL("water_sources_near"), params, SOURCE_TYPES)


def network_context(conn, rules: RuleSet, hp: Points, sp: Points, terrain: Terrain,
                    whole: bool) -> NetworkContext | None:
    """The path network with both point sets attached, where the rule set measures along it: every road, or (not
    `whole`) the roads within the network search distance of the points."""
    if rules.distance_basis == "straight" or not len(hp.xy) or not len(sp.xy):
        return None
    box = None
    if not whole:
        allxy = np.vstack([hp.xy, sp.xy])
        box = (*(allxy.min(axis=0) - rules.network_search_m), *(allxy.max(axis=0) + rules.network_search_m))
    ids, lines = netmod.load_roads(conn, bbox=box)
    step = terrain.step(rules.profile_step_m)
    net = netmod.build_network(ids, lines, terrain, step)
    return None if net is None else NetworkContext.of(net, hp, sp, terrain, rules.network_snap_m, step)


class TerrainCache:
    """The DEM as Terrain in the metric frame, decoded once per import and kept for the process: decoding a county's
    DEM takes longer than recomputing the households near one source. Keyed by the database, the DEM's import time
    and the metric frame; it holds one DEM."""

    def __init__(self):
        self._key = None
        self._terrain: Terrain | None = None

    def __call__(self, conn) -> Terrain:
        srid = db.metric_srid(conn) or 4326
        imported = db.query_value(conn, SQL("dem_imported_at"))
        key = (conn.dsn, imported, srid)
        if key != self._key:
            self._terrain = Terrain(load_dem(conn) if imported is not None else None, srid)
            self._key = key
        return self._terrain


terrain_for = TerrainCache()
