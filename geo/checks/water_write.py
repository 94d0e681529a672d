"""Writing a water check's rows into water_results: binary COPY, old rows emptied, indexes rebuilt for a whole write.

The Arrow table has exactly the table's types; the rule set's old rows go by TRUNCATE where they are all there is,
else DELETE. All through geo.db."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import db
from .codes import T, U
from .rules import result_label
from .water_judge import MASK_NAMES

SQL = db.SqlFiles(__file__)
RESULT_COLUMNS = ["subject", "subject_id", "natural_village_id", "people", "source_id", "horizontal_m",
                  "vertical_m", "round_trip_min", "distance_basis", "horizontal_ok", "vertical_ok", "time_ok",
                  "piped", "compliant", "failed_clauses"]
REBUILD_INDEXES_MIN_ROWS = 50_000  # a write this big, and at least as big as the table, rebuilds the indexes
_FAILED_ARROW = pa.array(MASK_NAMES, pa.list_(pa.string()))  # each mask's list encoded once, taken by mask
_FAILED_JOINED = pa.array([";".join(m) for m in MASK_NAMES], pa.string())  # and as the output file writes it


def arrow_results(label: str, version: int, rows: pd.DataFrame) -> pa.Table:
    """Results as an Arrow table whose types are exactly water_results' (binary COPY does not cast)."""
    n = len(rows)
    cols = _columns(rows)
    return pa.table({"rule_set": pa.array(np.full(n, label, dtype=object), pa.string()),
                     "rule_version": pa.array(np.full(n, version, dtype=np.int32)),
                     "subject": cols.pop("subject"), "subject_id": cols.pop("subject_id"), **cols,
                     "failed_clauses": _FAILED_ARROW.take(_masks(rows))})


def file_table(rows: pd.DataFrame) -> pa.Table:
    """Results as `python -m geo check water --out` writes them: the subject's id under its kind's name, the contract
    columns, the failed clauses joined by ';'."""
    cols = _columns(rows)
    kind = "household_id" if len(rows) and (rows.subject == "household").all() else "natural_village_id"
    return pa.table({kind: cols["subject_id"], **{c: cols[c] for c in RESULT_COLUMNS[4:-1]},
                     "failed_clauses": _FAILED_JOINED.take(_masks(rows))})


def _masks(rows: pd.DataFrame) -> pa.Array:
    return pa.array(rows.failed_mask.to_numpy().astype(np.int32))


def _columns(rows: pd.DataFrame) -> dict[str, pa.Array]:
    """The contract columns but the failed clauses, in water_results' types, from a water_compute row frame."""
    def text(col):
        return pa.array(col, type=pa.string(), from_pandas=True)

    def float8(col):
        a = col.to_numpy(float, na_value=np.nan)
        return pa.array(a, mask=np.isnan(a))

    def boolean(code):  # three-valued codes: 2 true, 1 unknown (NULL), 0 false
        c = code.to_numpy()
        return pa.array(c == T, mask=c == U)

    basis = rows.distance_basis.cat.codes.to_numpy()
    return {
        "subject": text(rows.subject), "subject_id": text(rows.subject_id),
        "natural_village_id": text(rows.natural_village_id),
        "people": pa.array(rows.people.astype("Int32").array),
        "source_id": text(rows.source_id),
        "horizontal_m": float8(rows.horizontal_m), "vertical_m": float8(rows.vertical_m),
        "round_trip_min": float8(rows.round_trip_min),
        "distance_basis": pa.array(np.array(["straight", "network"], dtype=object)[np.maximum(basis, 0)],
                                   pa.string(), mask=basis < 0),
        **{c: boolean(rows[c + "_code"]) for c in RESULT_COLUMNS if c + "_code" in rows},
    }


def labels(cur) -> set[str]:
    """The result labels stored in water_results."""
    cur.execute(SQL("water_labels"))
    return {r[0] for r in cur.fetchall()}


def write(conn, run, *, only_subjects: bool = False) -> int:
    """Replace the rule set's results (or only the rows of the subjects in `run`, a water_compute.WaterRun) with
    `run`, in the caller's transaction."""
    label = result_label(run.rules)
    rows = run.rows
    with conn.cursor() as cur:
        if only_subjects:
            for subject, ids in rows.groupby("subject").subject_id:
                cur.execute("DELETE FROM water_results WHERE rule_set = %s AND subject = %s AND subject_id = ANY(%s)",
                            (label, subject, list(ids)))
        elif labels(cur) <= {label}:
            # Only this rule set's results are stored: emptied at once, rather than leaving a million dead rows
            # that the index builds below would still have to read (they double the write's time).
            cur.execute("TRUNCATE water_results")
        else:
            cur.execute("DELETE FROM water_results WHERE rule_set = %s", (label,))
        if rows.empty:
            return 0
        table = arrow_results(label, run.rules.version, rows)
        if only_subjects:
            db.copy_arrow(cur, "water_results", table)
        else:
            _write_whole(cur, table)
    return len(rows)


def _write_whole(cur, table: pa.Table) -> None:
    """A whole rule set's results; a write this big, and at least as big as the table, rebuilds the indexes (one
    sorted build over a million rows is several times quicker than growing them row by row)."""
    cur.execute("SELECT count(*) FROM water_results")
    if table.num_rows < max(REBUILD_INDEXES_MIN_ROWS, cur.fetchone()[0]):
        db.copy_arrow(cur, "water_results", table)
        return
    with db.rebuilt_indexes(cur, "water_results", unique=True):
        db.copy_arrow(cur, "water_results", table)
    # The table is new from end to end: without fresh statistics the next status changes' queries are planned for
    # the old table until autovacuum catches up (county: median 122 ms instead of 52 ms right after).
    cur.execute("ANALYZE water_results")
