"""Service gaps: candidate sites for a new source (every natural village, and a grid over the non-compliant
households) ranked by the non-compliant people each would bring into compliance, the rule set's horizontal,
vertical and time limits honoured; ranked greedily so that nobody is counted for two sites."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from geo import db
from geo.checks import water
from geo.checks.rules import load_rules

from .fetch import fetch
from .scenario import PlanParams, query

COLUMNS = ["rank", "site_id", "kind", "natural_village_id", "name", "lon", "lat", "elevation_m", "people",
           "households", "added_people", "cumulative_people"]


def non_compliant(conn, rules) -> pd.DataFrame:
    """Subjects not compliant now: from the stored results of the rule set where they exist, else computed."""
    label = water.result_label(rules)
    if int(query(conn, "stored_count", {"label": label}).n.iat[0]) > 0:
        return query(conn, "non_compliant_stored", {"label": label})
    rows = water.compute(conn, rules).rows
    return rows.loc[rows.compliant != True, ["subject_id", "people", "x", "y"]].reset_index(drop=True)  # noqa: E712


def rank(conn, rules_name: str | None = None, overrides: dict | None = None,
         params: PlanParams | None = None, limit: int | None = None) -> pd.DataFrame:
    """Candidate sites ranked by the additional non-compliant people each brings into compliance."""
    params = params or PlanParams()
    rules = load_rules(conn, rules_name, overrides or {})
    nc = non_compliant(conn, rules)
    if nc.empty:
        return pd.DataFrame(columns=COLUMNS)
    hxy = nc[["x", "y"]].to_numpy(float)
    R = rules.search_radius_m()
    nv = query(conn, "site_villages", {})
    g = params.grid_m
    lo, hi = hxy.min(axis=0) - R, hxy.max(axis=0) + R
    gx, gy = np.meshgrid(np.arange(np.floor(lo[0] / g) * g, hi[0] + g, g),
                         np.arange(np.floor(lo[1] / g) * g, hi[1] + g, g))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    sites = pd.concat([
        pd.DataFrame({"site_id": "nv:" + nv.id.astype(str), "kind": "natural_village", "natural_village_id": nv.id,
                      "name": nv.name, "x": nv.x.astype(float), "y": nv.y.astype(float)}),
        pd.DataFrame({"site_id": [f"grid:{int(x)}:{int(y)}" for x, y in grid], "kind": "grid",
                      "natural_village_id": None, "name": None, "x": grid[:, 0], "y": grid[:, 1]})],
        ignore_index=True)
    d, _ = cKDTree(hxy).query(sites[["x", "y"]].to_numpy(float), k=1, distance_upper_bound=R + 1.0)
    sites = sites[np.isfinite(d)].reset_index(drop=True)
    if sites.empty:
        return pd.DataFrame(columns=COLUMNS)
    terrain = water.terrain_for(conn)
    f = fetch(conn, hxy, sites[["x", "y"]].to_numpy(float), rules, terrain)
    i, j = f.i[f.ok], f.j[f.ok]
    people = nc.people.fillna(0).to_numpy(float)
    A = csr_matrix((np.ones(len(i)), (j, i)), shape=(len(sites), len(nc)))
    sites["people"] = (A @ people).astype(int)
    sites["households"] = np.asarray(A.sum(axis=1)).ravel().astype(int)
    # Greedy: the site adding most people not yet served by a site ranked above it.
    left = np.ones(len(nc), bool)
    order, added = [], []
    Ac = A.tocsr()
    while left.any() and (limit is None or len(order) < limit):
        gain = Ac @ (people * left)
        best = int(np.lexsort((np.arange(len(gain)), -gain))[0])
        if gain[best] <= 0:
            break
        order.append(best); added.append(int(gain[best]))
        left[Ac.indices[Ac.indptr[best]:Ac.indptr[best + 1]]] = False
    out = sites.iloc[order].copy()
    out["added_people"] = added
    out["cumulative_people"] = np.cumsum(added)
    out["rank"] = np.arange(1, len(out) + 1)
    out["lon"], out["lat"] = db.metric_to_storage(db.metric_srid(conn), out.x.to_numpy(), out.y.to_numpy())
    dx, dy = terrain.to_dem(out.x.to_numpy(), out.y.to_numpy())
    out["elevation_m"] = np.round(terrain.z(dx, dy), 1)
    return out[COLUMNS].reset_index(drop=True)
