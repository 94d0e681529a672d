"""Signals that propose cases to the village's weekly assessment, never confirm them: a household visit showing a new
risk or an income under the line, a household failing the water check, an occupied dangerous house, a department's
alert. The rules are the database's (view mon_signal_candidates, migration 621); raising is one set-based, idempotent
statement per source. A stored visit raises its own at once (a trigger); the others after a check, an import or the
departments' lists, by `python -m monitoring signals`, and whenever a monitoring page sees the data changed."""
from __future__ import annotations

import json

import pandas as pd

from geo import db
from geo.i18n import label, t

SOURCES = ("visit", "water_check", "house", "department_alert")
ALERT_COLUMNS = ("department", "ref", "household_id", "rule")   # what a department's row must name


class BadAlerts(ValueError):
    """A department's list refused whole: (row, field, message) problems."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"row {r}: {f}: {m}" for r, f, m in problems[:20]))


def raise_signals(conn, sources=SOURCES) -> dict[str, int]:
    """Raise every source's signals (committed); how many are new per source."""
    out = {}
    with db.transaction(conn=conn), conn.cursor() as cur:
        for source in sources:
            cur.execute("SELECT mon_raise_signals(%s)", (source,))
            out[source] = cur.fetchone()[0]
    return out


def department_alerts(conn, alerts: pd.DataFrame, list_name: str | None = None) -> int:
    """Take a department's list of flagged households (columns department, ref, household_id, rule; optional
    risk_types as a list, detail as a dict) on the owner's connection, whole or not at all, and raise their signals.
    A row already received (same department, ref, household and rule) adds nothing. How many signals are new."""
    missing = [c for c in ALERT_COLUMNS if c not in alerts.columns]
    if missing:
        raise BadAlerts([(0, c, "column missing") for c in missing])
    problems = [(i + 2, c, "blank") for c in ALERT_COLUMNS
                for i, v in enumerate(alerts[c].tolist()) if v is None or str(v).strip() == ""]
    if problems:
        raise BadAlerts(problems)
    risks = alerts["risk_types"] if "risk_types" in alerts else pd.Series([[]] * len(alerts))
    details = alerts["detail"] if "detail" in alerts else pd.Series([{}] * len(alerts))
    with db.transaction(conn=conn), conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE mon_alerts_in (department text, list_name text, ref text, household_id text, "
                    "rule text, risk_types text[], detail jsonb) ON COMMIT DROP")
        db.copy_rows(cur, "mon_alerts_in", ["department", "list_name", "ref", "household_id", "rule", "risk_types",
                                            "detail"],
                     zip(alerts["department"].astype(str), [list_name] * len(alerts), alerts["ref"].astype(str),
                         alerts["household_id"].astype(str), alerts["rule"].astype(str),
                         [list(r or []) for r in risks],
                         [json.dumps(d or {}, ensure_ascii=False) for d in details]))
        cur.execute("""SELECT i.household_id FROM mon_alerts_in i
                       WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.id = i.household_id) LIMIT 20""")
        unknown = [r[0] for r in cur.fetchall()]
        if unknown:
            raise BadAlerts([(0, "household_id", f"no household {h}") for h in unknown])
        cur.execute("""INSERT INTO mon_department_alerts (department, list_name, ref, household_id, rule, risk_types,
                                                          detail)
                       SELECT department, list_name, ref, household_id, rule, risk_types, detail FROM mon_alerts_in
                       ON CONFLICT (department, ref, household_id, rule) DO NOTHING""")
        cur.execute("SELECT mon_raise_signals('department_alert')")
        return cur.fetchone()[0]


def describe(source: str, rule: str, detail: dict, lang: str = "zh") -> str:
    """What a signal found, in words: its source, the rule it crossed and the figures behind it."""
    detail = detail or {}
    what = label("signal_rule", rule, lang)
    if rule == "income_below_line":
        what = t("mon_signal.income", lang, income=detail.get("income_per_capita"), line=detail.get("line"))
    elif rule == "water_fail":
        what = t("mon_signal.water", lang, clauses=label("problem", detail.get("failed_clauses") or [], lang),
                 rule_set=detail.get("rule_set", ""))
    elif rule == "occupied_dangerous_house":
        what = t("mon_signal.house", lang, house=detail.get("house", ""),
                 grade=label("house_grade", detail.get("grade"), lang))
    elif source == "department_alert":
        what = t("mon_signal.department", lang, department=detail.get("department", ""), rule=what)
    return f"{label('signal_source', source, lang)} · {what}"
