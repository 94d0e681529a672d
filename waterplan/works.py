"""The water works' operating records (migration 653): managers and their trainings, fees per year, water samples,
complaints — read, imported from CSV or Excel (every problem named by file, row and field; nothing written unless
all rows are good), a complaint's answer and return visit recorded, and exported with the catalogue's headers."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg2

from geo import db
from geo.db.copy import plain_value
from geo.i18n import header

# kind -> (table, columns in order, required columns)
KINDS = {
    "managers": ("works_managers", ["village_code", "source_id", "name", "phone", "posted_publicly", "appointed_on"],
                 ["village_code", "name"]),
    "trainings": ("works_trainings", ["manager_id", "held_on", "level", "topic"], ["manager_id", "held_on", "level"]),
    "fees": ("works_fees", ["source_id", "year", "due_yuan", "collected_yuan"],
             ["source_id", "year", "due_yuan", "collected_yuan"]),
    "samples": ("works_samples", ["source_id", "sampled_on", "lab", "parameters", "passed"],
                ["source_id", "sampled_on", "lab", "passed"]),
    "complaints": ("works_complaints", ["source_id", "received_on", "summary", "answered_on", "return_visit_on"],
                   ["source_id", "received_on"]),
}
DATES = {"appointed_on", "held_on", "sampled_on", "received_on", "answered_on", "return_visit_on"}
INTS = {"manager_id", "year"}
MONEY = {"due_yuan", "collected_yuan"}
BOOLS = {"posted_publicly", "passed"}
CHOICES = {"level": ("county", "township")}
_TRUE, _FALSE = {"true", "1", "yes", "是", "合格", "y"}, {"false", "0", "no", "否", "不合格", "n"}
MAX_ROWS = 200_000


class WorksImportError(ValueError):
    """Rows refused: one line per problem, `file: row N: field: what is wrong`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def read(conn, kind: str) -> pd.DataFrame:
    """The records of a kind the connection may see (row-level security), newest first."""
    table, cols, _req = KINDS[kind]
    key = "id, " if kind not in ("fees",) else ""
    return db.query_df(conn, f"SELECT {key}{', '.join(cols)} FROM {table} ORDER BY {cols[1]} DESC NULLS LAST")


def labelled(kind: str, df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The records with the catalogue's headers ([columns.works_KIND]) for the page and the files."""
    return df.rename(columns={c: header(f"works_{kind}", c, lang) for c in df.columns})


def read_file(path: Path, content: bytes | None = None) -> pd.DataFrame:
    """A CSV (UTF-8, with or without BOM) or Excel sheet as text cells; the headers may be the column names or
    their Chinese or English labels."""
    import io
    src = io.BytesIO(content) if content is not None else path
    if path.suffix.lower() in (".xlsx", ".xls"):
        df = pd.read_excel(src, dtype=str)
    elif path.suffix.lower() == ".csv":
        df = pd.read_csv(src, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    else:
        raise WorksImportError([f"{path.name}: expected a .csv or .xlsx file"])
    return df


def _parse(kind: str, df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Typed columns and the problems found, each naming the file, row (as a spreadsheet counts: header is 1) and
    field."""
    _table, cols, req = KINDS[kind]
    by_label = {}
    for c in cols:
        for lang in ("zh", "en"):
            by_label[header(f"works_{kind}", c, lang)] = c
    df = df.rename(columns=lambda h: by_label.get(str(h).strip(), str(h).strip()))
    problems = [f"{name}: missing column {c} ({header(f'works_{kind}', c, 'zh')})" for c in req if c not in df]
    if problems:
        return df, problems
    if len(df) > MAX_ROWS:
        return df, [f"{name}: {len(df)} rows, at most {MAX_ROWS}"]
    out = pd.DataFrame(index=df.index)
    rows = df.index.to_numpy() + 2
    for c in cols:
        if c not in df:
            continue
        raw = df[c].fillna("").astype(str).str.strip()
        empty = raw == ""
        if c in req:
            problems += [f"{name}: row {r}: {c}: required" for r in rows[empty.to_numpy()]]
        if c in DATES:
            when = pd.to_datetime(raw.where(~empty), errors="coerce", format="mixed")
            val = when.dt.date.astype(object).where(when.notna(), None)
        elif c in INTS:
            num = pd.to_numeric(raw.where(~empty), errors="coerce")
            bad_int = num.notna() & (num != num.round())
            val = num.where(~bad_int).astype("Int64")
        elif c in MONEY:
            val = pd.to_numeric(raw.where(~empty), errors="coerce")
            neg = val < 0
            problems += [f"{name}: row {r}: {c}: negative" for r in rows[neg.fillna(False).to_numpy()]]
        elif c in BOOLS:
            low = raw.str.lower()
            val = low.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
        else:
            val = raw.where(~empty, None)
            if c in CHOICES:
                wrong = ~empty & ~raw.isin(CHOICES[c])
                problems += [f"{name}: row {r}: {c}: {v!r} is not one of {', '.join(CHOICES[c])}"
                             for r, v in zip(rows[wrong.to_numpy()], raw[wrong])]
        unread = ~empty & pd.isna(val) if c in DATES | INTS | MONEY | BOOLS else empty & False
        problems += [f"{name}: row {r}: {c}: cannot read {v!r}" for r, v in zip(rows[unread.to_numpy()],
                                                                                    raw[unread])]
        out[c] = val
    if "village_code" in out:
        bad = out.village_code.notna() & ~out.village_code.fillna("").str.fullmatch(r"[0-9]{12}")
        problems += [f"{name}: row {r}: village_code: expected 12 digits" for r in rows[bad.to_numpy()]]
    if {"answered_on", "received_on"} <= set(out):
        early = (out.answered_on.notna() & (pd.to_datetime(out.answered_on) < pd.to_datetime(out.received_on)))
        problems += [f"{name}: row {r}: answered_on: before received_on" for r in rows[early.to_numpy()]]
    if "return_visit_on" in out:
        ans = out["answered_on"] if "answered_on" in out else pd.Series(None, index=out.index)
        orphan = out.return_visit_on.notna() & ans.isna()
        problems += [f"{name}: row {r}: return_visit_on: a return visit needs an answer first"
                     for r in rows[orphan.to_numpy()]]
    return out, problems


def _references(conn, kind: str, frame: pd.DataFrame, name: str) -> list[str]:
    rows = frame.index.to_numpy() + 2
    out = []
    for col, sql in (("source_id", "SELECT id FROM water_sources WHERE id = ANY(%s)"),
                     ("manager_id", "SELECT id FROM works_managers WHERE id = ANY(%s)")):
        if col in frame:
            asked = frame[col].dropna()
            known = {r[0] for r in db.query_rows(conn, sql, ([v.item() if hasattr(v, "item") else v
                                                              for v in asked.unique()],))}
            miss = frame[col].notna() & ~frame[col].isin(known)
            out += [f"{name}: row {r}: {col}: no such {'water source' if col == 'source_id' else 'manager'} {v!r}"
                    for r, v in zip(rows[miss.to_numpy()], frame[col][miss])]
    return out


def import_frame(conn, kind: str, df: pd.DataFrame, name: str) -> int:
    """Import rows of a kind in one transaction; a year's fees of a works replace the ones stored. WorksImportError
    lists every problem and nothing is written."""
    if kind not in KINDS:
        raise WorksImportError([f"{name}: unknown kind {kind!r}; kinds are {', '.join(KINDS)}"])
    table, cols, _req = KINDS[kind]
    frame, problems = _parse(kind, df, name)
    if not problems:
        problems = _references(conn, kind, frame, name)
    if problems:
        conn.rollback()
        raise WorksImportError(problems)
    try:
        with conn.cursor() as cur:
            if kind == "fees":
                cur.execute("DELETE FROM works_fees f USING unnest(%s::text[], %s::int[]) AS k(s, y) "
                            "WHERE f.source_id = k.s AND f.year = k.y",
                            (frame.source_id.tolist(), [int(y) for y in frame.year]))
            # One INSERT of the whole frame as a JSON record set (COPY is not allowed under row-level security,
            # which decides here whether the user may write these rows).
            use = [c for c in cols if c in frame]
            records = json.dumps([{k: plain_value(v) for k, v in r.items()}
                                  for r in frame[use].to_dict("records")], default=str, ensure_ascii=False)
            cur.execute(f"INSERT INTO {table} ({', '.join(use)}) SELECT {', '.join(use)} "
                        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)", (records,))
            n = cur.rowcount
        conn.commit()
    except psycopg2.errors.InsufficientPrivilege:
        conn.rollback()
        raise WorksImportError([f"{name}: rows outside your scope or role"]) from None
    except psycopg2.IntegrityError as e:
        conn.rollback()
        raise WorksImportError([f"{name}: {e.diag.message_primary}"]) from None
    return n


def record_answer(conn, complaint_id: int, answered_on: date | None, return_visit_on: date | None) -> bool:
    """Record a complaint's answer and return visit (回访); False when there is no such complaint in scope."""
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE works_complaints SET answered_on = coalesce(%s, answered_on), "
                        "return_visit_on = coalesce(%s, return_visit_on) WHERE id = %s RETURNING id",
                        (answered_on, return_visit_on, int(complaint_id)))
            done = cur.fetchone() is not None
        conn.commit()
    except psycopg2.errors.CheckViolation:
        conn.rollback()
        raise WorksImportError([f"complaint {complaint_id}: the dates are out of order"]) from None
    return done
