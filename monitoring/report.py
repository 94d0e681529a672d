"""What the planner sees of the cases: the monthly report (月报) per village with township and county totals, the
ledger (监测对象台账) one row per case with what is wrong with it, the month-by-month history the overview draws, all
from the cases' facts on a day (sql/case_facts.sql, every rule written there once); and their CSV and Excel files
(Chinese headers, coded values as words, cells that could start a formula neutralised)."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from geo import db
from geo import cells
from geo.i18n import header, label, t, vocabulary
from geo.settings import settings

from .machine import today

SQL = db.SqlFiles(__file__)   # monitoring/sql/NAME.sql

CATEGORIES = ("unstable", "marginal", "sudden_hardship")
LEVELS = ("village", "township", "county")
LEDGER_COLUMNS = ["case_id", "household_id", "village_code", "category", "state", "identified_on", "eliminated_on",
                  "risk_types", "measures", "last_visit_on", "problems"]
PROBLEMS = ("no_consent", "objection_open", "review_overdue", "no_measure", "risk_without_measure", "no_visit",
            "early_elimination")


class ReportError(ValueError):
    """A report that cannot be made as asked (a month in the future, an unknown format): one line saying why."""


def month_bounds(conn, month: str) -> tuple[date, date]:
    """The first day of a month ('YYYY-MM') and the day its figures stand on: its last day, or today within it."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ReportError(f"month {month!r}: expected YYYY-MM, e.g. 2026-11") from None
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    now = today(conn)
    if first > now:
        raise ReportError(f"month {month}: it has not begun (today is {now})")
    return first, min(last, now)


def recent_months(conn, n: int = 24) -> list[str]:
    """The last `n` months ('YYYY-MM'), this one first."""
    first = today(conn).replace(day=1)
    out = []
    while len(out) < n:
        out.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return out


def _with_states(name: str) -> str:
    """A query of sql/NAME.sql whose first table is sql/case_states.sql (the cases' states on some days)."""
    return SQL(name).replace("{states}", SQL("case_states"))


def _run(conn, query: str, params: dict) -> pd.DataFrame:
    """A report query (without JIT, as every connection: geo/db/connection.py)."""
    return db.query_df(conn, query, params)


def facts(conn, as_of: date, since: date | None = None, village: str | None = None) -> pd.DataFrame:
    """Every case in scope as it stood at the end of `as_of`, what happened to it from `since` (sql/case_facts.sql)."""
    return _run(conn, _with_states("case_facts"),
                {"days": [as_of], "sinces": [since or as_of], "as_of": as_of, "village": village,
                 "visit_days": settings.visit_monitored_days})


def problems(f: pd.DataFrame) -> pd.Series:
    """What is wrong with each case, as codes in a fixed order (a risk type no measure answers as
    'risk_without_measure:RISK')."""
    def one(row) -> list[str]:
        out = [p for p in ("no_consent", "objection_open", "review_overdue", "no_measure") if _is(row, p)]
        out += [f"risk_without_measure:{r}" for r in row["uncovered"] or []]
        out += [p for p in ("no_visit", "early_elimination") if _is(row, p)]
        return out
    return f.apply(one, axis=1) if len(f) else pd.Series([], dtype=object)


def _is(row, problem: str) -> bool:
    if problem == "no_measure":
        return bool(row["monitored"]) and not len(row["measures"] or [])
    return bool(row[problem])


def ledger(conn, state: str | None = None, village: str | None = None, as_of: date | None = None) -> pd.DataFrame:
    """The ledger (监测对象台账): one row per case in scope (optionally of one state, one village), the issue's
    columns, `problems` empty when nothing is wrong."""
    f = facts(conn, as_of or today(conn), village=village)
    if state is not None:
        f = f[f["state"] == state]
    f = f.assign(problems=problems(f))
    return f[LEDGER_COLUMNS].reset_index(drop=True)


def _counted(f: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per village code, every figure of the monthly report."""
    mon = f[f["monitored"]]
    parts = {"monitored": mon, "monitored_people": mon}
    parts.update({f"category_{c}": mon[mon["category"] == c] for c in CATEGORIES})
    parts.update({f"state_{s}": f[f["state"] == s] for s in states()})
    parts.update({f"risk_{r}": mon[mon["risk_types"].map(lambda rs, r=r: r in (rs or []))]
                  for r in vocabulary("risk_type")})
    parts["identified"] = f[f["identified_in_period"]]
    parts["eliminated"] = f[f["eliminated_in_period"]]
    waiting = f["waiting_level"].notna() & f["waiting_since"].map(lambda d: d is not None and d == d and d <= as_of)
    for level in LEVELS:
        parts[f"waiting_{level}"] = f[waiting & (f["waiting_level"] == level)]
        parts[f"overdue_{level}"] = f[f["review_overdue"] & (f["waiting_level"] == level)]
    parts["no_measure"] = mon[mon["measures"].map(lambda m: not len(m or []))]
    parts["risk_without_measure"] = mon[mon["uncovered"].map(lambda u: bool(len(u or [])))]
    parts["no_visit"] = f[f["no_visit"]]
    parts["early_elimination"] = f[f["early_elimination"]]
    cols = {k: (v.groupby("village_code")["members"].sum() if k == "monitored_people"
                else v.groupby("village_code").size()) for k, v in parts.items()}
    return pd.DataFrame(cols).fillna(0).astype("int64")


def states() -> list[str]:
    """The case states in the order of their chains (the catalogue lists them as mon_states orders them)."""
    return list(vocabulary("case_state"))


REPORT_COLUMNS = (["monitored", "monitored_people", *(f"category_{c}" for c in CATEGORIES),
                   *(f"state_{s}" for s in states()), *(f"risk_{r}" for r in vocabulary("risk_type")),
                   "identified", "eliminated", *(f"{w}_{lv}" for lv in LEVELS for w in ("waiting", "overdue")),
                   "no_measure", "risk_without_measure", "no_visit", "early_elimination"])


def monthly(conn, month: str) -> pd.DataFrame:
    """The monthly report: the county's row, then each township's followed by its villages', every figure of
    REPORT_COLUMNS (as at the month's end, or today within it; identified and eliminated within the month)."""
    first, as_of = month_bounds(conn, month)
    counts = _counted(facts(conn, as_of, first), as_of)
    vil = db.query_df(conn, SQL("report_villages"), {})
    per = vil.merge(counts, left_on="village_code", right_index=True, how="left")
    per[REPORT_COLUMNS] = per[REPORT_COLUMNS].fillna(0).astype("int64")
    rows = []
    for (county, county_name), cg in per.groupby(["county_code", "county_name"], dropna=False, sort=True):
        rows.append({"level": "county", "code": county, "name": county_name, **cg[REPORT_COLUMNS].sum()})
        for (tw, tw_name), tg in cg.groupby(["township_code", "township_name"], dropna=False, sort=True):
            rows.append({"level": "township", "code": tw, "name": tw_name, **tg[REPORT_COLUMNS].sum()})
            rows.extend({"level": "village", "code": r["village_code"], "name": r["village_name"],
                         **{c: r[c] for c in REPORT_COLUMNS}} for _, r in tg.iterrows())
    out = pd.DataFrame(rows, columns=["level", "code", "name", *REPORT_COLUMNS])
    out.attrs.update(month=month, as_of=as_of)
    return out


def history(conn, months: int = 12) -> pd.DataFrame:
    """Month by month (the last `months`, this one so far): households monitored at each month's end, cases
    identified and eliminated in it (sql/history.sql, one query for them all)."""
    bounds = [month_bounds(conn, m) for m in reversed(recent_months(conn, months))]
    df = _run(conn, _with_states("history"), {"days": [e for _, e in bounds], "sinces": [s for s, _ in bounds]})
    out = pd.DataFrame({"month": [s.strftime("%Y-%m") for s, _ in bounds], "day": [e for _, e in bounds]})
    out = out.merge(df, on="day", how="left").drop(columns="day")
    out[["monitored", "identified", "eliminated"]] = out[["monitored", "identified", "eliminated"]].fillna(0) \
        .astype("int64")
    return out


# ---- words and files -----------------------------------------------------------------------------------------------

def report_header(column: str, lang: str = "zh") -> str:
    """A report column's header: the catalogue's [columns.mon_report], a state, category or risk type by its label."""
    for prefix, vocab in (("state_", "case_state"), ("category_", "category"), ("risk_", "risk_type")):
        if column.startswith(prefix):
            return label(vocab, column[len(prefix):], lang)
    return header("mon_report", column, lang)


def problem_words(codes, lang: str = "zh") -> str:
    """A case's problems in words ('risk_without_measure:illness' as the problem and the risk type)."""
    out = []
    for code in codes or []:
        name, _, risk = code.partition(":")
        out.append(label("case_problem", name, lang) + (f"（{label('risk_type', risk, lang)}）" if risk else ""))
    return ("、" if lang != "en" else "; ").join(out)


def labelled_ledger(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The ledger as the county office reads it: codes as words, headers in the language asked."""
    sep = "、" if lang != "en" else ", "
    out = df.copy()
    out["category"] = out["category"].map(lambda c: label("category", c, lang))
    out["state"] = out["state"].map(lambda s: label("case_state", s, lang))
    out["risk_types"] = out["risk_types"].map(lambda r: label("risk_type", list(r or []), lang, sep))
    out["measures"] = out["measures"].map(lambda m: label("measure_kind", list(m or []), lang, sep))
    out["problems"] = out["problems"].map(lambda p: problem_words(p, lang))
    for c in ("identified_on", "eliminated_on", "last_visit_on"):
        out[c] = out[c].map(lambda d: "" if d is None or d != d else str(d))
    return out.rename(columns={c: header("mon_cases", c, lang) for c in out.columns})


def labelled_report(df: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    out = df.copy()
    out["level"] = out["level"].map(lambda v: label("level", v, lang))
    return out.rename(columns={c: report_header(c, lang) for c in out.columns})


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """A table as a CSV carries it: lists joined with ';', dates ISO, the columns' own names."""
    out = df.copy()
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, (list, tuple))).any():
            out[c] = out[c].map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


def write(df: pd.DataFrame, labelled: pd.DataFrame, out: str | Path, sheet: str) -> Path:
    """Write a table to `out`: .csv (UTF-8 with BOM, the columns' own names, codes) or .xlsx (the labelled table,
    bold frozen filtered header). Text cells that could start a formula are neutralised. Written beside the target
    and renamed into place: a failure leaves no file and an existing one untouched."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ReportError(f"{out.name}: unknown format; use .csv or .xlsx")
    if not out.parent.exists():
        raise ReportError(f"{out.parent}: no such folder")
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.partial{suffix}")
    try:
        if suffix == ".csv":
            cells.to_csv(plain(df), tmp, encoding="utf-8-sig")
        else:
            _xlsx(cells.neutralise_frame(labelled), tmp, sheet)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def _xlsx(df: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    sheet = "".join(ch for ch in sheet if ch not in '[]:*?/\\')[:31] or "Sheet1"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
        ws = xw.sheets[sheet]
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(df.columns)))}{len(df) + 1}"
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200).tolist()]) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(40, max(6, width * 1.4))


def title(kind: str, lang: str = "zh", **fmt) -> str:
    """A sheet or file title ('report' or 'ledger')."""
    return t(f"mon_report.title_{kind}", lang, **fmt)
