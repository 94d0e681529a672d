"""The scenario: which sources are out (named failed or contaminated, or the seasonal ones in a dry season), the
plan's parameters, and the households affected (compliant before, not compliant now), vulnerable first."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
from psycopg2 import sql

from geo import db
from geo.checks import water
from geo.checks.rules import RuleError, RuleSet, SCHEMA, coerce, load_rules
from geo.settings import settings

SQL = db.SqlFiles(__file__)


def query(conn, name: str, params: dict) -> pd.DataFrame:
    """Run the named query of waterplan/sql with `params` as a DataFrame."""
    return db.query_df(conn, SQL(name), params)


@dataclass(frozen=True)
class PlanParams:
    """The plan's own settings (defaults from geo/settings.py; each can be overridden with --set key=value)."""

    litres_per_person_day: float | None = None   # None: the rule set's emergency_litres_per_person_day
    users_litres_per_person_day: float = field(default_factory=lambda: settings.plan_users_litres_per_person_day)
    dry_capacity_factor: float = field(default_factory=lambda: settings.plan_dry_capacity_factor)
    truck_m3: float = field(default_factory=lambda: settings.plan_truck_m3)
    truck_min_width_m: float = field(default_factory=lambda: settings.plan_truck_min_width_m)
    truck_load_min: float = field(default_factory=lambda: settings.plan_truck_load_min)
    working_day_h: float = field(default_factory=lambda: settings.plan_working_day_h)
    drop_spacing_m: float = field(default_factory=lambda: settings.plan_drop_spacing_m)
    source_road_m: float = field(default_factory=lambda: settings.plan_source_road_m)
    truck_max_km: float = field(default_factory=lambda: settings.plan_truck_max_km)
    grid_m: float = field(default_factory=lambda: settings.plan_grid_m)
    milp_seconds: float = field(default_factory=lambda: settings.plan_milp_seconds)

    def litres(self, rules: RuleSet) -> float:
        return self.litres_per_person_day if self.litres_per_person_day is not None \
            else float(rules.emergency_litres_per_person_day)


AFFECTED_COLUMNS = {"subject_id": object, "subject": object, "natural_village_id": object, "people": int,
                    "source_before": object, "x": float, "y": float, "source_now": object, "failed_now": object,
                    "reason": object, "name": object, "monitored": bool, "elderly_alone": bool, "disabled": bool,
                    "lon": float, "lat": float, "vulnerable": bool, "vulnerable_kinds": object}
PARAM_KEYS = {f.name for f in fields(PlanParams)}


def split_sets(sets: dict[str, str]) -> tuple[dict[str, str], PlanParams]:
    """`--set` pairs into rule-set overrides and plan parameters; an unknown key is a RuleError naming both lists."""
    rule_over, plan = {}, {}
    for k, v in sets.items():
        if k in PARAM_KEYS:
            try:
                x = float(v)
                if not np.isfinite(x) or x < 0:
                    raise ValueError
            except ValueError:
                raise RuleError(f"setting {k}={v!r}: expected a number ≥ 0") from None
            plan[k] = x
        elif k in SCHEMA:
            coerce(k, v)
            rule_over[k] = v
        else:
            raise RuleError(f"unknown setting {k!r}; rule-set settings are: {', '.join(sorted(SCHEMA))}; "
                            f"plan settings are: {', '.join(sorted(PARAM_KEYS))}")
    return rule_over, replace(PlanParams(), **plan)


@dataclass
class Scenario:
    """Sources named out of service, and/or a dry season."""

    failed: list[str] = field(default_factory=list)
    dry_season: bool = False

    def describe(self, full: bool = False) -> str:
        names = self.failed if full or len(self.failed) <= 4 else [*self.failed[:4], f"等 {len(self.failed)} 处"]
        parts = [f"失效水源 {', '.join(names)}"] if self.failed else []
        if self.dry_season:
            parts.append("枯水期（季节性水源停用）")
        return "；".join(parts) or "无"


@dataclass
class Affected:
    """What the scenario does to the water check: every subject examined before and now, and the affected ones."""

    rules_before: RuleSet
    rules_now: RuleSet
    before: pd.DataFrame          # water.compute rows of the subjects near the sources out, before
    now: pd.DataFrame             # … and now
    affected: pd.DataFrame        # subject_id, people, vulnerable, reason, name, …, x, y; vulnerable first
    out_sources: list[str]        # the sources out in the scenario


def _savepoint_compute(conn, rules: RuleSet, ids: list[str], set_status: dict[str, str], terrain) -> pd.DataFrame:
    """water.compute over `ids` as if some sources had another status, without writing anything: for the moment a
    temporary view named water_sources (PostgreSQL searches the session's temporary schema first) shows the table
    with those statuses; it is dropped with the savepoint. No row is updated, so no lock, audit entry or write
    right is needed, and the stored water_results are untouched."""
    with conn.cursor() as cur:
        cur.execute("SELECT current_schema()")
        schema = cur.fetchone()[0]
        cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                    "AND NOT attisdropped ORDER BY attnum", (f"{schema}.water_sources",))
        cols = [r[0] for r in cur.fetchall()]
        groups: dict[str, list[str]] = {}
        for sid, st in set_status.items():
            groups.setdefault(st, []).append(sid)
        status = sql.SQL("CASE {} ELSE status END AS status").format(sql.SQL(" ").join(
            sql.SQL("WHEN id = ANY({}::text[]) THEN {}").format(sql.Literal(sorted(v)), sql.Literal(k))
            for k, v in sorted(groups.items()))) if groups else sql.Identifier("status")
        view = sql.SQL("CREATE TEMP VIEW water_sources AS SELECT {} FROM {}").format(
            sql.SQL(", ").join(status if c == "status" else sql.Identifier(c) for c in cols),
            sql.Identifier(schema, "water_sources"))
        cur.execute("SAVEPOINT waterplan_scenario")
        try:
            cur.execute(view)
            return water.compute(conn, rules, ids, terrain=terrain).rows
        finally:
            cur.execute("ROLLBACK TO SAVEPOINT waterplan_scenario")
            cur.execute("RELEASE SAVEPOINT waterplan_scenario")


def _could_lose(conn, near: pd.DataFrame, out: list[str], rules: RuleSet, terrain) -> list[str]:
    """The subjects near the sources out that comply with one of them when it works: only they can lose compliance
    (the water check's own pair measure and judgement), so the two full checks below need only them."""
    if near.empty:
        return []
    from .fetch import fetch
    src = query(conn, "out_sources", {"ids": out})
    f = fetch(conn, near[["x", "y"]].to_numpy(float), src[["x", "y"]].to_numpy(float), rules, terrain,
              piped=src.piped_to_home.to_numpy(bool), guarantee=src.guarantee_rate.to_numpy(float, na_value=np.nan))
    return sorted(set(near.id.to_numpy(object)[f.i[f.ok]]))


def affected(conn, scenario: Scenario, rules_name: str | None = None, overrides: dict | None = None,
             terrain=None) -> Affected:
    """The subjects compliant before the scenario and not compliant in it (False or unknown), with their people,
    why, and who is vulnerable; sorted vulnerable first, then by people."""
    overrides = dict(overrides or {})
    overrides.pop("dry_season", None)
    base = load_rules(conn, rules_name, overrides)

    def with_dry(dry: bool) -> RuleSet:  # the rule set's own label unless the season must be overridden
        return base if base.dry_season == dry else load_rules(conn, rules_name, {**overrides, "dry_season": str(dry)})
    rules_before, rules_now = with_dry(False), with_dry(scenario.dry_season)
    named = query(conn, "sources_by_id", {"ids": list(scenario.failed)})
    unknown = sorted(set(scenario.failed) - set(named.id))
    if unknown:
        raise LookupError(f"no water source {', '.join(unknown)}: check the ids (water_sources.id)")
    seasonal = list(query(conn, "seasonal_sources", {}).id) if scenario.dry_season else []
    out = sorted(set(scenario.failed) | set(seasonal))
    terrain = terrain or water.terrain_for(conn)
    use_h = water.uses_households(conn)
    radius = float(max(rules_before.search_radius_m(), rules_before.piped_reach_m))
    near = query(conn, "subjects_near_sources", {"ids": out, "radius": radius, "use_households": use_h})
    ids = _could_lose(conn, near, out, rules_before, terrain)
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in AFFECTED_COLUMNS.items()})
    if not ids:
        return Affected(rules_before, rules_now, empty, empty, empty, out)
    # Before: the named sources as they were before they failed (working, or seasonal if they are seasonal).
    was = {sid: ("seasonal" if st == "seasonal" else "working") for sid, st in zip(named.id, named.status)}
    before = _savepoint_compute(conn, rules_before, ids, was, terrain)
    now = _savepoint_compute(conn, rules_now, ids, {sid: "failed" for sid in scenario.failed}, terrain)
    b = before.set_index("subject_id")
    n = now.set_index("subject_id").reindex(b.index)
    hit = (b.compliant == True) & (n.compliant != True)  # noqa: E712 (three-valued: None is not True)
    a = b.loc[hit, ["subject", "natural_village_id", "people", "source_id", "x", "y"]].copy()
    a = a.rename(columns={"source_id": "source_before"})
    a["source_now"] = n.loc[hit, "source_id"]
    a["failed_now"] = [";".join(f) for f in n.loc[hit, "failed_clauses"]]
    status_of = {sid: "failed" for sid in scenario.failed}
    status_of.update({sid: "dry_season" for sid in seasonal if sid not in status_of})
    a["reason"] = [f"{status_of.get(s, 'source_out')}:{s}" for s in a.source_before]
    a = a.reset_index()
    det = query(conn, "subject_details", {"ids": list(a.subject_id)})
    a = a.merge(det.drop(columns=["natural_village_id"]), on="subject_id", how="left")
    for c in ("monitored", "elderly_alone", "disabled"):
        a[c] = a[c].fillna(False).astype(bool)
    a["vulnerable"] = a.monitored | a.elderly_alone | a.disabled
    a["vulnerable_kinds"] = [";".join(k for k, v in (("monitored", m), ("elderly_alone", e), ("disabled", d)) if v)
                             for m, e, d in zip(a.monitored, a.elderly_alone, a.disabled)]
    a["people"] = a.people.fillna(0).astype(int)
    a = a.sort_values(["vulnerable", "people", "subject_id"], ascending=[False, False, True]).reset_index(drop=True)
    return Affected(rules_before, rules_now, before, now, a, out)
