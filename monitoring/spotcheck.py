"""The county's spot check of eliminations (县级抽查): a seeded sample of the township-reviewed eliminations,
stratified by township, drawn by the inspections' spot checks' method (geo.sampling: the same seed gives the same
sample), handed to the database, which checks it against the pool it takes itself, records seed, pool and sample,
sends the sampled cases to a re-check and the rest on to confirmation; and a check of a recorded draw."""
from __future__ import annotations

import pandas as pd

from geo import db
from geo.sampling import stratified_sample as sample

from .machine import call

SQL = db.SqlFiles(__file__)   # monitoring/sql/NAME.sql


def rate(conn) -> float:
    """The least share per township the rule set asks the county to re-check."""
    return float(db.query_value(conn, "SELECT (mon_setting('spot_check_rate'))::float8"))


def pool(conn, scope: str) -> pd.DataFrame:
    """The eliminations waiting for the county's spot check in a scope (a 12-digit code): id and township."""
    return db.query_df(conn, SQL("spot_pool"), {"scope": scope})


def draw(conn, seed: int, scope: str, share: float | None = None) -> tuple[int, list[int]]:
    """Draw the sample with `seed` (at the rule set's rate unless a larger `share` is given) and record it; the
    spot check's id and the cases sampled."""
    share = rate(conn) if share is None else float(share)
    picked = sample(pool(conn, scope), int(seed), share)
    ids = sorted(int(i) for i in picked["id"])
    conn.rollback()
    return call(conn, "SELECT mon_draw(%s, %s, %s, %s::bigint[])", (int(seed), share, scope, ids)), ids


def verify(conn, spot_check_id: int) -> dict:
    """Draw a recorded spot check again from its seed, rate and pool: whether the same cases come out."""
    items = db.query_df(conn, SQL("spot_items"), {"id": int(spot_check_id)})
    if items.empty:
        raise LookupError(f"no spot check {spot_check_id} in your scope")
    seed, share = int(items["seed"].iloc[0]), float(items["rate"].iloc[0])
    again = sorted(int(i) for i in sample(items[["id", "township_code"]], seed, share)["id"])
    recorded = sorted(int(i) for i in items.loc[items["sampled"], "id"])
    return {"spot_check": int(spot_check_id), "seed": seed, "rate": share, "pool": len(items),
            "recorded": recorded, "drawn_again": again, "same": again == recorded}
