"""County spot checks (县级抽查): a seeded random sample of verified inspections, stratified by township, and the
comparison of each re-inspection with the original."""
from __future__ import annotations

import pandas as pd

from geo.db import query_df
from geo.sampling import stratified_sample as sample  # the one seeded, stratified method (monitoring's too)
from geo.settings import settings

VERIFIED = ("village_verified", "township_reviewed", "county_confirmed")


def candidates(conn, prefix: str = "") -> pd.DataFrame:
    """Verified original inspections (not themselves re-inspections) in a division-code prefix, with their township."""
    return query_df(conn, """SELECT id::text AS id, left(village_code, 9) AS township_code, kind, target_kind, target_id,
                              review_state, submitted_at
                       FROM inspections
                       WHERE review_state = ANY(%s) AND reinspection_of IS NULL
                         AND coalesce(village_code, '') LIKE %s || '%%'
                       ORDER BY township_code, id""", (list(VERIFIED), prefix))


def draw(conn, seed: int, rate: float | None = None, prefix: str = "", drawn_by: int | None = None) -> tuple[int, pd.DataFrame]:
    """Draw and record a sample; return its id and the inspections drawn."""
    rate = settings.spotcheck_rate if rate is None else rate
    picked = sample(candidates(conn, prefix), seed, rate)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO spotcheck_samples (seed, rate, drawn_by) VALUES (%s, %s, %s) RETURNING id",
                    (int(seed), float(rate), drawn_by))
        sample_id = cur.fetchone()[0]
        for row in picked.itertuples():
            cur.execute("INSERT INTO spotcheck_items (sample_id, inspection_id, township_code) VALUES (%s, %s, %s)",
                        (sample_id, row.id, row.township_code))
    conn.commit()
    return sample_id, picked


def compare(conn, original_id: str, reinspection_id: str) -> dict:
    """How a re-inspection differs from the original: result, each answer, position and days apart."""
    df = query_df(conn, """SELECT id::text AS id, kind, target_kind, target_id, answers, result, submitted_at, geom_m
                     FROM inspections WHERE id = ANY(%s::uuid[])""", ([original_id, reinspection_id],))
    conn.rollback()
    rows = {r["id"]: r for r in df.to_dict("records")}
    if original_id not in rows or reinspection_id not in rows:
        raise KeyError("both inspections must exist")
    a, b = rows[original_id], rows[reinspection_id]
    if (a["target_kind"], a["target_id"], a["kind"]) != (b["target_kind"], b["target_id"], b["kind"]):
        raise ValueError("a re-inspection must be the same kind of check on the same target")
    keys = sorted(set(a["answers"]) | set(b["answers"]))
    diffs = [{"question": k, "original": a["answers"].get(k), "reinspection": b["answers"].get(k)}
             for k in keys if a["answers"].get(k) != b["answers"].get(k)]
    with conn.cursor() as cur:
        cur.execute("SELECT ST_Distance(a.geom_m, b.geom_m) FROM inspections a, inspections b WHERE a.id = %s AND b.id = %s",
                    (original_id, reinspection_id))
        dist = cur.fetchone()[0]
    conn.rollback()
    return {"original": original_id, "reinspection": reinspection_id, "same_result": a["result"] == b["result"],
            "original_result": a["result"], "reinspection_result": b["result"], "answer_differences": diffs,
            "agreement": 1 - len(diffs) / len(keys) if keys else 1.0, "distance_m": round(float(dist), 1),
            "days_between": (b["submitted_at"] - a["submitted_at"]).days}


def results(conn, sample_id: int) -> pd.DataFrame:
    """A drawn sample with each item's re-inspection (the latest one) and whether the results agree."""
    return query_df(conn, """SELECT s.inspection_id::text AS inspection_id, s.township_code, o.kind, o.target_id,
                              o.result AS original_result, r.id::text AS reinspection_id,
                              r.result AS reinspection_result, (r.result = o.result) AS same_result
                       FROM spotcheck_items s JOIN inspections o ON o.id = s.inspection_id
                       LEFT JOIN LATERAL (SELECT id, result FROM inspections x WHERE x.reinspection_of = o.id
                                          ORDER BY x.submitted_at DESC LIMIT 1) r ON true
                       WHERE s.sample_id = %s ORDER BY s.township_code, s.inspection_id""", (sample_id,))
