"""What the planner reads of the members and the guarantees: the roll-up per village, township and county, a ledger
per guarantee, a household's members with what each fails, the departments' unmatched numbers; labelled in the
language asked, read on the caller's connection (row-level security and the members' masked view decide what)."""
from __future__ import annotations

import pandas as pd

from geo import db
from geo.checks import guarantees
from geo.i18n import header, label, t, yes_no

ROLLUP_COLUMNS = ["level", "code", "name", "members", "out_of_school", "home_teaching", "uninsured",
                  "no_doctor_contract", "below_income_line", "zero_employment", "relocated_with_labour",
                  "employment_share", "open_signals"]
MEMBER_COLUMNS = ["id", "name", "relation", "sex", "birth_date", "id_number", "disability_grade", "chronic_illness",
                  "school_stage", "enrolled", "insured", "doctor_contract", "labour", "employed_months", "welfare_post"]
_CODED = {"relation": "relation", "sex": "sex", "school_stage": "school_stage", "labour": "labour"}
_YES_NO = ("chronic_illness", "enrolled", "insured", "doctor_contract")


def default_label(conn) -> str:
    """The label the default rule set's results are stored under."""
    return db.query_value(conn, "SELECT name FROM rule_sets WHERE is_default") or ""


def labelled_rollup(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df[ROLLUP_COLUMNS].copy()
    out["level"] = out["level"].map(lambda v: label("level", v, lang))
    out["employment_share"] = out["employment_share"].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
    return out.rename(columns=lambda c: header("guarantee_rollup", c, lang))


def _detail(d: dict, lang: str) -> str:
    shown = {k: v for k, v in (d or {}).items() if k != "source" and v is not None}
    return "; ".join(f"{t('guar.d_' + k, lang)} {v if not isinstance(v, bool) else yes_no(v, lang)}"
                     for k, v in shown.items())


def ledger(conn, rule_set: str, rule: str, lang: str) -> pd.DataFrame:
    """One guarantee's failures, labelled: the person, the household, the village, what was found and the source."""
    rows = guarantees.results(conn, rule_set, rule)
    out = pd.DataFrame({
        "rule": [label("guarantee", r, lang) for r in rows.rule],
        "member_id": rows.member_id, "name": rows.name, "household_id": rows.household_id,
        "village_code": rows.village_code,
        "detail": [_detail(d, lang) for d in rows.detail],
        "source": [(d or {}).get("source", "") for d in rows.detail]})
    return out.rename(columns=lambda c: header("guarantee_results", c, lang))


def household_members(conn, household_id: str, rule_set: str, lang: str) -> pd.DataFrame:
    """A household's members as the caller may see them (ID and phone numbers masked by the database for the roles
    that do not need them) and the guarantees each fails."""
    df = db.query_df(conn, f"""SELECT {', '.join('m.' + c for c in MEMBER_COLUMNS)},
                                      coalesce((SELECT array_agg(g.rule ORDER BY g.rule) FROM guarantee_results g
                                                WHERE g.member_id = m.id AND g.rule_set = %s), '{{}}') AS fails
                               FROM household_members_v m WHERE m.household_id = %s ORDER BY m.id""",
                     (rule_set, household_id))
    for col, vocab in _CODED.items():
        df[col] = df[col].map(lambda v, vocab=vocab: label(vocab, v, lang))
    for col in _YES_NO:
        df[col] = df[col].map(lambda v: yes_no(v, lang) if v is not None else "")
    df["birth_date"] = df["birth_date"].astype(str)
    df["fails"] = df["fails"].map(lambda v: label("guarantee", list(v), lang))
    return df.rename(columns=lambda c: t("guar.fails", lang) if c == "fails" else header("household_members", c, lang))


def unmatched(conn, lang: str, sees_personal: bool) -> pd.DataFrame:
    """The departments' rows no member carries the ID number of (county-wide accounts see them; the ID numbers only
    for the roles that need them, as the database grants)."""
    if not sees_personal:
        df = db.query_df(conn, """SELECT l.kind, l.period, r.row_no, r.name FROM dept_list_rows r
                                  JOIN dept_lists l ON l.id = r.list_id WHERE r.member_id IS NULL
                                  ORDER BY l.period, l.kind, r.row_no""")
    else:
        from .lists import unmatched as rows
        df = rows(conn)
    df["kind"] = df["kind"].map(lambda v: label("dept_kind", v, lang))
    return df.rename(columns=lambda c: header("dept_list_rows", c, lang))
