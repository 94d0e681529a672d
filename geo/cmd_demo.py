"""`python -m geo demo`: generate the demo county (data.demo) and load it into the database, or write it as a
dataset folder for `python -m geo import`. After a load it runs both checks with the default rule set, so the app
opens on a ready map, and says how to create the first administrator when there is none."""
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

    from .importer import drop_stale_results
    with db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        db.set_actor(cur, "demo", bulk=True)  # one audit row per statement of the load, not one per record
        drop_stale_results(cur, set(store.LAYERS) | {"dem"})  # every input is replaced
        for layer in store.LOAD_ORDER:
            if layer in demo.layers:
                counts[layer] = store.write_layer(cur, layer, demo.layers[layer], replace=True)
        # the monitored households' cases (monitoring/, migrations 620–621): every earlier case and its history
        # replaced by the demo's, then the other monitored households made cases as an import makes them
        cur.execute("SELECT mon_reset()")
        for table, frame in demo.tables.items():
            counts[table] = db.copy_frame(cur, table, frame)
        cur.execute("SELECT mon_import_cases()")
        counts["mon_cases"] = counts.get("mon_cases", 0) + cur.fetchone()[0]
        terrain.store_dem(cur, demo.dem_tif, source_name=f"demo seed {demo.seed} scale {demo.scale}")
        for table in store.LAYERS:
            cur.execute(f"ANALYZE {table}")
    return counts


def run_checks(url: str | None = None) -> list[str]:
    """Both checks over the whole county with the default rule set, stored (as `python -m geo check water` and
    `… roads` do, in one transaction), and the monitoring signals they raise; one summary line each."""
    from .checks import roads, water
    from .checks.rules import load_rules
    with db.transaction(url) as conn:
        rules = load_rules(conn)
        w = water.check_water(conn, rules).rows
        r = roads.check_roads(conn, rules).rows
        with conn.cursor() as cur:   # the signals the results, the houses and the departments' alerts raise
            cur.execute("SELECT mon_raise_signals(NULL)")
            signals = cur.fetchone()[0]
    c = w.compliant
    return [f"water check {rules.name}: {len(w):,} results, non-compliant {int((c == False).sum()):,}",  # noqa: E712
            f"road check {rules.name}: {len(r):,} natural villages, gaps {int(r.gap.sum()):,}",
            f"monitoring signals raised: {signals:,}"]


ADMIN_HINT = ("no administrator yet; create the first one (the password is read from stdin):\n"
              "  echo 'a long admin password' | .venv/bin/python -m accounts create-admin --login admin "
              "--display-name 管理员 --password-stdin\n"
              "  (or let `make run` do it: DIXIAN_ADMIN_PASSWORD='a long admin password' make run)")


def has_admin(url: str | None = None) -> bool:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)")
            return bool(cur.fetchone()[0])
    finally:
        conn.close()


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
                    if not has_admin():
                        print(ADMIN_HINT)
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
    sizes += f", monitoring cases {len(d.tables.get('mon_cases', ())):,} (and the imported ones)"
    print(f"demo: {sizes}; dem {len(d.dem_tif) / 1e6:.1f} MB")
    print(f"demo: {where} (generated in {t1 - t0:.1f} s, {'written' if args.out else 'loaded'} in {t2 - t1:.1f} s)")
    if args.out is None:
        print("demo: running the water and road checks with the default rule set …", file=sys.stderr, flush=True)
        for line in run_checks():
            print(f"demo: {line} ({time.perf_counter() - t2:.1f} s)")
        if not has_admin():
            print(ADMIN_HINT)
    return 0
