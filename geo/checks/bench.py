"""`python -m geo bench`: synthetic county/prefecture data in a throw-away database, both checks timed against a
naive PostGIS nearest join and an in-memory k-d tree floor, printed and returned as a dict (JSON-ready)."""
from __future__ import annotations

import os
import statistics
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import psycopg2
import shapely
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from scipy.spatial import cKDTree

from .. import db, terrain
from ..settings import settings
from . import bench_e2e, roads, water
from .rules import load_rules

SRID = 4522  # CGCS2000 GK zone 34 (102°E)
X0, Y0 = 34_400_000.0, 2_600_000.0
# households, natural villages, sources, road edges, townships, area (km × km), DEM cell (m): shared/ARCHITECTURE.md
SIZES = {
    "county": dict(households=100_000, villages=1_500, sources=5_000, edges=30_000, townships=15,
                   width_km=60, height_km=40, cell=50.0),
    "prefecture": dict(households=1_000_000, villages=10_000, sources=100_000, edges=400_000, townships=150,
                       width_km=200, height_km=120, cell=100.0),
}


def _ewkb(geoms, srid: int) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)


def _both(xy: np.ndarray, to_ll: Transformer, lines: bool = False):
    """geom (stored frame, CGCS2000) and geom_m (metric) hex EWKB of points, or of 2-point lines given as (n, 2, 2).
    geom_m at the local origin (shifted by generate), geom already where it belongs (proj gives infinities at the
    local origin, far outside the zone, which PostGIS refuses)."""
    if lines:
        m = shapely.linestrings(xy)
        lon, lat = to_ll.transform(xy[..., 0] + X0, xy[..., 1] + Y0)
        g = shapely.linestrings(np.stack([lon, lat], axis=-1))
    else:
        m = shapely.points(xy)
        lon, lat = to_ll.transform(xy[:, 0] + X0, xy[:, 1] + Y0)
        g = shapely.points(lon, lat)
    return _ewkb(g, db.STORAGE_SRID), _ewkb(m, SRID)


def generate(cur, size: str, seed: int) -> dict:
    """Synthetic data of a size straight into the tables (COPY); returns in-memory arrays for the k-d tree floor."""
    p = SIZES[size]
    rng = np.random.default_rng(seed)
    W, H = p["width_km"] * 1000.0, p["height_km"] * 1000.0
    to_ll = Transformer.from_crs(SRID, db.STORAGE_SRID, always_xy=True)
    cur.execute("INSERT INTO meta (key, value) VALUES ('metric_srid', %s)", (str(SRID),))
    # Townships on a grid, each with its seat; natural villages scattered, coded to the township they fall in.
    nt = p["townships"]
    gx = int(np.ceil(np.sqrt(nt * W / H))); gy = int(np.ceil(nt / gx))
    nv_xy = np.column_stack([rng.uniform(0, W, p["villages"]), rng.uniform(0, H, p["villages"])])
    tws = np.minimum((nv_xy[:, 0] / W * gx).astype(int) + gx * (nv_xy[:, 1] / H * gy).astype(int), nt - 1)
    tcode = np.array([f"53{4 + t // 1500:02d}{1 + (t // 15) % 99:02d}{201 + t % 15:03d}000" for t in range(nt)])
    vcode = np.array([tcode[t][:9] + f"{1 + k % 200:03d}" for k, t in enumerate(tws)])
    nv_ids = np.array([f"NV{k:06d}" for k in range(len(nv_xy))])
    # Households around their natural village.
    nh = p["households"]
    owner = rng.integers(0, len(nv_xy), nh)
    hh_xy = nv_xy[owner] + rng.normal(0, 150.0, (nh, 2))
    counts = np.bincount(owner, minlength=len(nv_xy))
    members = rng.integers(1, 7, nh)
    people = np.bincount(owner, weights=members, minlength=len(nv_xy)).astype(int)
    g, gm = _both(nv_xy, to_ll)
    db.copy_frame(cur, "natural_villages", pd.DataFrame({"id": nv_ids, "name": nv_ids, "village_code": vcode,
                                                         "households": counts, "population": people, "geom": g,
                                                         "geom_m": gm}))
    g, gm = _both(hh_xy, to_ll)
    db.copy_frame(cur, "households", pd.DataFrame({"id": [f"H{k:07d}" for k in range(nh)],
                                                   "natural_village_id": nv_ids[owner], "members": members,
                                                   "geom": g, "geom_m": gm}))
    # Seats: the natural village nearest each township's centre.
    cx = (np.arange(nt) % gx + 0.5) * W / gx; cy = (np.arange(nt) // gx + 0.5) * H / gy
    _, seat_nv = cKDTree(nv_xy).query(np.column_stack([cx, cy]))
    g, gm = _both(nv_xy[seat_nv], to_ll)
    db.copy_frame(cur, "seats", pd.DataFrame({"code": tcode, "level": "township", "geom": g, "geom_m": gm}))
    # Sources: most near villages, some anywhere; statuses and piped schemes in plausible shares.
    ns = p["sources"]
    near = int(ns * 0.6)
    s_xy = np.vstack([nv_xy[rng.integers(0, len(nv_xy), near)] + rng.normal(0, 500.0, (near, 2)),
                      np.column_stack([rng.uniform(0, W, ns - near), rng.uniform(0, H, ns - near)])])
    status = rng.choice(["working", "seasonal", "failed", "contaminated"], ns, p=[0.85, 0.07, 0.05, 0.03])
    piped = rng.random(ns) < 0.05
    g, gm = _both(s_xy, to_ll)
    db.copy_frame(cur, "water_sources", pd.DataFrame({
        "id": [f"S{k:06d}" for k in range(ns)], "status": status, "piped_to_home": np.where(piped, "t", "f"),
        "kind": np.where(piped, "centralised", "spring"), "geom": g, "geom_m": gm}))
    # Roads: each village linked to its 3 nearest, each link cut into 2-point edges; surface by link.
    _, nn = cKDTree(nv_xy).query(nv_xy, k=4)
    links = np.unique(np.sort(np.column_stack([np.repeat(np.arange(len(nv_xy)), 3), nn[:, 1:].ravel()]), axis=1),
                      axis=0)
    per = max(1, int(np.ceil(p["edges"] / len(links))))
    t = np.linspace(0, 1, per + 1)
    a, b = nv_xy[links[:, 0]], nv_xy[links[:, 1]]
    pts = a[:, None, :] + t[None, :, None] * (b - a)[:, None, :]
    pts[:, 1:-1, :] += rng.normal(0, 40.0, (len(links), per - 1, 2))
    segs = np.stack([pts[:, :-1, :], pts[:, 1:, :]], axis=2).reshape(-1, 2, 2)
    surf = rng.choice(["cement", "asphalt", "gravel", "earth", "path"], len(links), p=[0.35, 0.15, 0.25, 0.15, 0.10])
    g, gm = _both(segs, to_ll, lines=True)
    db.copy_frame(cur, "roads", pd.DataFrame({"id": [f"R{k:07d}" for k in range(len(segs))],
                                              "surface": np.repeat(surf, per), "geom": g, "geom_m": gm}))
    # DEM: rolling mountains with a few voids, in the metric frame.
    cell = p["cell"]
    w, h = int((W + 2000) / cell), int((H + 2000) / cell)
    xs = -1000 + cell * (np.arange(w) + 0.5); ys = H + 1000 - cell * (np.arange(h) + 0.5)
    z = (1500 + 400 * np.sin(xs / 3100.0)[None, :] * np.cos(ys / 2300.0)[:, None]
         + 150 * np.sin(xs / 700.0 + 1.3)[None, :] + 120 * np.cos(ys / 530.0)[:, None]).astype("float32")
    for _ in range(5):
        r0, c0 = rng.integers(0, h - 20), rng.integers(0, w - 20)
        z[r0:r0 + 10, c0:c0 + 10] = -9999.0
    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=f"EPSG:{SRID}",
                      transform=from_origin(X0 - 1000, Y0 + H + 1000, cell, cell), nodata=-9999.0) as ds:
            ds.write(z, 1)
        tif = mem.read()
    # Shift everything generated at the local origin to the frame's coordinates.
    for table in ("natural_villages", "households", "seats", "water_sources", "roads"):
        cur.execute(f"""UPDATE {table} SET geom_m = ST_Translate(geom_m, %s, %s)""", (X0, Y0))
        cur.execute(f"""UPDATE {table} SET geom = ST_Transform(geom_m, %s)""", (db.STORAGE_SRID,))
    terrain.store_dem(cur, tif, f"synthetic {size}")
    working = np.isin(status, ["working", "seasonal"])
    return {"hh_xy": hh_xy + (X0, Y0), "src_xy": s_xy[working] + (X0, Y0), "source_ids": np.arange(ns)[working],
            "road_edges": len(segs), "dem_cells": w * h, "dem": (z, (X0 - 1000, Y0 + H + 1000, cell)),
            "nv_xy": nv_xy + (X0, Y0), "nv_ids": nv_ids, "nv_codes": vcode, "nv_households": counts, "owner": owner, "members": members,
            "hh_ids": np.array([f"H{k:07d}" for k in range(nh)])}


NAIVE = """SELECT count(*) FROM (
    SELECT h.id, s.id AS source_id FROM households h
    CROSS JOIN LATERAL (SELECT id FROM water_sources s WHERE s.status IN ('working', 'seasonal')
                        ORDER BY s.geom_m <-> h.geom_m LIMIT 1) s) q"""


def _server_db(name: str) -> str:
    parts = urlsplit(settings.url)
    return urlunsplit(parts._replace(path="/" + name))


def bench_size(size: str, seed: int = 1, log=print) -> dict:
    """Generate one size in a throw-away database, time everything, drop the database."""
    name = f"dixian_bench_{os.getpid()}_{size}"
    admin = psycopg2.connect(_server_db("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = _server_db(name)
    out: dict = {"size": size, **{k: v for k, v in SIZES[size].items()}}
    try:
        db.migrate(url)
        conn = db.connect(url)
        t = time.perf_counter()
        with conn.cursor() as cur:
            gen = generate(cur, size, seed)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        conn.autocommit = False
        out["generate_s"] = round(time.perf_counter() - t, 2)
        out["road_edges"] = gen["road_edges"]
        log(f"[{size}] generated and loaded in {out['generate_s']} s")
        # The floor: nearest working source of every household, in memory.
        t = time.perf_counter()
        _, near = cKDTree(gen["src_xy"]).query(gen["hh_xy"], k=1)
        out["kdtree_nearest_s"] = round(time.perf_counter() - t, 3)
        log(f"[{size}] k-d tree nearest lookup: {out['kdtree_nearest_s']} s")
        # The naive PostGIS nearest join.
        t = time.perf_counter()
        with conn.cursor() as cur:
            cur.execute(NAIVE)
            assert cur.fetchone()[0] == SIZES[size]["households"]
        conn.rollback()
        out["naive_lateral_nearest_s"] = round(time.perf_counter() - t, 3)
        log(f"[{size}] naive LATERAL … ORDER BY <-> LIMIT 1: {out['naive_lateral_nearest_s']} s")
        # The full water check, straight basis, all clauses (longxian-2021), written to water_results.
        rules = load_rules(conn, "longxian-2021", {"distance_basis": "straight"})
        t = time.perf_counter()
        run = water.check_water(conn, rules)
        conn.commit()
        out["water_check_s"] = round(time.perf_counter() - t, 3)
        out["water_check_parts_s"] = {k: round(v, 3) for k, v in run.timings.items()}
        c = run.rows.compliant
        out["water_compliant"] = {"true": int((c == True).sum()), "false": int((c == False).sum()),  # noqa: E712
                                  "unknown": int(c.isna().sum())}
        log(f"[{size}] water check (straight, all clauses, results written): {out['water_check_s']} s "
            f"{out['water_check_parts_s']}")
        # One source changes status: only the households near it are recomputed, aggregates follow (views). Timed
        # with the one rule set's results stored (each stored what-if label is recomputed too, and costs as much).
        with conn.cursor() as cur:
            cur.execute("DELETE FROM water_results WHERE rule_set <> %s", (water.result_label(rules),))
        conn.commit()
        rng = np.random.default_rng(seed)
        ids = [f"S{k:06d}" for k in rng.choice(gen["source_ids"], 6, replace=False)]
        water.set_source_status(conn, ids[0], "working")  # warm (DEM decoded once per process)
        conn.commit()
        ms, n = [], []
        for sid in ids[1:]:
            for status in ("failed", "working"):
                t = time.perf_counter()
                done = water.set_source_status(conn, sid, status)
                conn.commit()
                ms.append((time.perf_counter() - t) * 1000.0)
                n.append(sum(done["recomputed"].values()))
        out["set_status_ms"] = {"median": round(statistics.median(ms), 1), "max": round(max(ms), 1),
                                "households_recomputed_median": statistics.median(n)}
        log(f"[{size}] source set-status: {out['set_status_ms']}")
        # The road check.
        t = time.perf_counter()
        rr = roads.check_roads(conn, rules)
        conn.commit()
        out["road_check_s"] = round(time.perf_counter() - t, 3)
        out["road_gaps"] = int(rr.rows.gap.sum())
        log(f"[{size}] road check ({len(rr.rows)} natural villages, {gen['road_edges']} edges): {out['road_check_s']} s")
        # The other rule set and the network basis last, so that the status changes above run on one rule set's
        # results, as the target has it, not on a table just emptied of millions of other rows.
        for name_, r in (("national", load_rules(conn, "national-2018", {"distance_basis": "straight"})),
                         ("network", load_rules(conn, "longxian-2021", {"distance_basis": "auto"}))):
            t = time.perf_counter()
            water.check_water(conn, r)
            conn.commit()
            out[f"water_check_{name_}_s"] = round(time.perf_counter() - t, 3)
            log(f"[{size}] water check ({name_}): {out[f'water_check_{name_}_s']} s")
        # The commands as a user runs them, each in a fresh process, beside their floors (bench_e2e).
        conn.commit()
        log(f"[{size}] end to end, through the command line:")
        out.update(bench_e2e.check_commands(url, gen, log=log))
        out.update(bench_e2e.import_figures(settings.url, gen, SRID, log=log))
        out["ratio_naive_over_water_check"] = round(out["naive_lateral_nearest_s"] / out["water_check_s"], 2)
        out["ratio_water_check_over_kdtree"] = round(out["water_check_s"] / out["kdtree_nearest_s"], 1)
        log(f"[{size}] water check is {out['ratio_naive_over_water_check']}× faster than the naive join and "
            f"{out['ratio_water_check_over_kdtree']}× the k-d tree floor")
        conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    return out


def run(sizes: list[str], seed: int = 1, log=print) -> dict:
    """Benchmark each size in turn; the figures as a dict. The compiled kernels are made ready first and that time
    reported apart: it is paid once per install (compiling) or once per process (loading numba's cache)."""
    from . import network, straight
    t = time.perf_counter()
    straight.warm()
    network.warm()
    ready = round(time.perf_counter() - t, 3)
    log(f"compiled kernels ready in {ready} s (compiled once per install, then loaded from numba's cache)")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    results = [bench_size(s, seed, log) for s in sizes]
    out = {"machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(v, 2) for v in load],
                       "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
           "started": started, "kernels_ready_s": ready, "results": results}
    log(bench_e2e.markdown(out))
    return out
