"""Rule sets: load a named, versioned rule set from the rule_sets table, apply `--set key=value` overrides, typed;
the label results are stored under (the name with its overrides) and back."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import road_criteria, water_rule

CHOICES = {
    "water_combine": ("all", "piped_or_time"),
    "distance_basis": ("network", "straight", "auto"),
}

# Every setting a rule set may hold: its type, its default where the stored rule set leaves it out, and bounds.
SCHEMA: dict[str, tuple[type, Any, float | None, float | None]] = {
    "water_combine": (str, "all", None, None),
    "max_round_trip_min": (float, 20.0, 0.0, None),
    "max_horizontal_m": (float, 800.0, 0.0, None),
    "max_vertical_m": (float, 80.0, 0.0, None),
    "min_guarantee_rate": (float, 0.90, 0.0, 1.0),
    "piped_counts_as_compliant": (bool, False, None, None),
    "distance_basis": (str, "auto", None, None),
    "dry_season": (bool, False, None, None),
    "loaded_speed_factor": (float, 0.8, 0.05, 1.0),
    "road_access_m": (float, 200.0, 0.0, None),
    "min_households_for_road": (int, 30, 0, None),
    "road_criteria": (object, road_criteria.LEGACY, None, None),   # 'households' or an and/or tree (road_criteria)
    "rai_distance_m": (float, 2000.0, 0.0, None),
    # Village services (geo/checks/services.py): Hanzhong 2018, a clinic unless within 5 km of the health centre
    "clinic_within_m": (float, 5000.0, 0.0, None),
    "bus_stop_m": (float, 2000.0, 0.0, None),         # a bus stop this far along the roads serves the village
    "services_search_m": (float, 50000.0, 0.0, None), # network routes to facilities longer than this are not searched
    # Running the water works (Long County 2021 tasks 24–27, Ankang 2020 annex 8; sources in [vocab.works_rule])
    "works_training_county": (int, 2, 0, None),        # county trainings a manager attends a year
    "works_training_township": (int, 3, 0, None),      # township trainings a year
    "works_disinfection_people": (int, 1000, 0, None), # works serving this many people or more need disinfection
    "works_fee_rate": (float, 0.95, 0.0, 1.0),         # share of the year's water fees collected
    "emergency_litres_per_person_day": (float, 20.0, 0.0, None),
    # How the checks measure (kept in the rule set so that a result can be reproduced from it).
    "network_snap_m": (float, 150.0, 0.0, None),      # a point farther than this from every path is off the network
    "network_search_m": (float, 3000.0, 0.0, None),   # network routes longer than this are not searched
    "profile_step_m": (float, 30.0, 1.0, None),       # spacing of DEM samples along a route
    "piped_reach_m": (float, 3000.0, 0.0, None),      # a piped scheme serves homes within this distance of it
}


class RuleError(ValueError):
    """A rule set that does not exist, or a setting that is unknown or has a bad value."""


@dataclass(frozen=True)
class RuleSet:
    """A rule set as the checks use it: name, version and typed settings (overrides applied)."""

    name: str
    version: int
    settings: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.settings[key]
        except KeyError:
            raise AttributeError(key) from None

    def search_radius_m(self) -> float:
        """The farthest straight-line distance at which a source that is not piped could still pass
        (water_rule.search_radius_m)."""
        return water_rule.search_radius_m(self)


def coerce(key: str, value: Any) -> Any:
    """One setting to its type, checked against its bounds and choices; RuleError names the key and the value."""
    if key not in SCHEMA:
        raise RuleError(f"unknown setting {key!r}; settings are: {', '.join(sorted(SCHEMA))}")
    typ, _default, lo, hi = SCHEMA[key]
    if key == "road_criteria":
        try:
            return road_criteria.parse(value)
        except ValueError as e:
            raise RuleError(f"setting road_criteria: {e}") from None
    try:
        if typ is bool:
            if isinstance(value, bool):
                out = value
            elif str(value).strip().lower() in ("true", "1", "yes", "on"):
                out = True
            elif str(value).strip().lower() in ("false", "0", "no", "off"):
                out = False
            else:
                raise ValueError
        elif typ is int:
            f = float(value)
            if f != int(f):
                raise ValueError
            out = int(f)
        elif typ is float:
            out = float(value)
            if out != out:
                raise ValueError
        else:
            out = str(value).strip()
    except (TypeError, ValueError):
        raise RuleError(f"setting {key}={value!r}: expected {typ.__name__}") from None
    if key in CHOICES and out not in CHOICES[key]:
        raise RuleError(f"setting {key}={value!r}: expected one of {', '.join(CHOICES[key])}")
    if lo is not None and out < lo or hi is not None and out > hi:
        rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
        raise RuleError(f"setting {key}={value!r}: out of range {rng}")
    return out


def load_rules(conn, name: str | None = None, overrides: dict[str, Any] | None = None) -> RuleSet:
    """The latest version of rule set `name` (default: the county's default rule set) with `overrides` applied."""
    with conn.cursor() as cur:
        if name:
            cur.execute("SELECT name, version, settings FROM rule_sets WHERE name = %s ORDER BY version DESC LIMIT 1",
                        (name,))
        else:
            cur.execute("SELECT name, version, settings FROM rule_sets WHERE is_default LIMIT 1")
        row = cur.fetchone()
        if row is None:
            cur.execute("SELECT string_agg(DISTINCT name, ', ' ORDER BY name) FROM rule_sets")
            known = cur.fetchone()[0] or "none"
            raise RuleError(f"no rule set {name!r}; rule sets are: {known}" if name
                            else f"no default rule set; rule sets are: {known}")
    rname, version, stored = row
    values = {k: default for k, (_t, default, _lo, _hi) in SCHEMA.items()}
    for k, v in (stored or {}).items():
        if k in SCHEMA:  # a stored key this code does not know is kept out rather than refused
            values[k] = coerce(k, v)
    typed = {k: coerce(k, v) for k, v in (overrides or {}).items()}
    values.update(typed)
    return RuleSet(rname, int(version), values, typed)


def result_label(rules: RuleSet) -> str:
    """The rule_set column of results: the name, with any overrides, so a what-if run never poses as the rule set."""
    if not rules.overrides:
        return rules.name
    def word(v):
        return str(v).lower() if isinstance(v, bool) else json.dumps(v, separators=(",", ":"), ensure_ascii=False) \
            if isinstance(v, dict) else v
    return rules.name + "?" + "&".join(f"{k}={word(v)}" for k, v in sorted(rules.overrides.items()))


def parse_label(label: str) -> tuple[str, dict[str, str]]:
    """A results label back into the rule set name and its overrides."""
    name, _, q = label.partition("?")
    return name, dict(p.split("=", 1) for p in q.split("&") if "=" in p)
