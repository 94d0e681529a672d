"""The water check computed, nothing written: one row per subject with its named source, figures and clauses.

On the straight basis one compiled pass per subject (straight.check); on the network basis the pair arrays
(water_pairs.check_pairs). Both judge by the one water rule (water_rule, water_judge)."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import water_read as read
from . import water_rule
from .codes import tv_to_object
from .rules import RuleSet
from .straight import check as straight_check
from .walking import Terrain
from .water_arrays import Picked, Points
from .water_judge import MASK_NAMES
from .water_pairs import check_pairs


@dataclass
class WaterRun:
    """What a water check computed: one row per subject (the contract columns plus detail), and timings; once
    written whole, `table`: the rows as water_results' Arrow table (water_write.arrow_results)."""

    rows: pd.DataFrame
    timings: dict[str, float]
    rules: RuleSet
    table: object = None


def compute(conn, rules: RuleSet, subject_ids: list[str] | None = None, *, terrain: Terrain | None = None,
            households: bool | None = None, subjects: pd.DataFrame | None = None, pairs: bool = False) -> WaterRun:
    """Run the water check over every subject (or only `subject_ids`, or only the `subjects` read already, as
    water_read.subjects gives them: one partition of a distributed run) without writing anything. `pairs`: through
    the pair arrays on every basis (the reference the compiled pass is tested equal to)."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    use_h = read.uses_households(conn) if households is None else households
    some = subject_ids is not None or subjects is not None  # then only the sources near them are read
    subj = read.subjects(conn, subject_ids, use_h) if subjects is None else subjects
    src = read.sources(conn, rules, subj if some else None, use_h)
    tm["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    terrain = terrain or read.terrain_for(conn)
    hp = Points.of(subj[["x", "y"]].to_numpy(float), terrain)
    sp = Points.of(src[["x", "y"]].to_numpy(float), terrain)
    piped_src = src.piped_to_home.to_numpy(bool)
    guarantee_src = src.guarantee_rate.to_numpy(float, na_value=np.nan)
    tm["points"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    ctx = read.network_context(conn, rules, hp, sp, terrain, whole=not some)
    tm["network"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    if is_straight(rules, ctx) and not pairs:  # one compiled pass per subject, no pair arrays
        pk = straight_check(hp, sp, piped_src, guarantee_src, terrain, rules)
    else:
        pk = check_pairs(hp, sp, piped_src, guarantee_src, terrain, rules, ctx)
    tm["metrics"] = time.perf_counter() - t3
    rows = _rows(subj, src, guarantee_src, pk, hp, sp)
    tm["compute"] = time.perf_counter() - t0
    return WaterRun(rows, tm, rules)


def is_straight(rules: RuleSet, ctx) -> bool:
    """Whether every pair is measured in a straight line: the straight basis, or `auto` with no path network to
    measure along (then fetch_metrics falls back to the straight line for every pair)."""
    return rules.distance_basis == "straight" or (rules.distance_basis == "auto" and ctx is None)


def _rows(subj: pd.DataFrame, src: pd.DataFrame, guarantee_src: np.ndarray, pk: Picked, hp: Points,
          sp: Points) -> pd.DataFrame:
    """One row per subject: the contract columns (water_write.RESULT_COLUMNS), each clause's code beside its
    three-valued column, and the detail explanations show."""
    n = len(subj)
    has = pk.source_row >= 0
    row = np.where(has, pk.source_row, 0)
    # The id columns stay the Arrow strings they were read as: no round trip through Python objects.
    out = subj[["subject", "subject_id", "natural_village_id", "people"]].reset_index(drop=True)
    out["people"] = out.people.to_numpy()
    out["source_row"] = pk.source_row
    out["source_id"] = src.id.array.take(pk.source_row, allow_fill=True) if len(src) else \
        pd.array([None] * n, dtype="str")
    out["horizontal_m"] = pk.horizontal_m
    out["vertical_m"] = pk.vertical_m
    out["round_trip_min"] = pk.out_min + pk.back_min
    out["distance_basis"] = pd.Categorical.from_codes(np.where(has, pk.network.astype(np.int8), -1),
                                                      ["straight", "network"])
    for k, name in enumerate([c.column for c in water_rule.CLAUSES] + ["compliant"]):
        c = np.ascontiguousarray(pk.codes[:, k])
        out[name] = tv_to_object(c)
        out[name + "_code"] = c
    out["failed_mask"] = pk.failed_mask
    # One list per row, shared between rows with the same mask (read them, do not mutate them).
    out["failed_clauses"] = pd.Series([MASK_NAMES[k] for k in pk.failed_mask.tolist()], dtype=object).to_numpy() \
        if n else []
    # Detail for explanations (not part of the results table).
    out["straight_m"] = pk.straight_m
    out["out_min"] = pk.out_min
    out["back_min"] = pk.back_min
    out["guarantee_rate"] = np.where(has, guarantee_src[row], np.nan) if len(src) else np.full(n, np.nan)
    out["subject_elevation_m"] = hp.z
    out["source_elevation_m"] = np.where(has, sp.z[row], np.nan) if len(src) else np.full(n, np.nan)
    out["x"] = hp.xy[:, 0]; out["y"] = hp.xy[:, 1]
    out["candidates"] = pk.candidates
    return out
