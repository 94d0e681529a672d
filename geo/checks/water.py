"""The water-fetch check's face: compute, write, recompute near a source, and the array functions planners use.

For every household (or natural village) the sources within reach, their distance, climb and walking time, the
rule set's clauses in three-valued logic and the source named; results into water_results. The rooms behind it,
read → compute → write → recompute:
  water_read       subjects, the sources that count, the terrain (DEM, cached per import), the path network
  water_compute    compute(): one row per subject (straight.check on the straight basis, water_pairs otherwise)
  water_write      write(): binary COPY into water_results, the indexes rebuilt after a whole-table write
  water_recompute  set_source_status(): one source changes, the subjects near it are recomputed
and the rule they all judge by: water_rule (the clauses and their combinations), water_judge (judging pairs)."""
from __future__ import annotations

import time

from .codes import F, T, U
from .rules import RuleSet, parse_label, result_label
from .water_arrays import Metrics, Picked, Points
from .water_compute import WaterRun, compute
from .water_judge import Judgement, could_pass, is_piped, judge
from .water_pairs import NetworkContext, candidate_pairs, choose, fetch_metrics
from .water_read import network_context, terrain_for, uses_households
from .water_recompute import STATUSES, set_source_status
from .water_rule import counting_statuses
from .water_write import RESULT_COLUMNS, write

__all__ = ["F", "T", "U", "parse_label", "result_label", "Metrics", "Picked", "Points", "WaterRun", "compute",
           "Judgement", "could_pass", "is_piped", "judge", "NetworkContext", "candidate_pairs", "choose",
           "fetch_metrics", "network_context", "terrain_for", "uses_households", "STATUSES", "set_source_status",
           "RESULT_COLUMNS", "write", "counting_statuses", "check_water"]


def check_water(conn, rules: RuleSet) -> WaterRun:
    """Run the full check and replace the rule set's results, in the caller's transaction."""
    run = compute(conn, rules)
    t = time.perf_counter()
    write(conn, run)
    run.timings["write"] = time.perf_counter() - t
    return run
