"""`python -m geo demo`: generate the demo county (data.demo) and load it into the database, or write it as a
dataset folder for `python -m geo import`. After a load it runs both checks with the default rule set, so the app
opens on a ready map, and prints what the rooms above have to say (accounts: how to create the first administrator)."""
from __future__ import annotations

import sys
import time

from . import dataset, db, importer, store
from .atomic import atomic_folder
from .cli import CHECKED, DEMO, CommandError, notices, plugins
from .settings import settings


def register(sub) -> None:
    p = sub.add_parser("demo", help="generate and load the demo county (新平彝族傣族自治县)",
                       description="Generate a plausible 新平县 from a seed (real township and village names and codes, "
                                   "made-up everything else) and load it into the database, replacing the demo layers "
                                   "in one transaction; or, with --out, write it as a dataset folder.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    p.add_argument("--scale", choices=["town", "default", "county", "prefecture", "province"], default="default",
                   help="town ≈ 2,000 households, default ≈ 20,000, county ≈ 100,000, prefecture ≈ 1,000,000; "
                        "province ≈ 10,000,000 in a hundred counties, written county by county (with --out only)")
    p.add_argument("--counties", type=int, metavar="N",
                   help="with --scale province: how many counties of ≈ 100,000 households (default 100)")
    p.add_argument("--if-empty", action="store_true",
                   help="load only when the database holds no natural villages (what `make run` uses)")
    p.add_argument("--out", metavar="DIR", help="write a dataset folder (GeoPackage per layer, dem.tif) instead")
    p.set_defaults(func=run)


def has_data(conn) -> bool:
    return bool(db.query_value(conn, "SELECT EXISTS (SELECT 1 FROM natural_villages)"))


def load(demo, url: str | None = None) -> dict[str, int]:
    """Replace every layer and the DEM with the demo's, all in one transaction, through the same checks as any
    import (a generator that broke a rule fails with ImportProblems, nothing written); return rows per layer."""
    data = dataset.from_frames(demo.layers, demo.dem_tif, source="demo",
                               dem_name=f"demo seed {demo.seed} scale {demo.scale}")
    with db.transaction(url) as conn, conn.cursor() as cur:
        db.set_actor(cur, "demo", bulk=True)  # one audit row per statement of the load, not one per record
        report = importer.load(cur, data, replace=True)
        for room in plugins(DEMO):   # the rooms' own records made from these layers (monitoring: the cases)
            report.rows.update(room(cur, demo))
        for table in store.LAYERS:  # the checks run next, on fresh statistics
            cur.execute(f"ANALYZE {table}")
    return report.rows


def run_checks(url: str | None = None) -> list[str]:
    """The water, road and services checks over the whole county with the default rule set, stored (as `python -m
    geo check water|roads|services` do, in one transaction), and what the rooms above make of them (monitoring: signals); one line each."""
    from .checks import roads, services, water
    from .checks.rules import load_rules
    with db.transaction(url) as conn:
        rules = load_rules(conn)
        w = water.check_water(conn, rules).rows
        r = roads.check_roads(conn, rules).rows
        v = services.check_services(conn, rules).rows
        with conn.cursor() as cur:
            after = [line for room in plugins(CHECKED) for line in room(cur)]
    c = w.compliant
    return [f"water check {rules.name}: {len(w):,} results, non-compliant {int((c == False).sum()):,}",  # noqa: E712
            f"road check {rules.name}: {len(r):,} natural villages, gaps {int(r.gap.sum()):,}",
            f"services check {rules.name}: {len(v):,} administrative villages, failing "
            f"{int(v.failed_clauses.map(bool).sum()):,}", *after]


def run_province(args) -> int:
    """--scale province: counties written one by one into the folder (data/province.py), never all in memory."""
    from data import province
    if not args.out:
        raise CommandError("--scale province writes a dataset folder: give --out DIR (then load all or part of it "
                           "with python -m geo import DIR)", 2)
    if args.counties is not None and args.counties < 1:
        raise CommandError("--counties must be 1 or more", 2)
    t0 = time.perf_counter()
    with atomic_folder(args.out, merge=True) as tmp:
        done = province.write_province(tmp, seed=args.seed, counties=args.counties or 100,
                                       log=lambda line: print(line, file=sys.stderr, flush=True))
    sizes = ", ".join(f"{k} {v:,}" for k, v in done["counts"].items())
    print(f"demo: province of {done['counties']} counties ({done['grid'][0]}×{done['grid'][1]}): {sizes}; dem "
          f"{done['dem'][0]}×{done['dem'][1]} cells; written to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def run(args) -> int:
    from data import demo as gen  # numpy-heavy; only imported when the command runs

    if args.scale == "province":
        return run_province(args)

    t0 = time.perf_counter()
    if args.out is None:
        from .cmd_db import up
        up()
        if args.if_empty:
            conn = db.connect()
            try:
                if has_data(conn):
                    print("demo: the database already holds natural villages; nothing loaded")
                    for line in notices():
                        print(line)
                    return 0
            finally:
                conn.close()
    print(f"demo: generating 新平县, seed {args.seed}, scale {args.scale} …", file=sys.stderr, flush=True)
    d = gen.generate(args.seed, args.scale)
    t1 = time.perf_counter()
    if args.out:
        with atomic_folder(args.out, merge=True) as tmp:  # other files in the folder stay
            gen.write_folder(d, tmp)
        where = f"written to {args.out}"
    else:
        try:
            made = {k: n for k, n in load(d).items() if k not in d.layers}
        except importer.ImportProblems as err:
            for line in err.lines:
                print(line, file=sys.stderr)
            raise CommandError(f"the demo data broke the import's rules: {err}") from None
        where = f"loaded into {settings.url.split('@')[-1]}"
    t2 = time.perf_counter()
    sizes = ", ".join(f"{k} {len(v):,}" for k, v in d.layers.items())
    sizes += "".join(f", {k} {n:,}" for k, n in made.items()) if args.out is None else ""
    print(f"demo: {sizes}; dem {len(d.dem_tif) / 1e6:.1f} MB")
    print(f"demo: {where} (generated in {t1 - t0:.1f} s, {'written' if args.out else 'loaded'} in {t2 - t1:.1f} s)")
    if args.out is None:
        print("demo: running the water, road and services checks with the default rule set …", file=sys.stderr, flush=True)
        for line in run_checks():
            print(f"demo: {line} ({time.perf_counter() - t2:.1f} s)")
        for line in notices():
            print(line)
    return 0
