"""The departments' monthly lists (数据比对, issue 14): read a list (CSV or Excel, Chinese headers), check it whole,
match it to the members by ID number, update what the department is the authority on, and raise each crossing as a
department alert (monitoring.signals.department_alerts). One transaction: a bad file changes nothing and says why;
the same list for the same period again changes nothing; numbers the register does not know are listed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo import db
from geo.i18n import label
from geo.validate import as_text, id_number_problems

SQL = db.SqlFiles(__file__)

# kind -> (department code, {column: header spellings}, required columns). Headers as the departments send them.
KINDS: dict[str, tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    "dibao": ("civil_affairs", {"category": ("类别", "救助类别", "保障类别", "category")}, ("category",)),
    "insurance": ("medical_insurance", {"insured": ("参保状态", "是否参保", "insured")}, ("insured",)),
    "medical": ("medical_insurance", {"out_of_pocket_yuan": ("个人自付金额（元）", "个人自付金额", "自付金额",
                                                             "自付费用", "out_of_pocket_yuan")},
                ("out_of_pocket_yuan",)),
    "disability": ("disabled_federation", {"disability_grade": ("残疾等级", "等级", "disability_grade")},
                   ("disability_grade",)),
    "school": ("education", {"enrolled": ("在校状态", "是否在校", "学籍状态", "enrolled"),
                             "school": ("学校", "就读学校", "school")}, ("enrolled",)),
    "employment": ("human_resources", {"employed_months": ("务工月数", "就业月数", "employed_months"),
                                       "income_yuan": ("务工收入（元）", "务工收入", "收入", "income_yuan")},
                   ("employed_months",)),
}
COMMON = {"id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number"),
          "name": ("姓名", "name")}
_YES = {"是", "已参保", "参保", "正常", "在读", "在校", "在籍", "yes", "true", "1", "y"}
_NO = {"否", "未参保", "断保", "停保", "辍学", "休学", "失学", "未在校", "no", "false", "0", "n"}
_CATEGORY = {"低保": "dibao", "特困": "tekun", "dibao": "dibao", "tekun": "tekun", "低保户": "dibao",
             "特困供养": "tekun", "特困人员": "tekun"}
_GRADE = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class ListProblems(ValueError):
    """A list refused whole: its problem lines (file: row N: field: what)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__(f"{len(lines)} problem{'s' if len(lines) != 1 else ''}; nothing was imported "
                         f"(the database is unchanged)")


@dataclass
class ListReport:
    kind: str
    period: str
    rows: int = 0
    matched: int = 0
    changed: int = 0                 # list rows new or different from the stored ones
    updated: dict[str, int] = field(default_factory=dict)   # members' fields the list set
    crossings: int = 0
    signals: int = 0                 # new signals raised
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)   # row_no, id_number, name

    def summary(self) -> str:
        upd = ", ".join(f"{k} {n:,}" for k, n in self.updated.items() if n) or "none"
        return (f"{self.kind} {self.period}: {self.rows:,} rows, matched {self.matched:,}, unmatched "
                f"{len(self.unmatched):,}; changed rows {self.changed:,}; members updated: {upd}; crossings "
                f"{self.crossings:,}, new signals {self.signals:,}")


def read_list(path: str | Path, kind: str, name: str | None = None) -> pd.DataFrame:
    """A department's file as text cells with the schema's column names; ListProblems when unreadable or a required
    column is missing. CSV in UTF-8 or GB18030 (what Excel in Chinese saves), or .xlsx (the first sheet)."""
    path = Path(path)
    shown = name or path.name
    if kind not in KINDS:
        raise ListProblems([f"{shown}: kind: unknown list {kind!r}; lists are {', '.join(KINDS)}"])
    suffix = Path(shown).suffix.lower() or path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        elif suffix == ".csv":
            try:
                frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
            except UnicodeDecodeError:
                frame = pd.read_csv(path, dtype=str, encoding="gb18030", keep_default_na=False)
        else:
            raise ListProblems([f"{shown}: file: expected a .csv or .xlsx file"])
    except ListProblems:
        raise
    except Exception as err:   # pandas and openpyxl raise many kinds; each means "unreadable"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ListProblems([f"{shown}: file: unreadable ({first})"]) from None
    _dept, columns, required = KINDS[kind]
    spellings = {s.lower(): col for col, names in {**COMMON, **columns}.items() for s in names}
    frame.columns = [spellings.get(str(c).strip().lower(), str(c).strip()) for c in frame.columns]
    missing = [c for c in ("id_number", *required) if c not in frame.columns]
    if missing:
        expect = "; ".join(f"{c} ({'/'.join({**COMMON, **columns}[c][:2])})" for c in missing)
        raise ListProblems([f"{shown}: columns: missing {expect} (the file has: {', '.join(map(str, frame.columns))})"])
    if frame.empty:
        raise ListProblems([f"{shown}: file: no rows"])
    return frame


def check_list(frame: pd.DataFrame, kind: str, shown: str) -> pd.DataFrame:
    """Every row checked (ID number well formed with its check digit, once in the file; values readable), as the
    typed columns id_number, name, row_no and the kind's own; ListProblems with every problem line."""
    lines: list[str] = []
    rows = np.arange(len(frame)) + 2   # the header is row 1

    def report(mask, fld, what):
        for i in np.flatnonzero(np.asarray(mask, dtype=bool))[:50]:
            lines.append(f"{shown}: row {rows[i]}: {fld}: {what(i) if callable(what) else what}")

    ids = as_text(frame["id_number"]).str.upper()
    blank = ids.isna().to_numpy()
    report(blank, "id_number", "missing a value (required)")
    malformed, bad_check, _b, _s = id_number_problems(ids)
    report(malformed, "id_number", lambda i: f"not an 18-character resident ID number: {ids.iloc[i]!r}")
    report(bad_check, "id_number", lambda i: f"check digit wrong in {ids.iloc[i]!r} (GB 11643)")
    dup = ids.duplicated(keep="first").to_numpy() & ~blank
    report(dup, "id_number", lambda i: f"{ids.iloc[i]!r} appears on an earlier row")
    out = pd.DataFrame({"row_no": rows, "id_number": ids.astype(object),
                        "name": as_text(frame["name"]).astype(object) if "name" in frame else None})
    for col in KINDS[kind][1]:
        if col not in frame:
            continue
        text = as_text(frame[col])
        present = text.notna().to_numpy()
        if col in ("insured", "enrolled"):
            low = text.str.lower()
            val = np.where(low.isin(_YES), True, np.where(low.isin(_NO), False, None))
            report(present & pd.isna(val), col, lambda i, t=text: f"not yes/no: {t.iloc[i]!r} (是/否, 已参保/未参保, "
                                                                  f"在读/辍学)")
        elif col == "category":
            val = text.map(_CATEGORY).to_numpy(dtype=object)
            report(present & pd.isna(val), col, lambda i, t=text: f"unknown value {t.iloc[i]!r}; expected 低保 or 特困")
        elif col == "disability_grade":
            val = text.map(_GRADE).to_numpy(dtype=object)
            report(present & pd.isna(val), col, lambda i, t=text: f"unknown grade {t.iloc[i]!r}; expected 一级…四级 or "
                                                                  f"1…4")
        elif col == "school":
            val = text.to_numpy(dtype=object)
        else:
            num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
            hi = 12 if col == "employed_months" else np.inf
            whole = col == "employed_months"
            bad = present & (~np.isfinite(num) | (num < 0) | (num > hi) | (whole & (np.mod(num, 1) != 0)))
            report(bad, col, lambda i, t=text, hi=hi, w=whole: f"not a {'whole ' if w else ''}number from 0 to "
                                                               f"{hi:g}: {t.iloc[i]!r}")
            val = [None if not np.isfinite(x) else (int(x) if whole else float(x)) for x in num]
        if col in KINDS[kind][2]:
            report(~present, col, "missing a value (required)")
        out[col] = [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in val]
    if lines:
        raise ListProblems(lines)
    return out


def import_list(kind: str, path: str | Path, period: str, *, url: str | None = None, conn=None,
                name: str | None = None) -> ListReport:
    """Import one department's list for one month, whole or not at all (see the module's docstring)."""
    from monitoring.signals import department_alerts
    shown = name or Path(path).name
    if not _PERIOD.fullmatch(period or ""):
        raise ListProblems([f"{shown}: period: expected YYYY-MM, e.g. 2026-11, got {period!r}"])
    rows = check_list(read_list(path, kind, shown), kind, shown)
    with db.transaction(url, conn=conn) as c, c.cursor() as cur:
        db.set_actor(cur, f"departments:{kind}:{period}")
        # the alerts go last: monitoring takes them and commits this transaction with them
        return store(c, cur, kind, period, shown, rows, lambda alerts, name: department_alerts(c, alerts, name))


def store(conn, cur, kind: str, period: str, shown: str, rows: pd.DataFrame, raise_alerts) -> ListReport:
    """A checked list written in the caller's transaction; `raise_alerts(alerts, list_name)` takes the crossings
    (monitoring.signals.department_alerts's frame) and returns how many signals are new."""
    dept_code = KINDS[kind][0]
    department = label("department", dept_code)
    report = ListReport(kind, period, rows=len(rows))
    cur.execute("SELECT pg_advisory_xact_lock(7261934)")   # one list at a time
    cur.execute("""INSERT INTO dept_lists (kind, department, period, file_name, rows) VALUES (%s, %s, %s, %s, %s)
                   ON CONFLICT (kind, period) DO UPDATE SET file_name = EXCLUDED.file_name, rows = EXCLUDED.rows
                   WHERE (dept_lists.file_name, dept_lists.rows) IS DISTINCT FROM (EXCLUDED.file_name, EXCLUDED.rows)
                   RETURNING id""", (kind, department, period, shown, len(rows)))
    got = cur.fetchone()
    if got is None:
        cur.execute("SELECT id FROM dept_lists WHERE kind = %s AND period = %s", (kind, period))
        got = cur.fetchone()
    list_id = got[0]
    fields = [c for c in rows.columns if c not in ("row_no", "id_number", "name")]
    cur.execute("CREATE TEMP TABLE dept_in (row_no int, id_number text, name text, fields jsonb) ON COMMIT DROP")
    # whole columns (the fields of each row as JSON written by pandas in one call): a county's roll in seconds
    as_json = (rows[fields].to_json(orient="records", lines=True, force_ascii=False).splitlines() if fields
               else ["{}"] * len(rows))
    db.copy_columns(cur, "dept_in", {"row_no": rows["row_no"].astype("int64"), "id_number": rows["id_number"],
                                     "name": rows["name"], "fields": pd.Series(as_json, dtype=object)}, len(rows))
    params = {"list_id": list_id, "kind": kind, "period": period}
    cur.execute("ANALYZE dept_in")   # without statistics a big list is joined row by row (minutes, not seconds)
    cur.execute(SQL("store_rows"), params)
    report.changed = cur.rowcount
    cur.execute("ANALYZE dept_list_rows")
    cur.execute("DELETE FROM dept_list_rows r WHERE r.list_id = %(list_id)s "
                "AND NOT EXISTS (SELECT 1 FROM dept_in i WHERE i.id_number = r.id_number)", params)
    report.changed += cur.rowcount
    # Crossings first (against the members as they were), then what the department is the authority on.
    cur.execute(SQL("crossings"), {**params, "medical_cost": _medical_cost(cur)})
    cross = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
    report.crossings = len(cross)
    for col, n in _update_members(cur, kind, params).items():
        report.updated[col] = n
    cur.execute("SELECT count(*) FILTER (WHERE member_id IS NOT NULL) FROM dept_list_rows WHERE list_id = %s",
                (list_id,))
    report.matched = cur.fetchone()[0]
    report.unmatched = db.query_df(conn, "SELECT row_no, id_number, name FROM dept_list_rows "
                                         "WHERE list_id = %s AND member_id IS NULL ORDER BY row_no", (list_id,))
    cur.execute("DROP TABLE dept_in")
    if len(cross):
        alerts = pd.DataFrame({"department": department, "ref": cross.ref, "household_id": cross.household_id,
                               "rule": cross.rule, "risk_types": cross.risk_types, "detail": cross.detail})
        report.signals = raise_alerts(alerts, f"{label('dept_kind', kind)} {period}")
    return report


def _medical_cost(cur) -> float:
    cur.execute("SELECT (settings -> 'guarantees' -> 'medical_cost_yuan' ->> 'value')::float8 FROM rule_sets "
                "WHERE is_default")
    row = cur.fetchone()
    return float(row[0]) if row and row[0] is not None else 10000.0


# What each list sets on the matched members: (member column, the list's field, SQL type).
_UPDATES = {"insurance": [("insured", "insured", "boolean")],
            "school": [("enrolled", "enrolled", "boolean"), ("school", "school", "text")],
            "disability": [("disability_grade", "disability_grade", "integer")],
            "employment": [("employed_months", "employed_months", "integer"),
                           ("income_yuan", "income_yuan", "float8")]}


def _update_members(cur, kind: str, params: dict) -> dict[str, int]:
    out = {}
    for column, key, typ in _UPDATES.get(kind, []):
        # column, key and typ come from the table above, never from the file
        cur.execute(f"""UPDATE household_members m SET {column} = (r.fields ->> '{key}')::{typ}
                        FROM dept_list_rows r
                        WHERE r.list_id = %(list_id)s AND r.member_id = m.id AND r.fields ? '{key}'
                          AND jsonb_typeof(r.fields -> '{key}') <> 'null'
                          AND m.{column} IS DISTINCT FROM (r.fields ->> '{key}')::{typ}""", params)
        out[column] = cur.rowcount
    return out


def unmatched(conn, kind: str | None = None, period: str | None = None) -> pd.DataFrame:
    """The rows of the stored lists no member carries the ID number of (as the caller may read them)."""
    return db.query_df(conn, """SELECT l.kind, l.period, r.row_no, r.id_number, r.name
                                FROM dept_list_rows r JOIN dept_lists l ON l.id = r.list_id
                                WHERE r.member_id IS NULL AND (%(k)s::text IS NULL OR l.kind = %(k)s)
                                  AND (%(p)s::text IS NULL OR l.period = %(p)s)
                                ORDER BY l.period, l.kind, r.row_no""", {"k": kind, "p": period})
