"""Reading cases as the signed-in user sees them (row-level security): the list, one case with everything about it
(household, risks, measures, visits, signals, notices, timeline, position), and the queue of steps waiting on them."""
from __future__ import annotations

import pandas as pd

from geo import db

SQL = db.SqlFiles(__file__)   # monitoring/sql/NAME.sql

# Refusals that say a step waits for something (the person can act on it, or it comes with time), as against
# those that say the step is someone else's (their own proposal, another level, the support contact's account).
WAITING = frozenset({"notice_open", "no_consent", "objection_open", "no_notice", "no_measure", "min_support"})


def listing(conn, state: str | None = None, village: str | None = None, limit: int = 100_000) -> pd.DataFrame:
    """Cases in scope, newest first (columns of sql/cases.sql)."""
    return db.query_df(conn, SQL("cases"), {"state": state, "village": village, "case_id": None, "limit": limit})


def one(conn, case_id: int) -> dict | None:
    """A case with its household, measures, visits, signals, notices (photos, objections) and timeline; None when
    there is none in scope."""
    found = db.query_df(conn, SQL("cases"), {"state": None, "village": None, "case_id": int(case_id), "limit": 1})
    if found.empty:
        return None
    case = found.iloc[0].to_dict()
    p = {"case_id": int(case_id), "household_id": case["household_id"]}
    case["measures"] = db.query_df(conn, SQL("case_measures"), p)
    case["log"] = db.query_df(conn, SQL("case_log"), p)
    case["notices"] = db.query_df(conn, SQL("case_notices"), p)
    case["signals"] = db.query_df(conn, SQL("household_signals"), p)
    case["visits"] = db.query_df(conn, SQL("household_visits"), p)
    case["uncovered"] = uncovered(case["risk_types"], case["measures"])
    case["steps"] = steps(conn, int(case_id))
    return case


def uncovered(risk_types, measures: pd.DataFrame) -> list[str]:
    """The case's risk types that no measure in effect answers (the case page lists them)."""
    covered = {r for rs, on in zip(measures.get("risk_types", []), measures.get("in_effect", [])) if on for r in rs}
    return [r for r in (risk_types or []) if r not in covered]


def queue(conn) -> pd.DataFrame:
    """Every forward step the signed-in person's role may take on an open case in scope, with the database's refusal
    (None when they may take it now), and `mine`: the step is theirs (open now, or waiting for something)."""
    df = db.query_df(conn, SQL("queue"), {})
    codes = df["refusal"].map(lambda r: None if r is None else r.get("code"))
    df["ready"] = codes.isna()
    df["mine"] = df["ready"] | codes.isin(WAITING)
    return df


def steps(conn, case_id: int) -> pd.DataFrame:
    """The steps from this case's state that the signed-in person's role may take (sql/case_steps.sql)."""
    return db.query_df(conn, SQL("case_steps"), {"case_id": int(case_id)})


def my_actions(conn) -> set[str]:
    """The steps the signed-in person's role takes anywhere in the chains (sql/my_actions.sql)."""
    return {a for (a,) in db.query_rows(conn, SQL("my_actions"))}


def open_signals(conn, village: str | None = None, limit: int = 5_000) -> pd.DataFrame:
    """Open signals in scope for the village's weekly assessment (sql/signals_open.sql)."""
    return db.query_df(conn, SQL("signals_open"), {"village": village, "limit": limit})
