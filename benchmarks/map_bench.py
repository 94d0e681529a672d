"""Measure the planner's map on the loaded database (run it on the county-scale demo): features per layer, the
map's payload in bytes, the cold build time and the time of a rerun that hits the cache (not a test).

    .venv/bin/python benchmarks/map_bench.py [--township CODE] [--json FILE]

The page is timed under Streamlit's AppTest as the first active county planner or administrator of the database
(a web session is made for the run and revoked after), against the database the settings name (DATABASE_URL, or
the embedded cluster).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accounts import sessions, users  # noqa: E402
from board import mapframe  # noqa: E402
from geo import db  # noqa: E402
from geo.settings import settings  # noqa: E402
from layers import mapview  # noqa: E402
from layers.base import Filters  # noqa: E402


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


def rerun(url: str, runs: int = 3) -> dict:
    """The map page under AppTest as a planner: the first run builds and caches the map, later runs re-send it."""
    from streamlit.testing.v1 import AppTest
    with db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT login FROM users WHERE active AND role IN ('county_planner', 'admin') "
                    "ORDER BY role = 'county_planner' DESC, id LIMIT 1")
        row = cur.fetchone()
        if row is None:
            return {"skipped": "no active county planner or administrator to open the page as"}
        token = sessions.create(cur, users.find_user(cur, row[0]), sessions.WEB, label="map bench")
    try:
        times = []
        for _ in range(runs):
            at = AppTest.from_file(str(ROOT / "views" / "map.py"), default_timeout=600)
            at.session_state["dixian_session_token"] = token
            t0 = time.perf_counter()
            at.run()
            times.append(round(time.perf_counter() - t0, 3))
            if at.exception:
                raise RuntimeError(at.exception[0].value)
    finally:
        with db.transaction(url) as conn, conn.cursor() as cur:
            sessions.revoke(cur, token)
    return {"as": row[0], "first_run_s": times[0], "cached_rerun_s": min(times[1:])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/map_bench.py", description=__doc__.splitlines()[0])
    ap.add_argument("--township", help="also measure one township (12-digit code)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    url = settings.url
    figures = {"scopes": measure(url, args.township), "page": rerun(url)}
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
