"""The rectification list (整改清单): every failing water, road, housing and asset item with its owner and due date,
opened when a check or record shows the problem and closed (销号) when a later one no longer does."""
from __future__ import annotations

import pandas as pd

from geo import db
from geo.i18n import label, t, vocabulary
from geo.settings import settings
from layers.base import default_rule_set

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql

KINDS = ("water", "road", "housing", "asset")


def refresh(conn, rule_set: str | None = None) -> tuple[int, int]:
    """Open and close items from the current records and results, in one transaction; (opened, closed)."""
    rule_set = rule_set or default_rule_set(conn)
    days = settings.rectify_due_days
    row = db.query_df(conn, SQL("rectification_refresh"), {"rule_set": rule_set, "water_days": days["water"],
                                                "road_days": days["road"], "housing_days": days["housing"],
                                                "asset_days": days["asset"]}).iloc[0]
    conn.commit()
    return int(row["opened"]), int(row["closed"])


def items(conn, township=None, village=None, kind=None, show_closed=False) -> pd.DataFrame:
    return db.query_df(conn, SQL("rectification_list"), {"township": township, "village": village, "kind": kind,
                                              "show_closed": bool(show_closed)})


_DETAIL_VOCABS = ("house_grade", "renovation_state", "maintenance_state")


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
        t("rect_kind", lang): df["kind"].map(lambda k: label("rectification_kind", k, lang)),
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
    })
    return out
