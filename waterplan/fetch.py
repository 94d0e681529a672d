"""Walking fetch between subjects and any points (drop points, failed sources, candidate sites) measured and judged
by the water check's own functions and rule: geo.checks.water candidate_pairs, network_context, could_pass,
fetch_metrics, judge."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.checks import water
from geo.checks.rules import RuleSet


@dataclass
class Fetch:
    """Pairs (subject i, point j) within reach, their metrics and the rule set's judgement."""

    i: np.ndarray
    j: np.ndarray
    nearest: np.ndarray
    straight: np.ndarray
    m: water.Metrics
    jd: water.Judgement

    @property
    def ok(self) -> np.ndarray:
        return self.jd.compliant == water.T


def fetch(conn, hxy: np.ndarray, pxy: np.ndarray, rules: RuleSet, terrain, *, piped: np.ndarray | None = None,
          guarantee: np.ndarray | None = None) -> Fetch:
    """Every subject–point pair that could pass (within the rule set's search radius, or within the piped reach of a
    piped point), plus each subject's nearest point; measured on the path network where the rule set says so.
    piped / guarantee: per point (default: not piped, guarantee unknown)."""
    hp = water.Points.of(hxy, terrain)
    pp = water.Points.of(pxy, terrain)
    R = rules.search_radius_m()
    piped = np.zeros(len(pp.xy), bool) if piped is None else np.asarray(piped, bool)
    guarantee = np.full(len(pp.xy), np.nan) if guarantee is None else np.asarray(guarantee, float)
    i, j, nearest = water.candidate_pairs(hp.xy, pp.xy, R, [(np.nonzero(piped)[0], rules.piped_reach_m)])
    step = terrain.step(rules.profile_step_m)  # as the check samples profiles: never finer than the DEM cell
    ctx = water.network_context(conn, rules, hp, pp, terrain, whole=False)
    straight = np.hypot(*(hp.xy[i] - pp.xy[j]).T) if len(i) else np.zeros(0)
    pip = water.is_piped(piped[j], straight, rules)
    need = water.could_pass(straight, np.abs(hp.z[i] - pp.z[j]), pip, guarantee[j], rules)
    # Pairs that cannot pass whatever the route (too far in a straight line, too steep, a short supply) are measured
    # in a straight line only, without times: enough to say why they fail, and the network is searched for the rest.
    kw = dict(loaded_speed_factor=rules.loaded_speed_factor, step_m=step,
              search_m=rules.network_search_m)
    k, r = np.nonzero(need | nearest)[0], np.nonzero(~(need | nearest))[0]
    mk = water.fetch_metrics(hp, pp, i[k], j[k], terrain, basis=rules.distance_basis, ctx=ctx, **kw)
    mr = water.fetch_metrics(hp, pp, i[r], j[r], terrain, basis="straight", ctx=None,
                             need_time=np.zeros(len(r), bool), **kw)
    parts = {}
    for name in ("straight_m", "horizontal_m", "vertical_m", "out_min", "back_min", "network"):
        a = np.empty(len(i), dtype=getattr(mk, name).dtype)
        a[k], a[r] = getattr(mk, name), getattr(mr, name)
        parts[name] = a
    m = water.Metrics(**parts)
    jd = water.judge(m, pip, guarantee[j], rules)
    return Fetch(i, j, nearest, straight, m, jd)
