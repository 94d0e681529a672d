"""The water check over explicit pair arrays, any distance basis: candidates, figures, judgement, the source named.

Plain numpy arrays in the metric frame, so that the planners (waterplan) measure and judge their own points with
the check's own functions. Walking times only where they can matter (water_judge.could_pass, and the nearest)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from . import network as netmod
from .codes import T
from .rules import RuleSet
from .tobler import least_round_trip_min_per_m
from .walking import Terrain, leg_times
from .water_arrays import Metrics, Picked, Points
from .water_judge import NO_SOURCE, Judgement, could_pass, is_piped, judge, naming_scores, no_source_codes


def _radius_pairs(tree: cKDTree, xy: np.ndarray, radius_m: float,
                  k: int = 32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (point, tree item) pairs within radius_m: k-nearest queries bounded by the radius (fast, parallel, dense),
    widened for the points whose k-th neighbour is still inside the radius, so that nothing within it is missed.
    Also each point's nearest item within the radius (−1 where none)."""
    n_items = tree.n
    ii, jj = [], []
    nearest = np.full(len(xy), -1, dtype=np.int64)
    todo = np.arange(len(xy))
    while len(todo):
        kk = min(k, n_items)
        d, j = tree.query(xy[todo], k=kk, distance_upper_bound=radius_m, workers=-1)
        d = d.reshape(len(todo), kk); j = j.reshape(len(todo), kk)
        hit = np.isfinite(d)
        nearest[todo[hit[:, 0]]] = j[hit[:, 0], 0]
        full = hit[:, -1] if kk < n_items else np.zeros(len(todo), dtype=bool)
        done = ~full
        r, c = np.nonzero(hit & done[:, None])
        ii.append(todo[r]); jj.append(j[r, c])
        todo = todo[full]
        k *= 4
    e = np.zeros(0, np.int64)
    return (np.concatenate(ii) if ii else e), (np.concatenate(jj) if jj else e), nearest


def candidate_pairs(subj_xy: np.ndarray, src_xy: np.ndarray, radius_m: float,
                    extra: list[tuple[np.ndarray, float]] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (subject, source) pair within `radius_m` in a straight line (a radius search, not k-nearest), plus each
    subject's nearest source, plus pairs within a larger radius for given subsets of sources (`extra`: (source
    index array, radius)). Returns (i, j, nearest_flag), unique pairs sorted by subject."""
    if len(subj_xy) == 0 or len(src_xy) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0, dtype=bool)
    ts = cKDTree(src_xy)
    i0, j0, near = _radius_pairs(ts, subj_xy, radius_m)
    parts_i, parts_j = [i0], [j0]
    for idx, r in extra:
        if len(idx):
            i2, j2, _ = _radius_pairs(cKDTree(src_xy[idx]), subj_xy, r)
            parts_i.append(i2); parts_j.append(idx[j2])
    far = np.flatnonzero(near < 0)  # no source within the radius: the nearest one anywhere
    if len(far):
        _, near[far] = ts.query(subj_xy[far], k=1, workers=-1)
        parts_i.append(far); parts_j.append(near[far])
    key = np.concatenate(parts_i).astype(np.int64) * len(src_xy) + np.concatenate(parts_j)
    key.sort()  # a sort and a diff: far faster than np.unique's hashing on millions of pairs
    key = key[np.r_[True, key[1:] != key[:-1]]]
    i, j = key // len(src_xy), key % len(src_xy)
    return i, j, near[i] == j


@dataclass
class NetworkContext:
    """A network with both point sets attached, ready for pair queries."""

    net: netmod.Network
    H: netmod.Attachment
    S: netmod.Attachment
    h_access: tuple[np.ndarray, np.ndarray]
    s_access: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, net: netmod.Network, hp: Points, sp: Points, terrain: Terrain, snap_m: float, step_m: float):
        H = netmod.attach(net, hp.xy, snap_m, terrain)
        S = netmod.attach(net, sp.xy, snap_m, terrain)
        return cls(net, H, S, netmod.access_times(terrain, hp.d, hp.z, H, hp.xy, step_m),
                   netmod.access_times(terrain, sp.d, sp.z, S, sp.xy, step_m))


def fetch_metrics(hp: Points, sp: Points, i: np.ndarray, j: np.ndarray, terrain: Terrain, *, basis: str,
                  loaded_speed_factor: float, step_m: float, search_m: float,
                  ctx: NetworkContext | None = None, need_time: np.ndarray | None = None) -> Metrics:
    """Horizontal distance, climb and round-trip time for pairs (hp[i], sp[j]).

    basis: 'straight'; 'network' (NaN where the network does not link both ends); 'auto' (network where it links
    both ends, else straight). Time is Tobler's function over the DEM profile of the route, out unloaded and back at
    `loaded_speed_factor`. need_time: mask of pairs whose time matters (others get NaN, to save work)."""
    P = len(i)
    straight = np.hypot(*(hp.xy[i] - sp.xy[j]).T) if P else np.zeros(0)
    vertical = np.abs(hp.z[i] - sp.z[j])
    horizontal = np.full(P, np.nan)
    out = np.full(P, np.nan); back = np.full(P, np.nan)
    on_net = np.zeros(P, dtype=bool)
    if basis == "straight":  # the common case, without the masks below (millions of pairs)
        horizontal = straight.copy()
        s = np.arange(P) if need_time is None else np.flatnonzero(need_time)
        straight_times(hp, sp, i, j, s, straight, out, back, terrain, step_m, loaded_speed_factor)
        return Metrics(straight, horizontal, vertical, out, back, on_net)
    need = np.ones(P, dtype=bool) if need_time is None else need_time
    if basis != "straight" and ctx is not None and P:
        att = ctx.H.on[i] & ctx.S.on[j]
        k = np.nonzero(att)[0]
        d, to, tb = netmod.pair_metrics(ctx.net, ctx.H, ctx.S, i[k], j[k], ctx.h_access, ctx.s_access, search_m)
        reach = np.isfinite(d)
        kk = k[reach]
        on_net[kk] = True
        horizontal[kk] = d[reach]
        out[kk] = to[reach]
        back[kk] = tb[reach] / loaded_speed_factor
    use_straight = ~on_net if basis in ("straight", "auto") else np.zeros(P, dtype=bool)
    horizontal[use_straight] = straight[use_straight]
    s = np.nonzero(use_straight & need)[0]
    straight_times(hp, sp, i, j, s, straight, out, back, terrain, step_m, loaded_speed_factor)
    if need_time is not None:
        out[~need] = np.nan; back[~need] = np.nan
    # With basis 'network' every pair is measured on the network, even where it cannot be (then it is unknown).
    return Metrics(straight, horizontal, vertical, out, back, on_net | (basis == "network"))


def straight_times(hp: Points, sp: Points, i: np.ndarray, j: np.ndarray, idx: np.ndarray, straight: np.ndarray,
                   out: np.ndarray, back: np.ndarray, terrain: Terrain, step_m: float, loaded_speed_factor: float,
                   max_samples: int = 4_000_000) -> None:
    """Fill out/back minutes of the straight legs of pairs `idx`, in chunks of bounded memory."""
    if len(idx) == 0:
        return
    pts = np.ceil(straight[idx] / step_m) + 2
    bounds = np.searchsorted(np.cumsum(pts), np.arange(max_samples, pts.sum() + max_samples, max_samples))
    c0 = 0
    for c1 in np.unique(np.r_[bounds + 1, len(idx)]):
        c1 = int(min(c1, len(idx)))
        if c1 <= c0:
            continue
        k = idx[c0:c1]
        t_hs, t_sh = leg_times(terrain, hp.d[i[k]], sp.d[j[k]], straight[k], step_m, hp.z[i[k]], sp.z[j[k]])
        out[k] = t_hs
        back[k] = t_sh / loaded_speed_factor
        c0 = c1


def choose(i: np.ndarray, n_subjects: int, compliant: np.ndarray, round_trip: np.ndarray,
           straight: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """Index of the pair named for each subject (−1 where it has none): the compliant pair with the least time,
    else the nearest source (straight line). `i` must be sorted (candidate_pairs returns it so)."""
    pick = np.full(n_subjects, -1, dtype=np.int64)
    if len(i) == 0:
        return pick
    score = naming_scores(np.ascontiguousarray(compliant, np.int8), np.ascontiguousarray(round_trip, np.float64),
                          np.ascontiguousarray(nearest, np.bool_), np.ascontiguousarray(straight, np.float64))
    start = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
    best = np.minimum.reduceat(score, start)
    group = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(i)]))
    hit = np.flatnonzero(score == best[group])
    first = np.r_[True, group[hit][1:] != group[hit][:-1]]
    pick[i[start]] = hit[first]
    return pick


def check_pairs(hp: Points, sp: Points, piped_src: np.ndarray, guarantee_src: np.ndarray, terrain: Terrain,
                rules: RuleSet, ctx: NetworkContext | None, lazy: bool = False) -> Picked:
    """The water check over explicit pair arrays (any basis): candidate_pairs, fetch_metrics, judge, choose.
    lazy (straight basis only): walking times only where they can change the answer, searched round by round
    (_times_by_rounds): the reference the compiled pass (straight.check) is tested equal to."""
    R = rules.search_radius_m()
    i, j, nearest = candidate_pairs(hp.xy, sp.xy, R, [(np.nonzero(piped_src)[0], rules.piped_reach_m)])
    straight = np.hypot(*(hp.xy[i] - sp.xy[j]).T) if len(i) else np.zeros(0)
    piped = is_piped(piped_src[j], straight, rules)
    guarantee = guarantee_src[j]
    # Time matters where the pair may still pass, and for the nearest (it may be named).
    core = could_pass(straight, np.abs(hp.z[i] - sp.z[j]), piped, guarantee, rules)
    need = core | nearest
    m = fetch_metrics(hp, sp, i, j, terrain, basis=rules.distance_basis,
                      loaded_speed_factor=rules.loaded_speed_factor, step_m=terrain.step(rules.profile_step_m),
                      search_m=rules.network_search_m, ctx=ctx, need_time=np.zeros(len(i), bool) if lazy else need)
    if lazy:
        _times_by_rounds(hp, sp, i, j, m, core, nearest, piped, guarantee, terrain, rules)
    jd = judge(m, piped, guarantee, rules)
    pick = choose(i, len(hp.xy), jd.compliant, m.round_trip_min, m.straight_m, nearest)
    return _picked(len(hp.xy), i, j, pick, m, jd)


def _times_by_rounds(hp, sp, i, j, m: Metrics, core, nearest, piped, guarantee, terrain, rules: RuleSet) -> None:
    """Walking times of straight legs, only where they can change the answer: each subject's candidates in order of
    the lower bound on their time, skipping those whose bound is no better than a compliant time already found;
    then the nearest source of the subjects left with no compliant time."""
    f, step = rules.loaded_speed_factor, terrain.step(rules.profile_step_m)
    cand = np.nonzero(core)[0]
    lb = m.straight_m[cand] * least_round_trip_min_per_m(f)  # no route is walked quicker
    order = np.lexsort((lb, i[cand]))
    cand, lb = cand[order], lb[order]
    first = np.ones(len(cand), dtype=bool)
    first[1:] = i[cand][1:] != i[cand][:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(cand)), 0))
    rank = np.arange(len(cand)) - start
    best = np.full(len(hp.xy), np.inf)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        sel = rank == r
        sel[sel] = lb[sel] < best[i[cand[sel]]]
        k = cand[sel]
        if len(k) == 0:
            break
        straight_times(hp, sp, i, j, k, m.straight_m, m.out_min, m.back_min, terrain, step, f)
        sub = Metrics(m.straight_m[k], m.horizontal_m[k], m.vertical_m[k], m.out_min[k], m.back_min[k], m.network[k])
        # a passing pair of unknown time ranks after every known one: it stops no search
        ok = (judge(sub, piped[k], guarantee[k], rules).compliant == T) & np.isfinite(sub.round_trip_min)
        np.minimum.at(best, i[k][ok], sub.round_trip_min[ok])
    rest = np.nonzero(nearest & ~np.isfinite(best[i]) & np.isnan(m.out_min))[0]
    straight_times(hp, sp, i, j, rest, m.straight_m, m.out_min, m.back_min, terrain, step, f)


def _picked(n: int, i, j, pick, m: Metrics, jd: Judgement) -> Picked:
    """The named pair of each subject as per-subject arrays."""
    has = pick >= 0
    p = np.where(has, pick, 0)
    P = len(i)

    def at(a):
        return np.where(has, np.asarray(a)[p], np.nan) if P else np.full(n, np.nan)

    codes = np.tile(no_source_codes(), (n, 1))  # no source that counts anywhere: nothing to fetch from
    mask = np.full(n, NO_SOURCE, np.int16)
    if P:
        named = np.column_stack([*jd.clauses.values(), jd.compliant])[p]
        codes[has] = named[has]
        mask[has] = jd.failed_mask[p][has]
    return Picked(np.where(has, j[p] if P else -1, -1), at(m.straight_m), at(m.horizontal_m),
                  np.where(has, m.network[p] if P else False, False), at(m.vertical_m), at(m.out_min),
                  at(m.back_min), codes, mask, np.bincount(i, minlength=n) if P else np.zeros(n, np.int64))
