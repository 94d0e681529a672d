"""Measure the planner's map on the loaded database (run it on the county-scale demo, and the tiles on the prefecture):
features per layer, the map's payload in bytes, the cold build time and the time of a rerun that hits the cache;
the households layer's vector tiles at zooms 10, 13 and 16 (p50/p95 through the tile server, made cold and then
from its cache), and the bytes the map sends for a view at county zoom and at street zoom (not a test).

    .venv/bin/python benchmarks/map_bench.py [--township CODE] [--json FILE] [--no-page] [--samples N]

The page and the tiles are read as the first active county planner or administrator of the database (a session is
made for the run and revoked after), against the database the settings name (DATABASE_URL, or the embedded cluster).
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts import sessions, users  # noqa: E402
from board import mapframe, tileserver  # noqa: E402
from geo import db  # noqa: E402
from geo.settings import settings  # noqa: E402
from layers import mapview, tiles  # noqa: E402
from layers.base import Filters  # noqa: E402

TILE_ZOOMS = (10, 13, 16)
VIEW_PX = (900, 620)   # the map's size on the page (mapview.view_of fits the county into it)


def measure(url: str, township: str | None) -> list[dict]:
    out = []
    with closing(db.connect(url)) as conn:
        hh, nv, roads, sources = db.query_rows(
            conn, "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM natural_villages), "
                  "(SELECT count(*) FROM roads), (SELECT count(*) FROM water_sources)")[0]
        scopes = [("county, default layers", Filters(), mapview.DEFAULT_LAYERS),
                  ("county, all layers", Filters(), tuple(mapview.LAYERS))]
        if township:
            scopes.append((f"township {township}, all layers", Filters(township=township), tuple(mapview.LAYERS)))
        for name, f, layers in scopes:
            t0 = time.perf_counter()
            m, info = mapview.build_map(conn, f, layers, "zh", "plain")
            p = mapframe.payload(m)
            cold = time.perf_counter() - t0
            out.append({"scope": name, "households": hh, "natural_villages": nv, "roads": roads,
                        "sources": sources, "payload_bytes": p["bytes"], "cold_build_s": round(cold, 2),
                        "max_layer_features": max(info.features.values()), "features": info.features,
                        "aggregated": info.aggregated, "layer_s": info.layer_s,
                        "render_s": round(cold - info.build_s, 2)})
    return out


@contextmanager
def planner_session(url: str, kind: str):
    """(login, token) of a session of the first active county planner or administrator, revoked afterwards; (None,
    None) when the database has none."""
    with db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT login FROM users WHERE active AND role IN ('county_planner', 'admin') "
                    "ORDER BY role = 'county_planner' DESC, id LIMIT 1")
        row = cur.fetchone()
        token = sessions.create(cur, users.find_user(cur, row[0]), kind, label="map bench") if row else None
    try:
        yield (row[0] if row else None), token
    finally:
        if token:
            with db.transaction(url) as conn, conn.cursor() as cur:
                sessions.revoke(cur, token)


def rerun(url: str, runs: int = 6) -> dict:
    """The map page under AppTest as a planner, in one session as a browser keeps it: the first run builds and caches
    the map, each later run is a rerun (what a click on the map costs: the page's queries and the cached payload
    re-sent). The same for a page that only writes a word is the harness's own floor."""
    from streamlit.testing.v1 import AppTest
    with planner_session(url, sessions.WEB) as (login, token):
        if token is None:
            return {"skipped": "no active county planner or administrator to open the page as"}
        out = {"as": login}
        for name, page in (("map", ROOT / "views" / "map.py"), ("floor", None)):
            at = AppTest.from_string("import streamlit as st\nst.write('·')\n") if page is None else \
                AppTest.from_file(str(page), default_timeout=600)
            at.session_state["dixian_session_token"] = token
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                at.run(timeout=600)
                times.append(round(time.perf_counter() - t0, 3))
                if at.exception:
                    raise RuntimeError(at.exception[0].value)
            out[name] = {"first_run_s": times[0], "rerun_min_s": min(times[1:]),
                         "rerun_median_s": statistics.median(times[1:])}
    return out


def _p(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values, in ms."""
    v = sorted(values)
    return round(1000 * v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))], 1)


def tile_times(url: str, samples: int = 60, seed: float = 0.42) -> dict:
    """The households layer's tiles at zooms 10, 13 and 16 through the tile server as a planner (bearer token), at up
    to `samples` distinct tiles per zoom around households drawn at random: each made once with an empty cache
    (cold: sign-in check, data stamp, the tile's SQL as the user), then asked again (from the cache)."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient
    with closing(db.connect(url)) as conn:
        db.query_value(conn, "SELECT setseed(%s)", (seed,))
        points = db.query_rows(conn, "SELECT ST_X(geom), ST_Y(geom) FROM households ORDER BY random() LIMIT %s",
                               (samples * 4,))
        rule_set = mapview.default_rule_set(conn)
    out = {}
    with planner_session(url, sessions.API) as (login, token), \
            TestClient(Starlette(routes=tileserver.routes)) as client:
        if token is None:
            return {"skipped": "no active county planner or administrator to read the tiles as"}
        auth = {"Authorization": f"Bearer {token}"}
        layer = mapview.TILES["households"]
        for z in TILE_ZOOMS:
            wanted = list(dict.fromkeys(tiles.tile_of(x, y, z) for x, y in points))[:samples]
            tileserver.CACHE.__init__(tileserver.CACHE.max_bytes)
            cold, warm, sizes = [], [], []
            for x, y in wanted:
                u = layer.url(Filters(rule_set=rule_set)).format(z=z, x=x, y=y)
                for times in (cold, warm):
                    t0 = time.perf_counter()
                    resp = client.get(u, headers=auth)
                    times.append(time.perf_counter() - t0)
                    if resp.status_code != 200:
                        raise RuntimeError(f"{u}: {resp.status_code} {resp.text[:200]}")
                sizes.append(len(resp.content))
            out[z] = {"tiles": len(wanted), "look": "households" if z >= settings.map_tile_detail_zoom
                      else "per natural village", "p50_ms": _p(cold, 0.5), "p95_ms": _p(cold, 0.95),
                      "cached_p50_ms": _p(warm, 0.5), "bytes_p50": int(statistics.median(sizes)),
                      "bytes_max": max(sizes)}
    return {"as": login, "zooms": out}


def view_tiles(lat: float, lon: float, zoom: int, width: int, height: int) -> list[tuple[int, int, int]]:
    """The tiles (z, x, y) a map of width x height pixels centred on (lat, lon) at `zoom` asks for."""
    n, size = 2 ** zoom, 256
    cx = (lon + 180) / 360 * n * size
    cy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * size
    x0, x1 = int((cx - width / 2) // size), int((cx + width / 2) // size)
    y0, y1 = int((cy - height / 2) // size), int((cy + height / 2) // size)
    return [(zoom, x, y) for x in range(max(0, x0), min(n - 1, x1) + 1) for y in range(max(0, y0), min(n - 1, y1) + 1)]


def view_bytes(url: str) -> dict:
    """What the map sends for a view of the page's size: at the zoom it opens on (the county) and at street zoom (16)
    on a village's households: the payload (first load) and every tile of the layers shown by default."""
    from starlette.applications import Starlette
    from starlette.testclient import TestClient
    with closing(db.connect(url)) as conn:
        m, info = mapview.build_map(conn, Filters(), mapview.DEFAULT_LAYERS, "zh", "plain")
        payload = mapframe.payload(m)["bytes"]
        (lat, lon), zoom = m.location, m.options["zoom"]
        street = db.query_rows(conn, """SELECT avg(ST_Y(h.geom)), avg(ST_X(h.geom)) FROM households h
                                        JOIN natural_villages nv ON nv.id = h.natural_village_id
                                        GROUP BY nv.id ORDER BY count(*) DESC LIMIT 1""")[0]
    shown = [el.spec for el in _walk(m) if isinstance(el, tiles.TiledOverlay) and el._parent.show]
    out = {"payload_bytes": payload, "tiled_layers_shown": [s["name"] for s in shown]}
    with planner_session(url, sessions.API) as (login, token), \
            TestClient(Starlette(routes=tileserver.routes)) as client:
        if token is None:
            return {"skipped": "no active county planner or administrator to read the tiles as"}
        for name, (la, lo, z) in (("county", (lat, lon, zoom)), ("street", (float(street[0]), float(street[1]), 16))):
            sent, n = 0, 0
            for zz, x, y in view_tiles(la, lo, z, *VIEW_PX):
                for spec in shown:
                    if zz < spec["minZoom"]:
                        continue
                    resp = client.get(spec["url"].format(z=zz, x=x, y=y), headers={"Authorization": f"Bearer {token}"})
                    sent, n = sent + len(resp.content), n + 1
            out[name] = {"zoom": z, "tile_requests": n, "tile_bytes": sent,
                         "with_payload_bytes": sent + (payload if name == "county" else 0)}
    return out


def _walk(el):
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/map_bench.py", description=__doc__.splitlines()[0])
    ap.add_argument("--township", help="also measure one township (12-digit code)")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--no-page", action="store_true", help="skip the page under AppTest (the tiles only)")
    ap.add_argument("--samples", type=int, default=60, help="tiles per zoom (default 60)")
    args = ap.parse_args(argv)
    url = settings.url
    load = dict(zip(("load_1m", "load_5m", "load_15m"), Path("/proc/loadavg").read_text().split()[:3]))
    when = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), **load}
    figures = {"run": when, "scopes": measure(url, args.township), "tiles": tile_times(url, args.samples),
               "view": view_bytes(url)}
    if not args.no_page:
        figures["page"] = rerun(url)
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
