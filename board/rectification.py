"""The rectification list (整改清单), one ledger of every finding: failing water, road, housing and asset items opened
when a check or record shows the problem and closed (销号) when a later one no longer does; failing field inspections,
closed by a later pass; and findings entered by hand from supervision, audit and inspection tours, closed by hand
with evidence and a reviewer."""
from __future__ import annotations

from datetime import date

import pandas as pd
import psycopg2

from geo import db
from geo.checks.rules import load_rules, parse_label
from geo.i18n import label, t, vocabulary
from geo.settings import settings
from layers.base import default_rule_set

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql

KINDS = ("water", "road", "housing", "asset", "works", "inspection", "finding")
SOURCES = ("check", "record", "inspection", "supervision", "audit", "tour")
FINDING_SOURCES = ("supervision", "audit", "tour")   # entered by hand
TEXT_MAX = 500


class LedgerError(ValueError):
    """A finding or a closure refused: the message names the field (an i18n key and its field)."""

    def __init__(self, key: str, field: str):
        super().__init__(f"{field}: {key}")
        self.key, self.field = key, field


def refresh(conn, rule_set: str | None = None) -> tuple[int, int]:
    """Open and close items from the current records and results, in one transaction; (opened, closed)."""
    rule_set = rule_set or default_rule_set(conn)
    rules = load_rules(conn, parse_label(rule_set)[0]) if rule_set else load_rules(conn)
    days = settings.rectify_due_days
    row = db.query_df(conn, SQL("rectification_refresh"), {
        "rule_set": rule_set, "water_days": days["water"], "road_days": days["road"],
        "housing_days": days["housing"], "asset_days": days["asset"], "works_days": days["works"],
        "works_year": date.today().year, "training_county": rules.works_training_county,
        "training_township": rules.works_training_township,
        "disinfection_people": rules.works_disinfection_people, "fee_rate": rules.works_fee_rate}).iloc[0]
    conn.commit()
    return int(row["opened"]), int(row["closed"])


def items(conn, township=None, village=None, kind=None, show_closed=False, source=None,
          overdue_only=False) -> pd.DataFrame:
    """The ledger in the connection's scope, filtered."""
    return db.query_df(conn, SQL("rectification_list"), {
        "township": township, "village": village, "kind": kind, "source": source,
        "overdue_only": bool(overdue_only), "show_closed": bool(show_closed),
        "inspection_days": settings.rectify_due_days["inspection"]})


def _text(value, field: str, required: bool = True) -> str | None:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise LedgerError("ledger.bad_text", field)
    if required and not text:
        raise LedgerError("ledger.required", field)
    if len(text) > TEXT_MAX:
        raise LedgerError("ledger.too_long", field)
    return text or None


def enter(conn, source: str, category: str, owner: str, due_on: date, village_code: str | None = None,
          detail: str | None = None, opened_on: date | None = None) -> str:
    """Enter a finding of a supervision, audit or inspection tour; its number (F000001…). Refused, nothing written,
    with a LedgerError naming the field: an unknown source, no category or responsible unit, a deadline before the
    finding, an unknown village or one outside the user's scope (row-level security decides)."""
    if source not in FINDING_SOURCES:
        raise LedgerError("ledger.bad_source", "source")
    opened_on = opened_on or date.today()
    if not isinstance(due_on, date) or due_on < opened_on:
        raise LedgerError("ledger.bad_due", "due")
    params = {"source": source, "category": _text(category, "category"), "owner": _text(owner, "owner"),
              "detail": _text(detail, "detail", required=False), "due_on": due_on, "opened_on": opened_on,
              "village_code": _text(village_code, "village", required=False)}
    if params["village_code"] and db.query_value(conn, "SELECT count(*) FROM admin_units WHERE code = %s "
                                                       "AND level = 'village'", (params["village_code"],)) == 0:
        conn.rollback()
        raise LedgerError("ledger.bad_village", "village")
    try:
        with conn.cursor() as cur:
            cur.execute(SQL("rectification_enter"), params)
            number = cur.fetchone()[0]
        conn.commit()
    except psycopg2.errors.InsufficientPrivilege:
        conn.rollback()
        raise LedgerError("ledger.out_of_scope", "village") from None
    return number


def close(conn, subject_id: str, evidence: str, reviewer: str) -> bool:
    """Close (销号) an open hand-entered finding with its evidence and reviewer; False when there is no such open
    finding in the user's scope. Items of checks, records and inspections close by themselves when a later check,
    record or pass no longer finds the problem."""
    params = {"subject_id": subject_id, "evidence": _text(evidence, "evidence"),
              "reviewer": _text(reviewer, "reviewer")}
    with conn.cursor() as cur:
        cur.execute(SQL("rectification_close"), params)
        done = cur.fetchone() is not None
    conn.commit()
    return done


_DETAIL_VOCABS = ("house_grade", "renovation_state", "maintenance_state", "target_kind")


def _words(detail, lang: str) -> str:
    """Codes inside a detail ('D / under_way') as words."""
    if detail is None:
        return ""
    out = []
    for token in str(detail).split(" / "):
        voc = next((v for v in _DETAIL_VOCABS if token in vocabulary(v)), None)
        out.append(label(voc, token, lang) if voc else token)
    return " / ".join(out)


def labelled(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list with labels for codes and headers in the language asked (what the page shows and Excel gets)."""
    out = pd.DataFrame({
        t("ledger.source", lang): df["source"].map(lambda k: label("rectification_source", k, lang)),
        t("rect_kind", lang): df["kind"].map(lambda k: label("rectification_kind", k, lang)),
        t("ledger.category", lang): df["category"].fillna(""),
        t("rect_subject", lang): df["subject_id"],
        t("rect_problem", lang): df["problem"].map(lambda p: label("problem", p.split(","), lang)),
        t("rect_detail", lang): df["detail"].map(lambda d: _words(d, lang)),
        t("rect_township", lang): df["township_name"],
        t("rect_village", lang): df["village_name"],
        t("rect_owner", lang): df["owner"],
        t("rect_opened", lang): df["opened_on"].astype(str),
        t("rect_due", lang): df["due_on"].astype(str),
        t("rect_overdue", lang): df["overdue"].map(lambda v: label("answer", "yes" if v else "no", lang)),
        t("rect_closed", lang): df["closed_on"].map(lambda v: "" if v is None or v != v else str(v)),
        t("rect_closed_by", lang): df["closed_by"].fillna(""),
        t("ledger.evidence", lang): df["evidence"].fillna(""),
        t("ledger.reviewer", lang): df["reviewer"].fillna(""),
    })
    return out
