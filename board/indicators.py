"""The overview's numbers: each indicator per village, township and county, read from the records and the check
results tables by one set-based query, with its target and the rule it comes from."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo import db
from geo.i18n import label, t
from layers.base import Filters, default_rule_set

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql


@dataclass(frozen=True)
class Indicator:
    key: str          # column of overview_villages.sql
    label: str        # its message in the catalogue
    rule: str         # [vocab.rule]: where the indicator's threshold comes from
    target: int | None = 0   # None: no target (a count to watch)
    needs: str | None = None  # the results table it reads, when it reads one


INDICATORS = [
    Indicator("monitored", "ind_monitored", "monitored", None),
    Indicator("monitored_people", "ind_monitored_people", "monitored", None),
    Indicator("overdue_visits", "ind_overdue_visits", "visits"),
    Indicator("dangerous_houses", "ind_dangerous_houses", "housing"),
    Indicator("water_fail_hh", "ind_water_fail_hh", "water", needs="water_results"),
    Indicator("water_fail_people", "ind_water_fail_people", "water", needs="water_results"),
    Indicator("road_gaps", "ind_road_gaps", "road", needs="road_results"),
    Indicator("relocation_no_worker", "ind_relocation_no_worker", "relocation"),
    Indicator("assets_unregistered", "ind_assets_unregistered", "assets"),
    Indicator("inspections_open", "ind_inspections_open", "inspections", None),
    # village services: administrative villages failing each clause of the services check
    Indicator("clinic_fail", "ind_clinic_fail", "clinic", needs="services_results"),
    Indicator("bus_fail", "ind_bus_fail", "bus", needs="services_results"),
    Indicator("kindergarten_fail", "ind_kindergarten_fail", "kindergarten", needs="services_results"),
]
COLUMNS = [i.key for i in INDICATORS]

# The results tables the checks write, and the command that writes each.
CHECK_COMMANDS = {"water_results": "python -m geo check water --out var/water.csv",
                  "road_results": "python -m geo check roads --out var/roads.csv"}
# The services check: its indicators say when it has not run; the pages' notice (and the map's layout) stays as it was.
LATER_CHECKS = {"services_results": "python -m geo check services --out var/services.csv"}


def checks_run(conn, rule_set: str | None, tables: dict | None = None) -> dict[str, bool]:
    """Whether the checks (CHECK_COMMANDS, or `tables`) have results for the rule set (the map and overview say so
    when not)."""
    return {table: bool(db.query_value(conn, SQL(f"has_{table}"), {"rule_set": rule_set}))
            for table in (tables or CHECK_COMMANDS)}


def villages(conn, rule_set: str | None = None) -> pd.DataFrame:
    """One row per administrative village with every indicator."""
    rule_set = rule_set or default_rule_set(conn)
    df = db.query_df(conn, SQL("overview_villages"), Filters(rule_set=rule_set).params())
    df[COLUMNS] = df[COLUMNS].astype("int64")
    return df


def townships(vil: pd.DataFrame) -> pd.DataFrame:
    """The village rows summed per township."""
    out = vil.groupby(["township_code", "township_name"], dropna=False)[COLUMNS].sum().reset_index()
    return out.rename(columns={"township_code": "code", "township_name": "name"})


def county(vil: pd.DataFrame, conn=None, rule_set: str | None = None, lang: str = "zh") -> pd.DataFrame:
    """The county's totals as a table: indicator, value, target, source rule, and whether its check has run."""
    run = checks_run(conn, rule_set or default_rule_set(conn), {**CHECK_COMMANDS, **LATER_CHECKS}) \
        if conn is not None else {}
    rows = []
    for ind in INDICATORS:
        ran = run.get(ind.needs, True) if ind.needs else True
        rows.append({"key": ind.key, t("indicator", lang): t(ind.label, lang),
                     t("value", lang): int(vil[ind.key].sum()) if ran else None,
                     t("target", lang): "—" if ind.target is None else str(ind.target),
                     t("rule", lang): label("rule", ind.rule, lang) if ran else t("checks_not_run", lang)})
    return pd.DataFrame(rows)


def place(conn, scope_code: str | None) -> str:
    """What the overview shows, named: the county, and the township and village of a narrower scope."""
    rows = db.query_rows(conn, SQL("place"), {"scope": scope_code})
    return " · ".join(p for p in (rows[0] if rows else ()) if p)


def inspections_overdue(conn, township: str | None = None) -> int:
    """Targets whose inspection is overdue, as the inspections capability counts them."""
    from inspections import mapdata
    return int(len(mapdata.overdue_features(conn, township_code=township)))


def breakdown(conn, township: str | None, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monitored households by category and by risk type (households, people)."""
    df = db.query_df(conn, SQL("overview_breakdown"), Filters(township=township).params())
    df["label"] = [label("category" if a == "category" else "risk_type", c, lang)
                   for a, c in zip(df["axis"], df["code"])]
    cols = {"label": t("category", lang), "households": t("households", lang), "people": t("population", lang)}
    cat = df[df.axis == "category"][list(cols)].rename(columns=cols)
    cols["label"] = t("risk_types", lang)
    risk = df[df.axis == "risk_type"][list(cols)].rename(columns=cols)
    return cat.reset_index(drop=True), risk.reset_index(drop=True)


def labelled_table(df: pd.DataFrame, lang: str, first: str) -> pd.DataFrame:
    """Indicator columns renamed to their labels, for display and export."""
    names = {"code": t("code", lang), "name": t(first, lang)}
    names.update({i.key: t(i.label, lang) for i in INDICATORS})
    keep = ["code", "name"] + COLUMNS
    return df[keep].rename(columns=names)

