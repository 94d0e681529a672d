"""Recompute near a source: one source changes status, only the subjects it can affect are computed again."""
from __future__ import annotations

import time

from .. import db
from .rules import load_rules, parse_label
from .water_compute import compute
from .water_read import uses_households
from .water_rule import counting_statuses
from .water_write import labels, write

SQL = db.SqlFiles(__file__)
STATUSES = ("working", "seasonal", "failed", "contaminated")


def set_source_status(conn, source_id: str, status: str) -> dict:
    """Change one source's status and recompute, for every rule set with results, only the subjects within reach
    of it; in the caller's transaction. Returns what was done: labels, subjects recomputed, milliseconds."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("UPDATE water_sources SET status = %s WHERE id = %s RETURNING piped_to_home", (status, source_id))
        row = cur.fetchone()
        if row is None:
            raise LookupError(f"no water source {source_id!r}")
        is_piped = bool(row[0])
        stored = sorted(labels(cur))
    use_h = uses_households(conn)
    done = {}
    for label in stored:
        name, overrides = parse_label(label)
        try:
            rules = load_rules(conn, name, overrides)
        except ValueError:
            continue  # a rule set since removed: its results stay as they were
        reach = max(rules.search_radius_m(), rules.piped_reach_m if is_piped else 0.0)
        ids = [r[0] for r in db.query_rows(conn, SQL("water_affected"), {
            "source_id": source_id, "label": label, "radius": float(reach), "use_households": use_h,
            "becomes_available": status in counting_statuses(rules)})]
        if ids:
            write(conn, compute(conn, rules, ids, households=use_h), only_subjects=True)
        done[label] = len(ids)
    return {"source_id": source_id, "status": status, "recomputed": done,
            "ms": round((time.perf_counter() - t0) * 1000.0, 1)}
