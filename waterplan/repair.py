"""Repair priority, WPDx-style: for every failed or contaminated source, the people who would regain compliance if
it were repaired (now not compliant, compliant with it working), and its crucialness: the share of its users (those
it would serve within the rule set's limits) who have no other compliant source."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.checks import water
from geo.checks.rules import load_rules

from .fetch import fetch
from .scenario import query

COLUMNS = ["rank", "source_id", "name", "kind", "status", "people_served", "users_households", "users_people",
           "regain_households", "regain_people", "crucialness", "rank_by_crucialness", "lon", "lat"]


def rank(conn, rules_name: str | None = None, overrides: dict | None = None) -> pd.DataFrame:
    """Failed sources ranked by people regaining compliance if repaired (then crucialness, then id)."""
    rules = load_rules(conn, rules_name, overrides or {})
    src = query(conn, "failed_sources", {})
    if src.empty:
        return pd.DataFrame(columns=COLUMNS)
    terrain = water.terrain_for(conn)
    radius = float(max(rules.search_radius_m(), rules.piped_reach_m))
    ids = list(query(conn, "subjects_near_sources", {"ids": list(src.id), "radius": radius,
                                                     "use_households": water.uses_households(conn)}).id)
    now = water.compute(conn, rules, ids, terrain=terrain).rows if ids else pd.DataFrame(
        columns=["subject_id", "people", "compliant", "x", "y"])
    f = fetch(conn, now[["x", "y"]].to_numpy(float).reshape(-1, 2), src[["x", "y"]].to_numpy(float), rules, terrain,
              piped=src.piped_to_home.to_numpy(bool), guarantee=src.guarantee_rate.to_numpy(float, na_value=np.nan))
    ok = f.ok
    i, j = f.i[ok], f.j[ok]
    people = now.people.fillna(0).to_numpy(float)
    alone = (now.compliant != True).to_numpy()  # noqa: E712 — no other compliant source now (False or unknown)
    n = len(src)
    out = src[["id", "name", "kind", "status", "people_served", "lon", "lat"]].rename(columns={"id": "source_id"})
    out["users_households"] = np.bincount(j, minlength=n)
    out["users_people"] = np.bincount(j, weights=people[i], minlength=n).astype(int)
    out["regain_households"] = np.bincount(j[alone[i]], minlength=n)
    out["regain_people"] = np.bincount(j[alone[i]], weights=people[i][alone[i]], minlength=n).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["crucialness"] = np.where(out.users_people > 0, out.regain_people / out.users_people.clip(lower=1), 0.0)
    out["crucialness"] = out.crucialness.round(4)
    cr = out.sort_values(["crucialness", "regain_people", "source_id"], ascending=[False, False, True])
    out["rank_by_crucialness"] = pd.Series(np.arange(1, n + 1), index=cr.index)
    out = out.sort_values(["regain_people", "crucialness", "source_id"], ascending=[False, False, True])
    out["rank"] = np.arange(1, n + 1)
    return out[COLUMNS].reset_index(drop=True)
