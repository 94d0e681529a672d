"""`python -m geo demo`: generate the demo county (data.demo) and load it into the database, or write it as a
dataset folder for `python -m geo import`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from . import db, store, terrain
from .settings import settings


def register(sub) -> None:
    p = sub.add_parser("demo", help="generate and load the demo county (新平彝族傣族自治县)",
                       description="Generate a plausible 新平县 from a seed (real township and village names and codes, "
                                   "made-up everything else) and load it into the database, replacing the demo layers "
                                   "in one transaction; or, with --out, write it as a dataset folder.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    p.add_argument("--scale", choices=["town", "default", "county", "prefecture"], default="default",
                   help="town ≈ 2,000 households, default ≈ 20,000, county ≈ 100,000, prefecture ≈ 1,000,000")
    p.add_argument("--if-empty", action="store_true",
                   help="load only when the database holds no natural villages (what `make run` uses)")
    p.add_argument("--out", metavar="DIR", help="write a dataset folder (GeoPackage per layer, dem.tif) instead")
    p.set_defaults(func=run)


def has_data(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM natural_villages)")
        return bool(cur.fetchone()[0])


def load(demo, url: str | None = None) -> dict[str, int]:
    """Replace every layer and the DEM with the demo's, all in one transaction; return rows written per layer."""
    counts: dict[str, int] = {}
    with db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for layer in store.LOAD_ORDER:
            if layer in demo.layers:
                counts[layer] = store.write_layer(cur, layer, demo.layers[layer], replace=True)
        terrain.store_dem(cur, demo.dem_tif, source_name=f"demo seed {demo.seed} scale {demo.scale}")
        for table in store.LAYERS:
            cur.execute(f"ANALYZE {table}")
    return counts


def run(args) -> int:
    from data import demo as gen  # numpy-heavy; only imported when the command runs

    t0 = time.perf_counter()
    if args.out is None:
        from .cmd_db import up
        up()
        if args.if_empty:
            conn = db.connect()
            try:
                if has_data(conn):
                    print("demo: the database already holds natural villages; nothing loaded")
                    return 0
            finally:
                conn.close()
    print(f"demo: generating 新平县, seed {args.seed}, scale {args.scale} …", file=sys.stderr, flush=True)
    d = gen.generate(args.seed, args.scale)
    t1 = time.perf_counter()
    if args.out:
        gen.write_folder(d, Path(args.out))
        where = f"written to {args.out}"
    else:
        load(d)
        where = f"loaded into {settings.url.split('@')[-1]}"
    t2 = time.perf_counter()
    sizes = ", ".join(f"{k} {len(v):,}" for k, v in d.layers.items())
    print(f"demo: {sizes}; dem {len(d.dem_tif) / 1e6:.1f} MB")
    print(f"demo: {where} (generated in {t1 - t0:.1f} s, {'written' if args.out else 'loaded'} in {t2 - t1:.1f} s)")
    return 0
