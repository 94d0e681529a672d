"""Water-fetch check: for every household (or natural village), the sources within reach, their distance, climb and
walking time, the clauses of the rule set in three-valued logic, and the source named; results into water_results.

The array functions (`candidate_pairs`, `fetch_metrics`, `judge`, `choose`) work on plain numpy arrays in the
metric frame, so other planners (emergency supply points, say) can reuse them without the tables. On the straight
basis compute() runs straight.check instead: the same answers in one compiled pass per subject, no pair arrays."""
from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from pgpq import ArrowToPostgresBinaryEncoder
from scipy.spatial import cKDTree

from ..terrain import load_dem
from . import network as netmod
from . import water_rule
from .codes import F, T, U  # three-valued logic as small integers (AND is min, OR is max)
from .rules import RuleSet
from .straight import Picked, check as straight_check
from .tobler import least_round_trip_min_per_m
from .walking import Terrain, leg_times
from .water_judge import MASK_NAMES, NO_SOURCE as MASK_NO_SOURCE, Judgement, could_pass, is_piped, judge, no_source_codes

SQL = Path(__file__).resolve().parent / "sql"
RESULT_COLUMNS = ["subject", "subject_id", "natural_village_id", "people", "source_id", "horizontal_m",
                  "vertical_m", "round_trip_min", "distance_basis", "horizontal_ok", "vertical_ok", "time_ok",
                  "piped", "compliant", "failed_clauses"]


def tv(ok: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Booleans with a known-mask as three-valued codes: 1 + known·(2·ok − 1), in place on int8 (no temporaries
    of int64 over millions of pairs)."""
    c = np.asarray(ok, dtype=bool).astype(np.int8)
    c *= 2
    c -= 1
    c *= np.asarray(known, dtype=bool)
    c += 1
    return c


def tv_to_object(a: np.ndarray) -> np.ndarray:
    """Three-valued codes as True / False / None."""
    out = np.full(len(a), None, dtype=object)
    out[a == T] = True
    out[a == F] = False
    return out


# ---------------------------------------------------------------------------------------------- array functions

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
class Points:
    """Points in the metric frame with their DEM-frame coordinates and elevations."""

    xy: np.ndarray
    d: np.ndarray
    z: np.ndarray

    @classmethod
    def of(cls, xy: np.ndarray, terrain: Terrain) -> "Points":
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        dx, dy = terrain.to_dem(xy[:, 0], xy[:, 1])
        d = np.column_stack([dx, dy])
        return cls(xy, d, terrain.z(dx, dy))


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


@dataclass
class Metrics:
    """Fetch metrics of many (subject, source) pairs."""

    straight_m: np.ndarray
    horizontal_m: np.ndarray   # NaN where it cannot be measured on the basis asked for
    vertical_m: np.ndarray     # NaN where either end has no elevation
    out_min: np.ndarray        # out empty
    back_min: np.ndarray       # back loaded
    network: np.ndarray        # bool: measured along the network

    @property
    def round_trip_min(self) -> np.ndarray:
        return self.out_min + self.back_min


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


def lower_bound_round_trip(straight_m: np.ndarray, loaded_speed_factor: float) -> np.ndarray:
    """No route is walked faster than Tobler's ceiling: a lower bound on the round trip over a straight distance."""
    return straight_m * least_round_trip_min_per_m(loaded_speed_factor)


def choose(i: np.ndarray, n_subjects: int, compliant: np.ndarray, round_trip: np.ndarray,
           straight: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """Index of the pair named for each subject (−1 where it has none): the compliant pair with the least time,
    else the nearest source (straight line). `i` must be sorted (candidate_pairs returns it so)."""
    pick = np.full(n_subjects, -1, dtype=np.int64)
    if len(i) == 0:
        return pick
    ok = compliant == T
    # One score per pair, lower is better: compliant pairs by time (below 1e11), then the nearest pair, then the
    # rest; a tiny share of the distance breaks ties towards the nearer source.
    rt = np.where(np.isfinite(round_trip), round_trip, 1e10)
    score = np.where(ok, rt, np.where(nearest, 1e11, 2e11)) + straight * 1e-9
    start = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
    best = np.minimum.reduceat(score, start)
    group = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(i)]))
    hit = np.flatnonzero(score == best[group])
    first = np.r_[True, group[hit][1:] != group[hit][:-1]]
    pick[i[start]] = hit[first]
    return pick


# ---------------------------------------------------------------------------------------------- the check

def _metric_srid(conn) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT value::int FROM meta WHERE key = 'metric_srid'")
        row = cur.fetchone()
    return row[0] if row else None


_DEM_CACHE: dict = {}


def terrain_for(conn) -> Terrain:
    """The DEM as Terrain in the metric frame, decoded once per import (cached by its import time)."""
    srid = _metric_srid(conn) or 4326
    with conn.cursor() as cur:
        cur.execute("SELECT imported_at FROM dem WHERE id = 1")
        row = cur.fetchone()
    key = (conn.dsn, row[0] if row else None, srid)
    if key not in _DEM_CACHE:
        _DEM_CACHE.clear()
        _DEM_CACHE[key] = Terrain(load_dem(conn) if row else None, srid)
    return _DEM_CACHE[key]


def uses_households(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM households)")
        return bool(cur.fetchone()[0])


def result_label(rules: RuleSet) -> str:
    """The rule_set column of results: the name, with any overrides, so a what-if run never poses as the rule set."""
    if not rules.overrides:
        return rules.name
    return rules.name + "?" + "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                                       for k, v in sorted(rules.overrides.items()))


@dataclass
class WaterRun:
    """What a water check computed: one row per subject (the contract columns plus detail), and timings."""

    rows: pd.DataFrame
    timings: dict[str, float]
    rules: RuleSet


def compute(conn, rules: RuleSet, subject_ids: list[str] | None = None, *, terrain: Terrain | None = None,
            households: bool | None = None) -> WaterRun:
    """Run the water check over every subject (or only `subject_ids`) without writing anything."""
    tm: dict[str, float] = {}
    t0 = time.perf_counter()
    use_h = uses_households(conn) if households is None else households
    subj = _fetch_copy(conn, (SQL / ("water_subjects.sql" if subject_ids is None else "water_subjects_some.sql"))
                       .read_text(), {"use_households": use_h, "ids": subject_ids},
                       {"subject": str, "subject_id": str, "natural_village_id": str, "people": "Int64",
                        "x": float, "y": float})
    srid = _metric_srid(conn)
    R = rules.search_radius_m()
    wide = max(R, rules.piped_reach_m)
    bbox = None
    if subject_ids is not None and len(subj):
        bbox = tuple(float(v) for v in (subj.x.min(), subj.y.min(), subj.x.max(), subj.y.max()))
    src = _fetch_copy(conn, (SQL / ("water_sources.sql" if bbox is None else "water_sources_near.sql")).read_text(), {
        "dry_season": rules.dry_season, "has_bbox": bbox is not None, "radius": float(wide), "srid": srid or 0,
        "x0": bbox[0] if bbox else 0, "y0": bbox[1] if bbox else 0, "x1": bbox[2] if bbox else 0,
        "y1": bbox[3] if bbox else 0, "nearest_for": list(subj.subject_id) if bbox else [],
        "use_households": use_h}, {"id": str, "piped_to_home": str, "guarantee_rate": float, "x": float, "y": float})
    src["piped_to_home"] = src.piped_to_home.eq("t")
    tm["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    terrain = terrain or terrain_for(conn)
    hp = Points.of(subj[["x", "y"]].to_numpy(float), terrain)
    sp = Points.of(src[["x", "y"]].to_numpy(float), terrain)
    piped_src = src.piped_to_home.to_numpy(bool)
    tm["points"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    ctx = None
    if rules.distance_basis != "straight" and len(subj) and len(src):
        pad = rules.network_search_m
        allxy = np.vstack([hp.xy, sp.xy])
        box = (*(allxy.min(axis=0) - pad), *(allxy.max(axis=0) + pad)) if subject_ids is not None else None
        ids, lines = netmod.load_roads(conn, bbox=box)
        net = netmod.build_network(ids, lines, terrain, terrain.step(rules.profile_step_m))
        if net is not None:
            ctx = NetworkContext.of(net, hp, sp, terrain, rules.network_snap_m, terrain.step(rules.profile_step_m))
    tm["network"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    guarantee_src = src.guarantee_rate.to_numpy(float, na_value=np.nan)
    if rules.distance_basis == "straight":  # the common case: one compiled pass per subject, no pair arrays
        pk = straight_check(hp, sp, piped_src, guarantee_src, terrain, rules)
    else:
        pk = _check_pairs(hp, sp, piped_src, guarantee_src, terrain, rules, ctx)
    tm["metrics"] = time.perf_counter() - t3
    rows = _rows(subj, src, pk, hp, sp)
    tm["compute"] = time.perf_counter() - t0
    return WaterRun(rows, tm, rules)


def _check_pairs(hp: Points, sp: Points, piped_src: np.ndarray, guarantee_src: np.ndarray, terrain: Terrain,
                 rules: RuleSet, ctx: NetworkContext | None, lazy: bool = False) -> Picked:
    """The water check over explicit pair arrays (any basis): candidate_pairs, fetch_metrics, judge, choose.
    lazy (straight basis only): walking times only where they can change the answer (_times_by_rounds)."""
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


def _picked(n: int, i, j, pick, m: Metrics, jd: Judgement) -> Picked:
    """The named pair of each subject as per-subject arrays."""
    has = pick >= 0
    p = np.where(has, pick, 0)
    P = len(i)

    def at(a):
        return np.where(has, np.asarray(a)[p], np.nan) if P else np.full(n, np.nan)

    codes = np.tile(no_source_codes(), (n, 1))  # no source that counts anywhere: nothing to fetch from
    mask = np.full(n, MASK_NO_SOURCE, np.int16)
    if P:
        named = np.column_stack([*jd.clauses.values(), jd.compliant])[p]
        codes[has] = named[has]
        mask[has] = jd.failed_mask[p][has]
    return Picked(np.where(has, j[p] if P else -1, -1), at(m.straight_m), at(m.horizontal_m),
                  np.where(has, m.network[p] if P else False, False), at(m.vertical_m), at(m.out_min),
                  at(m.back_min), codes, mask, np.bincount(i, minlength=n) if P else np.zeros(n, np.int64))


def _times_by_rounds(hp, sp, i, j, m: Metrics, core, nearest, piped, guarantee, terrain, rules: RuleSet) -> None:
    """Walking times of straight legs, only where they can change the answer: each subject's candidates in order of
    the lower bound on their time, skipping those whose bound is no better than a compliant time already found;
    then the nearest source of the subjects left with no compliant one."""
    f, step = rules.loaded_speed_factor, terrain.step(rules.profile_step_m)
    cand = np.nonzero(core)[0]
    lb = lower_bound_round_trip(m.straight_m[cand], f)
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
        ok = judge(sub, piped[k], guarantee[k], rules).compliant == T
        np.minimum.at(best, i[k][ok], sub.round_trip_min[ok])
    rest = np.nonzero(nearest & ~np.isfinite(best[i]) & np.isnan(m.out_min))[0]
    straight_times(hp, sp, i, j, rest, m.straight_m, m.out_min, m.back_min, terrain, step, f)


def _fetch(conn, sql: str, params: dict) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


_ARROW_TYPES = {str: pa.string(), float: pa.float64(), "Int64": pa.int64()}


def _fetch_copy(conn, sql: str, params: dict, dtypes: dict) -> pd.DataFrame:
    """A big query through COPY … TO STDOUT and Arrow's threaded CSV reader: several times faster than fetchall().
    An unquoted empty field is NULL, a quoted one the empty string, as COPY writes them."""
    with conn.cursor() as cur:
        query = cur.mogrify(sql, params).decode()
        buf = io.BytesIO()
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", buf)
    buf.seek(0)
    table = pacsv.read_csv(buf, convert_options=pacsv.ConvertOptions(
        column_types={k: _ARROW_TYPES[v] for k, v in dtypes.items()}, null_values=[""],
        strings_can_be_null=True, quoted_strings_can_be_null=False))
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


REBUILD_INDEXES_MIN_ROWS = 50_000  # a write this big, and at least as big as the table, rebuilds the indexes


def _rows(subj, src, pk: Picked, hp: Points, sp: Points) -> pd.DataFrame:
    n = len(subj)
    has = pk.source_row >= 0
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
    rate = src.guarantee_rate.to_numpy(float, na_value=np.nan)
    out["guarantee_rate"] = np.where(has, rate[np.where(has, pk.source_row, 0)] if len(src) else np.nan, np.nan)
    out["subject_elevation_m"] = hp.z
    out["source_elevation_m"] = np.where(has, sp.z[np.where(has, pk.source_row, 0)] if len(src) else np.nan, np.nan)
    out["x"] = hp.xy[:, 0]; out["y"] = hp.xy[:, 1]
    out["candidates"] = pk.candidates
    return out


def _arrow_results(label: str, version: int, rows: pd.DataFrame) -> pa.Table:
    """Results as an Arrow table whose types are exactly water_results' (binary COPY does not cast)."""
    def text(col):
        return pa.array(col, type=pa.string(), from_pandas=True)

    def float8(col):
        a = col.to_numpy(float, na_value=np.nan)
        return pa.array(a, mask=np.isnan(a))

    def boolean(code):  # three-valued codes: 2 true, 1 unknown (NULL), 0 false
        c = code.to_numpy()
        return pa.array(c == T, mask=c == U)

    n = len(rows)
    basis = rows.distance_basis.cat.codes.to_numpy()
    return pa.table({
        "rule_set": pa.array(np.full(n, label, dtype=object), pa.string()),
        "rule_version": pa.array(np.full(n, version, dtype=np.int32)),
        "subject": text(rows.subject), "subject_id": text(rows.subject_id),
        "natural_village_id": text(rows.natural_village_id),
        "people": pa.array(rows.people.astype("Int32").array),
        "source_id": text(rows.source_id),
        "horizontal_m": float8(rows.horizontal_m), "vertical_m": float8(rows.vertical_m),
        "round_trip_min": float8(rows.round_trip_min),
        "distance_basis": pa.array(np.array(["straight", "network"], dtype=object)[np.maximum(basis, 0)],
                                   pa.string(), mask=basis < 0),
        **{c: boolean(rows[c + "_code"]) for c in ("horizontal_ok", "vertical_ok", "time_ok", "piped", "compliant")},
        # each mask's list encoded once and taken by mask
        "failed_clauses": _FAILED_ARROW.take(pa.array(rows.failed_mask.to_numpy().astype(np.int32))),
    })


_FAILED_ARROW = pa.array(MASK_NAMES, pa.list_(pa.string()))


def _copy_results(cur, label: str, version: int, rows: pd.DataFrame) -> None:
    """Rows into water_results by binary COPY, encoded from Arrow by pgpq: no text to format or parse, and the
    server's multi-row insert path (an INSERT … SELECT inserts row by row, twice as slow at a million)."""
    table = _arrow_results(label, version, rows)
    enc = ArrowToPostgresBinaryEncoder(table.schema)
    buf = io.BytesIO()
    buf.write(enc.write_header())
    for batch in table.to_batches(max_chunksize=100_000):
        buf.write(enc.write_batch(batch))
    buf.write(enc.finish())
    buf.seek(0)
    cur.copy_expert(f"COPY water_results ({', '.join(table.column_names)}) FROM STDIN (FORMAT binary)", buf)


def _write_whole(cur, label: str, version: int, rows: pd.DataFrame) -> None:
    """A whole rule set's results; a write this big, and at least as big as the table, rebuilds the indexes."""
    cur.execute("SELECT count(*) FROM water_results")
    rebuild = len(rows) >= REBUILD_INDEXES_MIN_ROWS and len(rows) >= cur.fetchone()[0]
    restore = _drop_indexes(cur) if rebuild else []
    _copy_results(cur, label, version, rows)
    for ddl in restore:
        cur.execute(ddl)
    if rebuild:
        # The table is new from end to end: without fresh statistics the next status changes' queries are planned
        # for the old table until autovacuum catches up (county: median 122 ms instead of 52 ms right after).
        cur.execute("ANALYZE water_results")


def _drop_indexes(cur) -> list[str]:
    """Drop water_results' indexes (primary key included) inside the transaction and return the DDL that puts
    them back: building an index once over a million rows is several times quicker than growing it row by row.
    Readers wait for the commit (the table is locked), then see the new results whole."""
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cur.execute("""SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                   WHERE c.conrelid = 'water_results'::regclass AND c.contype IN ('p', 'u')""")
    cons = cur.fetchall()
    cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.schemaname = current_schema() AND i.tablename = 'water_results'
                     AND i.indexname NOT IN (SELECT conname FROM pg_constraint
                                             WHERE conrelid = 'water_results'::regclass)""")
    idx = cur.fetchall()
    for name, _ in cons:
        cur.execute(f'ALTER TABLE water_results DROP CONSTRAINT "{name}"')
    for name, _ in idx:
        cur.execute(f'DROP INDEX "{name}"')
    return ([f'ALTER TABLE water_results ADD CONSTRAINT "{name}" {d}' for name, d in cons]
            + [d for _, d in idx])


def _labels(cur) -> set[str]:
    """The result labels stored in water_results."""
    cur.execute((SQL / "water_labels.sql").read_text())
    return {r[0] for r in cur.fetchall()}


def write(conn, run: WaterRun, *, only_subjects: bool = False) -> int:
    """Replace the rule set's results (or only the rows of the subjects in `run`) with `run`."""
    label = result_label(run.rules)
    rows = run.rows
    with conn.cursor() as cur:
        if only_subjects:
            for subject, ids in rows.groupby("subject").subject_id:
                cur.execute("DELETE FROM water_results WHERE rule_set = %s AND subject = %s AND subject_id = ANY(%s)",
                            (label, subject, list(ids)))
        elif _labels(cur) <= {label}:
            # Only this rule set's results are stored: emptied at once, rather than leaving a million dead rows
            # that the index builds below would still have to read (they double the write's time).
            cur.execute("TRUNCATE water_results")
        else:
            cur.execute("DELETE FROM water_results WHERE rule_set = %s", (label,))
        if rows.empty:
            return 0
        if only_subjects:
            _copy_results(cur, label, run.rules.version, rows)
        else:
            _write_whole(cur, label, run.rules.version, rows)
    return len(rows)


def check_water(conn, rules: RuleSet) -> WaterRun:
    """Run the full check and replace the rule set's results, in the caller's transaction."""
    run = compute(conn, rules)
    t = time.perf_counter()
    write(conn, run)
    run.timings["write"] = time.perf_counter() - t
    return run


# ---------------------------------------------------------------------------------------------- one source changes

STATUSES = ("working", "seasonal", "failed", "contaminated")


def parse_label(label: str) -> tuple[str, dict[str, str]]:
    """A results label back into the rule set name and its overrides."""
    name, _, q = label.partition("?")
    return name, dict(p.split("=", 1) for p in q.split("&") if "=" in p)


def set_source_status(conn, source_id: str, status: str) -> dict:
    """Change one source's status and recompute, for every rule set with results, only the subjects within reach
    of it; in the caller's transaction. Returns what was done: labels, subjects recomputed, milliseconds."""
    from .rules import load_rules
    if status not in STATUSES:
        raise ValueError(f"status {status!r}: expected one of {', '.join(STATUSES)}")
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("UPDATE water_sources SET status = %s WHERE id = %s RETURNING piped_to_home",
                    (status, source_id))
        row = cur.fetchone()
        if row is None:
            raise LookupError(f"no water source {source_id!r}")
        is_piped = bool(row[0])
        labels = sorted(_labels(cur))
    use_h = uses_households(conn)
    done = {}
    for label in labels:
        name, overrides = parse_label(label)
        try:
            rules = load_rules(conn, name, overrides)
        except ValueError:
            continue  # a rule set since removed: its results stay as they were
        available = status == "working" or (status == "seasonal" and not rules.dry_season)
        ids = [r[0] for r in _fetch(conn, (SQL / "water_affected.sql").read_text(), {
            "source_id": source_id, "label": label, "radius": float(max(rules.search_radius_m(), rules.piped_reach_m if is_piped else 0.0)),
            "use_households": use_h, "becomes_available": available}).itertuples(index=False)]
        if ids:
            run = compute(conn, rules, ids, households=use_h)
            write(conn, run, only_subjects=True)
        done[label] = len(ids)
    return {"source_id": source_id, "status": status, "recomputed": done,
            "ms": round((time.perf_counter() - t0) * 1000.0, 1)}
