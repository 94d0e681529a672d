"""Road criteria as the seeds write them: a natural village's counts and shares combined with and/or (Xinping 2018:
≥ 30 households and (poverty incidence ≥ 35 % or ≥ 30 % 直过民族 households); Hanzhong 2018: firm for 深度贫困村;
Mingshan 2020: every village and group), evaluated on whole arrays, with the clause that made each village due."""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

# A leaf {"measure": M, "min": x} holds where the village's M ≥ x; flags (deeply_poor, every) need no "min".
# A share or count the village's record lacks cannot make it due (its clause does not hold).
COUNTS = ("households", "population", "poor_households", "ethnic_households")
SHARES = ("poverty_incidence", "ethnic_share")   # poor / households, ethnic / households
FLAGS = ("deeply_poor", "every")                  # 深度贫困村 (admin_units.extra), every village (村组全覆盖)
MEASURES = COUNTS + SHARES + FLAGS
LEGACY = "households"   # the first rule sets' word: households ≥ min_households_for_road


def parse(value: Any) -> Any:
    """A criteria tree from its stored or typed form (a dict, its JSON text, or 'households'); ValueError says what
    is wrong with which node."""
    if isinstance(value, str):
        text = value.strip()
        if text == LEGACY:
            return LEGACY
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"expected {LEGACY!r} or a JSON criteria tree, got {text[:60]!r}") from None
    _check(value)
    return value


def _check(node: Any) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"a criteria node is an object, got {node!r}")
    ops = [k for k in ("all", "any") if k in node]
    if ops:
        if len(node) != 1 or not isinstance(node[ops[0]], list) or not node[ops[0]]:
            raise ValueError(f"{ops[0]!r} takes a non-empty list of nodes and nothing else: {node!r}")
        for child in node[ops[0]]:
            _check(child)
        return
    m = node.get("measure")
    if m not in MEASURES:
        raise ValueError(f"unknown measure {m!r}; measures are: {', '.join(MEASURES)}")
    extra = set(node) - {"measure", "min"}
    if extra:
        raise ValueError(f"unknown keys {sorted(extra)} in {node!r}")
    if m in FLAGS:
        if "min" in node:
            raise ValueError(f"{m!r} is a flag and takes no 'min'")
        return
    lo = node.get("min")
    if isinstance(lo, bool) or not isinstance(lo, (int, float)) or lo < 0 or (m in SHARES and lo > 1):
        raise ValueError(f"{m!r} needs a 'min' ≥ 0{' and ≤ 1' if m in SHARES else ''}, got {lo!r}")


def tree(rules) -> dict:
    """The rule set's criteria as a tree (the legacy word as its one clause)."""
    c = rules.road_criteria
    return {"measure": "households", "min": rules.min_households_for_road} if c == LEGACY else c


def text(node: dict, nested: bool = False) -> str:
    """A clause as words the explanation and the results show: 'households≥30', 'deeply_poor', 'a & (b | c)'."""
    for op, sep in (("all", " & "), ("any", " | ")):
        if op in node:
            inner = sep.join(text(c, True) for c in node[op])
            return f"({inner})" if nested and len(node[op]) > 1 else inner
    m = node["measure"]
    return m if m in FLAGS else f"{m}≥{node['min']:g}"


def measures(villages: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each measure per natural village (NaN where the record lacks it)."""
    def col(name):
        return pd.to_numeric(villages[name], errors="coerce").to_numpy(float) if name in villages else \
            np.full(len(villages), np.nan)
    hh = col("households")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = {s: np.where(hh > 0, col(c) / hh, np.nan)
                 for s, c in (("poverty_incidence", "poor_households"), ("ethnic_share", "ethnic_households"))}
    return {**{c: col(c) for c in COUNTS}, **share, "deeply_poor": col("deeply_poor"),
            "every": np.ones(len(villages))}


def evaluate(node: dict, m: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(due, why) per village: whether the criteria hold, and the clauses that made it due ('' where not due). An
    'all' is due by all its clauses, an 'any' by the first that holds."""
    n = len(m["every"])
    if "all" in node or "any" in node:
        parts = [evaluate(c, m) for c in node.get("all") or node["any"]]
        if "all" in node:
            due = np.logical_and.reduce([d for d, _ in parts])
            why = parts[0][1]
            for _, w in parts[1:]:
                why = why + " & " + w     # object arrays: joined element by element
        else:
            due = np.logical_or.reduce([d for d, _ in parts])
            why = np.full(n, "", dtype=object)
            for d, w in reversed(parts):
                why = np.where(d, w, why)
        return due, np.where(due, why, "").astype(object)
    name = node["measure"]
    v = m[name]
    due = (v >= node["min"]) if "min" in node else (v > 0)
    due = np.asarray(due & np.isfinite(v), dtype=bool)
    return due, np.where(due, text(node), "").astype(object)
