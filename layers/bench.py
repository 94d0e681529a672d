"""Measure the planner's map on the loaded database (run it on the county-scale demo): features per layer, the
map's payload in bytes, the cold build time and the time of a rerun that hits the cache.

    python -m layers.bench [--township CODE] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(url: str, township: str | None) -> list[dict]:
    from geo import db
    from layers import mapview
    from layers.base import Filters
    out = []
    with closing(db.connect(url)) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM natural_villages), "
                        "(SELECT count(*) FROM roads), (SELECT count(*) FROM water_sources)")
            hh, nv, roads, sources = cur.fetchone()
        scopes = [("county, default layers", Filters(), mapview.DEFAULT_LAYERS),
                  ("county, all layers", Filters(), tuple(mapview.LAYERS))]
        if township:
            scopes.append((f"township {township}, all layers", Filters(township=township), tuple(mapview.LAYERS)))
        for name, f, layers in scopes:
            t0 = time.perf_counter()
            m, info = mapview.build_map(conn, f, layers, "zh", "plain")
            p = mapview.payload(m)
            cold = time.perf_counter() - t0
            out.append({"scope": name, "households": hh, "natural_villages": nv, "roads": roads,
                        "sources": sources, "payload_bytes": p["bytes"], "cold_build_s": round(cold, 2),
                        "max_layer_features": max(info.features.values()), "features": info.features,
                        "aggregated": info.aggregated, "layer_s": info.layer_s,
                        "render_s": round(cold - info.build_s, 2)})
    return out


def rerun(url: str, runs: int = 3) -> dict:
    """The map page under AppTest: the first run builds and caches the map, later runs only re-send it."""
    from streamlit.testing.v1 import AppTest
    os.environ["DATABASE_URL"] = url
    times = []
    for _ in range(runs):
        at = AppTest.from_file(str(ROOT / "views" / "map.py"), default_timeout=600)
        t0 = time.perf_counter()
        at.run()
        times.append(round(time.perf_counter() - t0, 3))
        if at.exception:
            raise RuntimeError(at.exception[0].value)
    return {"first_run_s": times[0], "cached_rerun_s": min(times[1:])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m layers.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--township", help="also measure one township (12-digit code)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from geo.settings import settings
    url = settings.url
    figures = {"scopes": measure(url, args.township), "page": rerun(url)}
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
