"""The water check on the straight basis in one compiled pass per subject: candidate sources from a grid, distance,
climb, walking time only where it can change the answer, the clauses and the source named, with no pair arrays.

It gives the answers of the array path (water_pairs: candidate_pairs, fetch_metrics, _times_by_rounds, judge,
choose), tested equal on random scenarios; that path stays for the network basis and for the planners. Both judge
pairs by the same compiled functions (water_judge: known_bits, walk_bits, combine) over the same rule (water_rule)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .codes import F, T
from .fused import _leg, kernel_array as _arr
from .jit import njit, prange
from .rules import RuleSet
from .tobler import least_round_trip_min_per_m
from .walking import Terrain
from .water_arrays import Picked, Points
from .water_judge import (NO_SOURCE, ROUND_TRIP, CompiledRule, combine, figures, judge_figures, judge_pair, known_bits,
                          naming_score, naming_scores, no_source_codes, walk_bits)
from .water_rule import piped_within

_piped_within = njit(cache=True, inline="always")(piped_within)
MAX_GRID_CELLS = 4_000_000


@dataclass
class Grid:
    """Points binned in square cells: the points of cell c are order[start[c]:start[c + 1]], their coordinates
    xy[start[c]:start[c + 1]] (copied in cell order, so that a scan reads memory in sequence)."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    order: np.ndarray
    start: np.ndarray
    xy: np.ndarray

    @classmethod
    def of(cls, xy: np.ndarray, cell: float) -> "Grid":
        if len(xy) == 0:
            return cls(0.0, 0.0, 1.0, 1, 1, np.zeros(0, np.int64), np.zeros(2, np.int64), np.zeros((0, 2)))
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        cell = max(float(cell), 1e-6)
        while (int((hi[0] - lo[0]) / cell) + 1) * (int((hi[1] - lo[1]) / cell) + 1) > MAX_GRID_CELLS:
            cell *= 2.0  # a wide extent with a tiny radius: coarser cells, the same answers
        nx, ny = int((hi[0] - lo[0]) / cell) + 1, int((hi[1] - lo[1]) / cell) + 1
        c = np.minimum(((xy[:, 0] - lo[0]) / cell).astype(np.int64), nx - 1) \
            + nx * np.minimum(((xy[:, 1] - lo[1]) / cell).astype(np.int64), ny - 1)
        order = np.argsort(c, kind="stable")
        start = np.searchsorted(c[order], np.arange(nx * ny + 1))
        return cls(float(lo[0]), float(lo[1]), cell, nx, ny, order, start, np.ascontiguousarray(xy[order]))


@njit(cache=True, inline="always")
def _scan(px, py, r, x0, y0, cell, nx, ny, order, start, gxy, skip_r, buf, n):
    """Points of the grid within distance < r of (px, py) but not within < skip_r, appended to buf[n:] while it
    has room; returns the new n (counting those that found no room: the caller grows buf and scans again)."""
    k = int(math.ceil(r / cell))
    cx = int(math.floor((px - x0) / cell)); cy = int(math.floor((py - y0) / cell))
    for gy in range(max(cy - k, 0), min(cy + k, ny - 1) + 1):
        for gx in range(max(cx - k, 0), min(cx + k, nx - 1) + 1):
            c = gx + nx * gy
            for q in range(start[c], start[c + 1]):
                dx = px - gxy[q, 0]; dy = py - gxy[q, 1]
                d2 = dx * dx + dy * dy
                if d2 < r * r and not d2 < skip_r * skip_r:
                    if n < buf.shape[0]:
                        buf[n] = order[q]
                    n += 1
    return n


@njit(cache=True, inline="always")
def _isort(keys, vals, n):
    """Sort keys[:n] ascending, carrying vals[:n] along (they may be the same array); stable. Insertion sort: the
    lists are a few dozen long at most, where it beats any allocation."""
    for a in range(1, n):
        k = keys[a]; x = vals[a]
        b = a - 1
        while b >= 0 and keys[b] > k:
            keys[b + 1] = keys[b]; vals[b + 1] = vals[b]
            b -= 1
        keys[b + 1] = k; vals[b + 1] = x


@njit(cache=True, parallel=True)
def water_kernel(todo, far_nearest, hxy, hd, hz, sxy, sd, sz, s_piped, s_guar, g1, g2, R, piped_reach, rule,
                 step, f, lbf, e, inv, pick, straight_o, vert_o, out_o, back_o, codes, mask, ncand, need_far):
    """For subjects `todo`: the named source and its figures (see water.compute). g1: grid of every source (cell
    about R); g2: grid of piped sources (cell about piped_reach; its order holds source indices). rule: the rule
    set compiled (water_judge.CompiledRule); lbf: the least round trip per metre. far_nearest[s]: the nearest source
    anywhere, for subjects with none within R (−1: not known yet, then need_far[s] is set and the subject left for
    a second call)."""
    x1, y1, c1, nx1, ny1, o1, st1, xy1 = g1
    x2, y2, c2, nx2, ny2, o2, st2, xy2 = g2
    ia, ib, ic, id_, ie, if_ = inv[0], inv[1], inv[2], inv[3], inv[4], inv[5]
    nc_ = rule[0].shape[0]  # clauses
    untimed = walk_bits(np.full(5, np.nan), rule)  # the round-trip clauses of a pair whose time is not walked
    B = 512  # subjects per block: scratch arrays are allocated per block, not per subject
    for blk in prange((todo.shape[0] + B - 1) // B):
        cap = 64
        cand = np.empty(cap, np.int64); d = np.empty(cap); v = np.empty(cap); lb = np.empty(cap)
        tout = np.empty(cap); tback = np.empty(cap); ci = np.empty(cap, np.int64); keys = np.empty(cap)
        piped = np.empty(cap, np.bool_); core = np.empty(cap, np.bool_)
        holds = np.empty(cap, np.int64); fails = np.empty(cap, np.int64)
        fig = np.empty(5)
        t = blk * B
        while t < min((blk + 1) * B, todo.shape[0]):
            s = todo[t]
            px, py = hxy[s, 0], hxy[s, 1]
            n = _scan(px, py, R, x1, y1, c1, nx1, ny1, o1, st1, xy1, 0.0, cand, 0)
            if n == 0 and far_nearest[s] < 0:
                need_far[s] = True
                t += 1
                continue
            near = -1
            best_d2 = np.inf
            for q in range(min(n, cap)):  # the nearest within R (the lowest index among equals)
                dx = px - sxy[cand[q], 0]; dy = py - sxy[cand[q], 1]
                d2 = dx * dx + dy * dy
                if d2 < best_d2 or (d2 == best_d2 and cand[q] < near):
                    best_d2 = d2; near = cand[q]
            n = _scan(px, py, piped_reach, x2, y2, c2, nx2, ny2, o2, st2, xy2, R, cand, n)
            if near < 0:
                near = far_nearest[s]
                dup = False
                for q in range(min(n, cap)):
                    dup = dup or cand[q] == near
                if not dup:
                    if n < cap:
                        cand[n] = near
                    n += 1
            ncand[s] = n
            if n > cap:  # it did not fit: grow the scratch and do this subject again
                cap = 2 * n
                cand = np.empty(cap, np.int64); d = np.empty(cap); v = np.empty(cap); lb = np.empty(cap)
                tout = np.empty(cap); tback = np.empty(cap); ci = np.empty(cap, np.int64); keys = np.empty(cap)
                piped = np.empty(cap, np.bool_); core = np.empty(cap, np.bool_)
                holds = np.empty(cap, np.int64); fails = np.empty(cap, np.int64)
                continue
            _isort(cand, cand, n)  # pairs in source order, as candidate_pairs lists them (ties in choose go to the first)
            # Per pair: the figures known without a route and their clauses (every clause but those of the round
            # trip), and whether the pair may pass with the least round trip (water_judge.could_pass).
            for q in range(n):
                tout[q] = np.nan; tback[q] = np.nan
                j = cand[q]
                d[q] = math.hypot(px - sxy[j, 0], py - sxy[j, 1])
                v[q] = abs(hz[s] - sz[j])
                lb[q] = d[q] * lbf
                piped[q] = _piped_within(s_piped[j], d[q], piped_reach)
                figures(fig, d[q], v[q], lb[q], s_guar[j], piped[q])
                holds[q], fails[q] = known_bits(fig, rule)
                th, tf = walk_bits(fig, rule)
                core[q] = combine(holds[q] | th, fails[q] | tf, rule)[0] == T
            # Times of the pairs that may pass in order of their lower bound, while it can beat the best passing time.
            nc = 0
            for q in range(n):
                if core[q]:
                    ci[nc] = q
                    keys[nc] = lb[q]
                    nc += 1
            _isort(keys, ci, nc)  # stable, as the mergesort of the array path
            best = np.inf
            for c in range(nc):
                q = ci[c]
                if not (lb[q] < best):
                    break
                j = cand[q]
                a, b = _leg(hd[s, 0], hd[s, 1], sd[j, 0], sd[j, 1], d[q], step, hz[s], sz[j], True, True,
                            e, ia, ib, ic, id_, ie, if_)
                tout[q] = a; tback[q] = b / f
                rt = tout[q] + tback[q]
                # a passing pair of unknown time ranks after every known one (naming_score): it stops no search
                if rt < best:
                    fig[ROUND_TRIP] = rt
                    th, tf = walk_bits(fig, rule)
                    if combine(holds[q] | th, fails[q] | tf, rule)[0] == T:
                        best = rt
            if not np.isfinite(best):
                for q in range(n):
                    if cand[q] == near and np.isnan(tout[q]):
                        j = cand[q]
                        a, b = _leg(hd[s, 0], hd[s, 1], sd[j, 0], sd[j, 1], d[q], step, hz[s], sz[j], True, True,
                                    e, ia, ib, ic, id_, ie, if_)
                        tout[q] = a; tback[q] = b / f
            # The pair named by naming_score (as water_pairs.choose does over pair arrays): only a pair that may
            # pass can pass, so the others rank as the nearest or the rest whatever their clauses.
            best_score = np.inf
            pq = -1
            for q in range(n):
                rt = tout[q] + tback[q]
                comp = F
                if core[q]:
                    fig[ROUND_TRIP] = rt
                    th, tf = untimed if np.isnan(rt) else walk_bits(fig, rule)
                    comp = combine(holds[q] | th, fails[q] | tf, rule)[0]
                score = naming_score(comp, rt, cand[q] == near, d[q])
                if score < best_score:
                    best_score = score; pq = q
            j = cand[pq]
            pick[s] = j
            straight_o[s] = d[pq]; vert_o[s] = v[pq]; out_o[s] = tout[pq]; back_o[s] = tback[pq]
            figures(fig, d[pq], v[pq], tout[pq] + tback[pq], s_guar[j], piped[pq])
            codes[s, nc_], mask[s] = judge_pair(fig, rule, codes[s, :nc_])
            t += 1


def check(hp: Points, sp: Points, piped_src: np.ndarray, guarantee: np.ndarray, terrain: Terrain,
          rules: RuleSet) -> Picked:
    """The straight-basis water check of subjects hp against sources sp."""
    n = len(hp.xy)
    R = float(rules.search_radius_m())
    reach = float(rules.piped_reach_m)
    pick = np.full(n, -1, np.int64)
    straight = np.full(n, np.nan); vert = np.full(n, np.nan)
    out = np.full(n, np.nan); back = np.full(n, np.nan)
    codes = np.tile(no_source_codes(), (n, 1))
    mask = np.full(n, NO_SOURCE, np.int16)
    ncand = np.zeros(n, np.int64)
    if n == 0 or len(sp.xy) == 0:
        return Picked(pick, straight, straight, np.zeros(n, bool), vert, out, back, codes, mask, ncand)
    sxy = _arr(sp.xy, float)
    g1 = Grid.of(sxy, R)
    piped_idx = np.flatnonzero(piped_src)
    g2 = Grid.of(sxy[piped_idx], reach)
    g2.order = piped_idx[g2.order] if len(piped_idx) else g2.order
    if len(piped_idx) == 0:
        reach = 0.0
    if terrain.dem is not None:
        e, inv = terrain.dem.elevation, np.array(tuple(~terrain.dem.transform)[:6], dtype=float)
    else:
        e, inv = np.full((1, 1), np.nan), np.array([1.0, 0, 0, 0, 1.0, 0])
    far = np.full(n, -1, np.int64)
    need_far = np.zeros(n, np.bool_)
    args = (_arr(hp.xy, float), _arr(hp.d, float), _arr(hp.z, float),
            sxy, _arr(sp.d, float), _arr(sp.z, float),
            _arr(piped_src, np.bool_), _arr(guarantee, float),
            _tup(g1), _tup(g2), R, reach, CompiledRule.of(rules).args(), float(terrain.step(rules.profile_step_m)),
            float(rules.loaded_speed_factor), least_round_trip_min_per_m(rules.loaded_speed_factor),
            _arr(e, float), inv, pick, straight, vert, out, back, codes, mask, ncand, need_far)
    # Subjects in grid-cell order: neighbours share sources and DEM tiles in the cache (ids follow no geography).
    cells = ((hp.xy[:, 1] - g1.y0) // g1.cell) * (g1.nx + 1.0) + (hp.xy[:, 0] - g1.x0) // g1.cell
    water_kernel(np.argsort(cells, kind="stable"), far, *args)
    left = np.flatnonzero(need_far)
    if len(left):  # no source within the radius: the nearest one anywhere is named
        _, far[left] = cKDTree(sxy).query(hp.xy[left], k=1, workers=-1)
        water_kernel(left, far, *args)
    return Picked(pick, straight, straight, np.zeros(n, bool), vert, out, back, codes, mask, ncand)


def _tup(g: Grid) -> tuple:
    return (g.x0, g.y0, g.cell, g.nx, g.ny, _arr(g.order, np.int64), _arr(g.start, np.int64),
            _arr(g.xy, float))


def warm() -> None:
    """Load the water check's compiled code from numba's cache, or compile it (~20 s, once per install): this pass
    on two points, and the judging and naming over pair arrays (water_judge) on one pair."""
    from .rules import SCHEMA
    terrain = Terrain(None, 4326)
    rules = RuleSet("warm-up", 0, {k: default for k, (_t, default, _lo, _hi) in SCHEMA.items()})
    xy = np.array([[0.0, 0.0], [5000.0, 0.0]])
    check(Points.of(xy, terrain), Points.of(xy[:1] + 10.0, terrain), np.array([True]), np.array([np.nan]),
          terrain, rules)
    one = np.zeros(1)
    judge_figures(one, one, one, one, np.zeros(1, bool), rules)
    naming_scores(np.zeros(1, np.int8), one, np.zeros(1, bool), one)
