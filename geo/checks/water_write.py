"""Writing a water check's rows into water_results: binary COPY; a whole run replaces its label's partition.

The Arrow table has exactly the table's types. water_results is partitioned by label (migration 700): a whole run
fills a new partition and swaps it in, a recompute near a source deletes and inserts its subjects' rows."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
from psycopg2 import sql

from .. import db
from .codes import T, U
from .rules import result_label
from .water_judge import MASK_NAMES

SQL = db.SqlFiles(__file__)
RESULT_COLUMNS = ["subject", "subject_id", "natural_village_id", "people", "source_id", "horizontal_m",
                  "vertical_m", "round_trip_min", "distance_basis", "horizontal_ok", "vertical_ok", "time_ok",
                  "piped", "compliant", "failed_clauses"]
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


def file_table(rows: pd.DataFrame, written: pa.Table | None = None) -> pa.Table:
    """Results as `python -m geo check water --out` writes them: the subject's id under its kind's name, the contract
    columns, the failed clauses joined by ';'. `written`: the same rows as arrow_results encoded them (reused)."""
    cols = {c: written.column(c) for c in written.column_names} if written is not None else _columns(rows)
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
        if not only_subjects:
            run.table = arrow_results(label, run.rules.version, rows)
            replace_partition(cur, label, run.table)
            return len(rows)
        for subject, ids in rows.groupby("subject").subject_id:
            cur.execute("DELETE FROM water_results WHERE rule_set = %s AND subject = %s AND subject_id = ANY(%s)",
                        (label, subject, list(ids)))
        if not rows.empty:  # routed to the label's partition (or the default one)
            db.copy_arrow(cur, "water_results", arrow_results(label, run.rules.version, rows))
    return len(rows)


def partition_name(label: str) -> str:
    """The partition holding a label's results (migration 700: water_results_partition_name)."""
    return "water_results_" + hashlib.md5(label.encode()).hexdigest()[:16]


def replace_partition(cur, label: str, table: pa.Table) -> None:
    """A label's results replaced whole by `table` (water_results' types): its partition dropped, a new one filled
    by COPY (frozen: created in this transaction), its indexes built once as it is attached, row-level security
    enabled on it with no grant (the app reads the parent, under its policies). The other labels' rows are not
    touched, so a run costs the same whatever else is stored. Readers wait for the commit, then see it whole."""
    part = sql.Identifier(partition_name(label))
    cur.execute("DELETE FROM water_results_default WHERE rule_set = %s", (label,))
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(part))
    if table.num_rows == 0:
        return
    cur.execute(sql.SQL("CREATE TABLE {} (LIKE water_results INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(part))
    # The CHECK spares the attach a scan of the new rows (the default partition was emptied of the label above).
    cur.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT label CHECK (rule_set = %s)").format(part), (label,))
    db.copy_arrow(cur, partition_name(label), table, freeze=True)
    cur.execute("SELECT set_config('maintenance_work_mem', '256MB', true)")
    cur.execute(sql.SQL("ALTER TABLE water_results ATTACH PARTITION {} FOR VALUES IN (%s)").format(part), (label,))
    cur.execute("SELECT water_results_protect_partition(%s::regclass)", (partition_name(label),))
    # Fresh statistics: the next status changes' queries are planned for these rows, not for none.
    cur.execute(sql.SQL("ANALYZE {}").format(part))
