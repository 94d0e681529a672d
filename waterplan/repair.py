"""Repair priority, WPDx-style: for every failed or contaminated source, the people who would regain compliance if
it were repaired (now not compliant, compliant with it working), and its crucialness: the share of its users (those
it would serve within the rule set's limits) who have no other compliant source. Between sources that would bring
back as many people, the one with more complaints and failed water samples over the last year comes first."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.checks import water
from geo.checks.rules import load_rules

from .fetch import fetch
from .scenario import query

COLUMNS = ["rank", "source_id", "name", "kind", "status", "people_served", "users_households", "users_people",
           "regain_households", "regain_people", "crucialness", "rank_by_crucialness", "complaints", "failed_samples",
           "lon", "lat"]


def rank(conn, rules_name: str | None = None, overrides: dict | None = None) -> pd.DataFrame:
    """Failed sources ranked by people regaining compliance if repaired, then by their complaints and failed samples
    of the last year (the works records), then crucialness, then id."""
    rules = load_rules(conn, rules_name, overrides or {})
    src = query(conn, "failed_sources", {})
    if src.empty:
        return pd.DataFrame(columns=COLUMNS)
    terrain = water.terrain_for(conn)
    radius = float(max(rules.search_radius_m(), rules.piped_reach_m))
    near = query(conn, "subjects_near_sources", {"ids": list(src.id), "radius": radius,
                                                 "use_households": water.uses_households(conn)})
    # Its users: the subjects that would comply with it working (the check's pair measure and judgement).
    f = fetch(conn, near[["x", "y"]].to_numpy(float).reshape(-1, 2), src[["x", "y"]].to_numpy(float), rules,
              terrain, piped=src.piped_to_home.to_numpy(bool),
              guarantee=src.guarantee_rate.to_numpy(float, na_value=np.nan))
    i, j = f.i[f.ok], f.j[f.ok]
    users = sorted(set(near.id.to_numpy(object)[i]))
    # Which of them comply now, with the sources that work (the check itself, over those users only).
    now = water.compute(conn, rules, users, terrain=terrain).rows.set_index("subject_id") if users else None
    ids = near.id.to_numpy(object)[i]
    people = now.people.reindex(ids).fillna(0).to_numpy(float) if users else np.zeros(0)
    alone = (now.compliant.reindex(ids) != True).to_numpy() if users else np.zeros(0, bool)  # noqa: E712
    n = len(src)
    out = src[["id", "name", "kind", "status", "people_served", "complaints", "failed_samples", "lon", "lat"]].rename(
        columns={"id": "source_id"})
    out["users_households"] = np.bincount(j, minlength=n)
    out["users_people"] = np.bincount(j, weights=people, minlength=n).astype(int)
    out["regain_households"] = np.bincount(j[alone], minlength=n)
    out["regain_people"] = np.bincount(j[alone], weights=people[alone], minlength=n).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["crucialness"] = np.where(out.users_people > 0, out.regain_people / out.users_people.clip(lower=1), 0.0)
    out["crucialness"] = out.crucialness.round(4)
    cr = out.sort_values(["crucialness", "regain_people", "source_id"], ascending=[False, False, True])
    out["rank_by_crucialness"] = pd.Series(np.arange(1, n + 1), index=cr.index)
    signals = out.complaints + out.failed_samples
    out = out.assign(_signals=signals).sort_values(["regain_people", "_signals", "crucialness", "source_id"],
                                                   ascending=[False, False, False, True]).drop(columns="_signals")
    out["rank"] = np.arange(1, n + 1)
    return out[COLUMNS].reset_index(drop=True)
