"""`python -m geo check water|roads`, `explain water|roads ID`, `source set-status ID STATUS`, `bench`: the spatial
checks from the command line."""
from __future__ import annotations

import json
from pathlib import Path

from . import cells, db
from .atomic import atomic_file, write_text
from .cli import CommandError, parse_sets


def _rules(conn, args):
    from .checks.rules import RuleError, load_rules
    try:
        return load_rules(conn, args.rules, parse_sets(args.set))
    except RuleError as err:
        raise CommandError(str(err), 2) from None


def _rule_args(p) -> None:
    p.add_argument("--rules", metavar="NAME", help="rule set (default: the county's default, longxian-2021)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override one setting of the rule set, e.g. --set dry_season=true (repeatable)")


def register(sub) -> None:
    p = sub.add_parser("check", help="run a spatial check: water fetch or road coverage",
                       description="Run the water-fetch or road-coverage check over the whole dataset, store the "
                                   "results (water_results / road_results) and optionally write them to a file.")
    p.add_argument("what", choices=["water", "roads", "guarantees"])
    _rule_args(p)
    p.add_argument("--out", metavar="FILE", help="also write the results as .csv or .geojson (guarantees: .csv "
                                                 "or .xlsx, one row per failing person and rule)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="guarantees: the day ages are counted on (default today)")
    p.set_defaults(func=run_check)

    p = sub.add_parser("explain", help="explain one household's water result or one natural village's roads",
                       description="Print the source or road chosen, the route, its length, climb and times, and "
                                   "each clause against its threshold.")
    p.add_argument("what", choices=["water", "roads"])
    p.add_argument("id", help="household id, or natural village id")
    _rule_args(p)
    p.add_argument("--json", action="store_true", help="print the explanation as JSON")
    p.set_defaults(func=run_explain)

    p = sub.add_parser("source", help="change a water source (set-status) and recompute the households near it",
                       description="Set a water source's status and recompute the water results of only the "
                                   "households within reach of it, for every rule set with results.")
    p.add_argument("action", choices=["set-status"])
    p.add_argument("id", help="water source id")
    p.add_argument("status", choices=["working", "seasonal", "failed", "contaminated"])
    p.set_defaults(func=run_source)

    p = sub.add_parser("bench", help="benchmark the checks on synthetic county/prefecture data",
                       description="Generate synthetic data in a throw-away database, run both checks, and time "
                                   "them against a naive PostGIS nearest join and an in-memory k-d tree.")
    p.add_argument("--sizes", default="county", help="comma-separated: county, prefecture (default county)")
    p.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=run_bench)


def _write_out(path: str, rows, columns: list[str], conn) -> None:
    import geopandas as gpd
    import shapely
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".geojson"):
        raise CommandError(f"--out {path}: expected a .csv or .geojson file", 2)
    df = rows[columns].copy()
    if "failed_clauses" in df:
        df["failed_clauses"] = [";".join(f) for f in df["failed_clauses"]]
    with atomic_file(out) as tmp:
        if suffix == ".csv":
            cells.to_csv(df, tmp)
        else:
            lon, lat = db.metric_to_storage(db.metric_srid(conn), rows.x.to_numpy(), rows.y.to_numpy())
            gdf = gpd.GeoDataFrame(df, geometry=shapely.points(lon, lat), crs=db.STORAGE_SRID)
            gdf.to_file(tmp, driver="GeoJSON")


def run_guarantees(args) -> int:
    """`check guarantees`: every person's guarantees, stored, rolled up, and optionally written to a file."""
    import datetime as dt
    from .checks import guarantees
    from .checks.rules import RuleError
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise CommandError(f"--as-of {args.as_of!r}: expected a date YYYY-MM-DD", 2) from None
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise CommandError(f"--out {args.out}: expected a .csv or .xlsx file", 2)
    with db.transaction() as conn:
        try:
            rules = guarantees.load_guarantees(conn, args.rules, parse_sets(args.set))
        except RuleError as err:
            raise CommandError(str(err), 2) from None
        run = guarantees.check_guarantees(conn, rules, as_of)
    if args.out:
        out = run.rows[guarantees.RESULT_COLUMNS].copy()
        out["detail"] = [json.dumps(d, ensure_ascii=False) for d in out["detail"]]
        with atomic_file(Path(args.out)) as tmp:
            if Path(args.out).suffix.lower() == ".csv":
                cells.to_csv(out, tmp)
            else:
                cells.neutralise_frame(out).to_excel(tmp, index=False, engine="openpyxl")
    county = run.rollup[run.rollup.level == "county"]
    per_rule = run.rows.rule.value_counts()
    parts = ", ".join(f"{r} {int(per_rule.get(r, 0)):,}" for r in guarantees.RULES)
    share = county.employment_share.iloc[0] if len(county) else None
    share_txt = ("; relocated households with labour employed "
                 f"{share:.1%} (at least {rules.values['min_employment_share']:.0%} asked)"
                 if share is not None and share == share else "")
    print(f"guarantees {rules.label} v{rules.version}: {len(run.rows):,} failures ({parts}){share_txt} "
          f"({run.seconds:.2f} s)" + (f"; written to {args.out}" if args.out else ""))
    return 0


def run_check(args) -> int:
    from .checks import roads, water
    if args.what == "guarantees":
        return run_guarantees(args)
    with db.transaction() as conn:
        rules = _rules(conn, args)
        if args.what == "water":
            run = water.check_water(conn, rules)
            cols = ["household_id" if (run.rows.subject == "household").all() and len(run.rows) else
                    "natural_village_id"] + water.RESULT_COLUMNS[4:]
            rows = run.rows.copy()
            if cols[0] == "household_id":
                rows["household_id"] = rows.subject_id
            else:
                rows["natural_village_id"] = rows.subject_id
            c = run.rows.compliant
            summary = (f"water check {water.result_label(rules)} v{rules.version}: {len(rows)} "
                       f"{'households' if cols[0] == 'household_id' else 'natural villages'}; compliant "
                       f"{int((c == True).sum())}, non-compliant {int((c == False).sum())}, "  # noqa: E712
                       f"unknown {int(c.isna().sum())} ({run.timings['compute'] + run.timings['write']:.2f} s)")
        else:
            run = roads.check_roads(conn, rules)
            rows, cols = run.rows, roads.RESULT_COLUMNS
            summary = (f"road check {water.result_label(rules)} v{rules.version}: {len(rows)} natural villages; "
                       f"with hardened road {int(rows.has_hardened_road.sum())}, gaps {int(rows.gap.sum())}")
        if args.out:
            _write_out(args.out, rows, cols, conn)
    print(summary + (f"; written to {args.out}" if args.out else ""))
    return 0


def run_explain(args) -> int:
    from .checks import explain
    conn = db.connect()
    try:
        rules = _rules(conn, args)
        try:
            d = (explain.explain_water if args.what == "water" else explain.explain_road)(conn, args.id, rules)
        except LookupError as err:
            raise CommandError(str(err).strip("'\""), 2) from None
    finally:
        conn.close()
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=1))
    else:
        print(explain.water_text(d) if args.what == "water" else explain.road_text(d))
    return 0


def run_source(args) -> int:
    from .checks import water
    with db.transaction() as conn:
        try:
            done = water.set_source_status(conn, args.id, args.status)
        except LookupError as err:
            raise CommandError(str(err).strip("'\""), 2) from None
    per = ", ".join(f"{k}: {v}" for k, v in done["recomputed"].items()) or "no results to recompute"
    print(f"source {args.id} is now {args.status}; recomputed {per} ({done['ms']} ms)")
    return 0


def run_bench(args) -> int:
    from .checks import bench
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in bench.SIZES]
    if bad or not sizes:
        raise CommandError(f"--sizes {args.sizes!r}: expected a comma-separated list of {', '.join(bench.SIZES)}", 2)
    results = bench.run(sizes, seed=args.seed)
    if args.json:
        write_text(args.json, json.dumps(results, indent=1))
        print(f"written to {args.json}")
    return 0
