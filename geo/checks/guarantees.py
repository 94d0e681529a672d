"""The three guarantees per person and relocated households' employment (issue 14): rules as settings of the rule
set with their sources (rule_sets.settings -> 'guarantees'), run set-based in SQL, stored per failing person and
rule (guarantee_results), rolled up to village, township and county."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import db
from .rules import RuleError, coerce as _coerce_water

SQL = db.SqlFiles(__file__)

RULES = ("out_of_school", "home_teaching", "uninsured", "no_doctor_contract", "below_income_line", "zero_employment")
RESULT_COLUMNS = ["member_id", "household_id", "rule", "detail"]
# Setting: (type, default, low, high). The rule set stores each with its source (migration 720).
SCHEMA: dict[str, tuple[type, Any, float | None, float | None]] = {
    "school_age_min": (int, 6, 0, 25),
    "school_age_max": (int, 15, 0, 25),
    "severe_disability_grade": (int, 2, 1, 4),
    "home_teaching_visits_per_month": (int, 2, 0, 31),
    "income_line_yuan": (float, 6000.0, 0.0, None),
    "min_employment_share": (float, 0.9, 0.0, 1.0),
    "medical_cost_yuan": (float, 10000.0, 0.0, None),
}
# Which setting's source each rule cites.
RULE_SOURCE = {"out_of_school": "school_age_max", "home_teaching": "home_teaching_visits_per_month",
               "uninsured": None, "no_doctor_contract": None, "below_income_line": "income_line_yuan",
               "zero_employment": "min_employment_share"}
# The rules with no threshold of their own: their source, fixed (DOMAIN.md, three guarantees per person).
FIXED_SOURCE = {
    "uninsured": "陇县 2021 任务14–19：医保参保 100% (Long County 2021 tasks 14–19: everyone insured)",
    "no_doctor_contract": "陇县 2021 任务14–19；安康 2020 附件3–4：慢病签约，签约一人履约一人 (chronic patients under "
                          "a signed family doctor)",
}


@dataclass(frozen=True)
class Guarantees:
    """The guarantees' settings of one rule set (overrides applied) with their sources."""

    name: str
    version: int
    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """What the results are stored under: the name, with overrides, so a what-if run never poses as the set."""
        if not self.overrides:
            return self.name
        return self.name + "?" + "&".join(f"{k}={v}" for k, v in sorted(self.overrides.items()))

    def source(self, rule: str) -> str:
        key = RULE_SOURCE.get(rule)
        return FIXED_SOURCE.get(rule) or (self.sources.get(key, "") if key else "")


def coerce(key: str, value: Any) -> Any:
    """One guarantee setting to its type, within bounds; RuleError names it."""
    if key not in SCHEMA:
        raise RuleError(f"unknown setting {key!r}; guarantee settings are: {', '.join(sorted(SCHEMA))}")
    typ, _d, lo, hi = SCHEMA[key]
    try:
        out = float(value)
        if out != out or (typ is int and out != int(out)):
            raise ValueError
        out = typ(out)
    except (TypeError, ValueError):
        raise RuleError(f"setting {key}={value!r}: expected {typ.__name__}") from None
    if (lo is not None and out < lo) or (hi is not None and out > hi):
        raise RuleError(f"setting {key}={value!r}: out of range {lo}..{hi if hi is not None else 'inf'}")
    return out


def load_guarantees(conn, name: str | None = None, overrides: dict[str, Any] | None = None) -> Guarantees:
    """The guarantees of rule set `name` (default: the county's default), latest version, with `overrides`."""
    row = db.query_rows(conn, "SELECT name, version, settings -> 'guarantees' FROM rule_sets WHERE "
                              + ("name = %s ORDER BY version DESC LIMIT 1" if name else "is_default LIMIT 1"),
                        (name,) if name else None)
    if not row:
        known = db.query_value(conn, "SELECT string_agg(DISTINCT name, ', ' ORDER BY name) FROM rule_sets") or "none"
        raise RuleError(f"no rule set {name!r}; rule sets are: {known}" if name else
                        f"no default rule set; rule sets are: {known}")
    rname, version, stored = row[0]
    values = {k: d for k, (_t, d, _lo, _hi) in SCHEMA.items()}
    sources = {}
    for k, v in (stored or {}).items():
        if k in SCHEMA:
            values[k] = coerce(k, v.get("value") if isinstance(v, dict) else v)
            sources[k] = v.get("source", "") if isinstance(v, dict) else ""
    other = {k: v for k, v in (overrides or {}).items() if k not in SCHEMA}
    if other:   # a water setting given to the guarantees: refused with the water check's own words
        for k, v in other.items():
            _coerce_water(k, v)
        raise RuleError(f"setting {', '.join(other)}: not a guarantee setting; guarantee settings are: "
                        f"{', '.join(sorted(SCHEMA))}")
    typed = {k: coerce(k, v) for k, v in (overrides or {}).items()}
    values.update(typed)
    if values["school_age_min"] > values["school_age_max"]:
        raise RuleError(f"school_age_min {values['school_age_min']} is above school_age_max {values['school_age_max']}")
    return Guarantees(rname, int(version), values, sources, typed)


@dataclass
class GuaranteeRun:
    rules: Guarantees
    rows: pd.DataFrame            # one per failing person and rule: member_id, household_id, village_code, rule, detail
    rollup: pd.DataFrame          # village, township and county counts
    seconds: float = 0.0


def check_guarantees(conn, rules: Guarantees, as_of: dt.date | None = None) -> GuaranteeRun:
    """Run every guarantee rule over all members (set-based), replace the stored results of this label, and roll
    them up; in the caller's transaction."""
    t0 = time.perf_counter()
    as_of = as_of or dt.date.today()
    v = rules.values
    params = {"label": rules.label, "as_of": as_of, "age_min": v["school_age_min"], "age_max": v["school_age_max"],
              "severe": v["severe_disability_grade"], "visits": v["home_teaching_visits_per_month"],
              "line": v["income_line_yuan"],
              **{f"src_{k}": rules.source(r) for k, r in (("school", "out_of_school"), ("home", "home_teaching"),
                                                          ("insured", "uninsured"), ("doctor", "no_doctor_contract"),
                                                          ("income", "below_income_line"),
                                                          ("employment", "zero_employment"))}}
    with conn.cursor() as cur:
        cur.execute("DELETE FROM guarantee_results WHERE rule_set = %s", (rules.label,))
        cur.execute(SQL("guarantees_run"), params)
    rows = results(conn, rules.label)
    return GuaranteeRun(rules, rows, rollup(conn, rules.label), time.perf_counter() - t0)


def results(conn, label: str, rule: str | None = None) -> pd.DataFrame:
    """Stored failures of one label (and one rule), with the person's name, ordered by village, household, member."""
    return db.query_df(conn, """SELECT g.member_id, g.household_id, rtrim(g.village_code) AS village_code, g.rule,
                                       m.name, g.detail
                                FROM guarantee_results g LEFT JOIN household_members m ON m.id = g.member_id
                                WHERE g.rule_set = %s AND (%s::text IS NULL OR g.rule = %s)
                                ORDER BY g.village_code, g.household_id, g.member_id, g.rule""", (label, rule, rule))


def rollup(conn, label: str) -> pd.DataFrame:
    """Failures per village, township and county (levels in that order of detail, county first)."""
    return db.query_df(conn, SQL("guarantees_rollup"), {"label": label})
