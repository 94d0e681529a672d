"""`python -m geo check water|roads|services|guarantees`, `explain water|roads|services ID`, `source set-status ID
STATUS`, `bench`: the checks from the command line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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
    p = sub.add_parser("check", help="run a check: water fetch, road coverage, village services or the guarantees "
                                     "per person",
                       description="Run the water-fetch, road-coverage, village-services or guarantees check over "
                                   "the whole dataset, store the results (water_results / road_results / "
                                   "services_results / guarantee_results) and optionally write them to a file.")
    p.add_argument("what", choices=["water", "roads", "services", "guarantees"])
    _rule_args(p)
    p.add_argument("--out", metavar="FILE", help="also write the results as .csv or .geojson (guarantees: .csv "
                                                 "or .xlsx, one row per failing person and rule)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="guarantees: the day ages are counted on (default today)")
    p.add_argument("--engine", choices=["local", "dask"], default=None,
                   help="local: this process; dask: partitions as tasks on a Dask cluster, results swapped in at "
                        "the end (default: the check_engine setting, local)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: the "
                        "check_dask_scheduler setting; empty starts a LocalCluster on this machine)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="with --engine dask and no scheduler: worker processes of the LocalCluster (default: the "
                        "check_dask_workers setting; 0 is one per core)")
    p.add_argument("--partition-subjects", type=int, metavar="N",
                   help="with --engine dask: about how many subjects one partition holds (default: the "
                        "check_dask_partition_subjects setting)")
    p.set_defaults(func=run_check)

    p = sub.add_parser("explain", help="explain one household's water result, one natural village's roads or one "
                                       "administrative village's services",
                       description="Print the source, road or facility chosen, the route, its length, climb and "
                                   "times, and each clause against its threshold.")
    p.add_argument("what", choices=["water", "roads", "services"])
    p.add_argument("id", help="household id, natural village id, or administrative village code")
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


def _out_suffix(path: str | None) -> str | None:
    """The output file's kind, checked before anything runs."""
    if path is None:
        return None
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".geojson"):
        raise CommandError(f"--out {path}: expected a .csv or .geojson file", 2)
    return suffix


def _write_out(path: str, table, x, y, conn) -> None:
    """The results (an Arrow table) as CSV, or as GeoJSON points at (x, y) in the metric frame."""
    from . import fileout
    with atomic_file(path) as tmp:
        if _out_suffix(path) == ".csv":
            fileout.write_csv(table, tmp)
        else:
            lon, lat = db.metric_to_storage(db.metric_srid(conn), np.asarray(x, float), np.asarray(y, float))
            fileout.write_geojson(table, lon, lat, tmp, db.STORAGE_SRID)


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
    if args.what == "guarantees":
        return run_guarantees(args)
    from .settings import settings
    if (args.engine or settings.check_engine) == "dask":
        return _run_check_dask(args, settings)
    import pyarrow as pa
    from .checks import roads, services, water, water_write
    _out_suffix(args.out)
    with db.transaction() as conn:
        rules = _rules(conn, args)
        if args.what == "water":
            run = water.check_water(conn, rules)
            rows = run.rows
            households = bool(len(rows)) and bool((rows.subject == "household").all())
            c = rows.compliant_code.to_numpy()
            summary = (f"water check {water.result_label(rules)} v{rules.version}: {len(rows)} "
                       f"{'households' if households else 'natural villages'}; compliant "
                       f"{int((c == water.T).sum())}, non-compliant {int((c == water.F).sum())}, "
                       f"unknown {int((c == water.U).sum())} ({run.timings['compute'] + run.timings['write']:.2f} s)")
            table = water_write.file_table(rows, run.table) if args.out else None
        elif args.what == "services":
            run = services.check_services(conn, rules)
            rows = run.rows
            summary = (f"services check {water.result_label(rules)} v{rules.version}: {len(rows)} administrative "
                       f"villages; clinic ok {int((rows.clinic_ok == True).sum())}, "  # noqa: E712
                       f"bus ok {int((rows.bus_ok == True).sum())}, "  # noqa: E712
                       f"failing {int(rows.failed_clauses.map(bool).sum())} "
                       f"({run.timings['compute'] + run.timings['write']:.2f} s)")
            out = rows[services.OUT_COLUMNS].assign(failed_clauses=[";".join(f) for f in rows.failed_clauses])
            table = pa.Table.from_pandas(out, preserve_index=False) if args.out else None
        else:
            run = roads.check_roads(conn, rules)
            rows = run.rows
            summary = (f"road check {water.result_label(rules)} v{rules.version}: {len(rows)} natural villages; "
                       f"with hardened road {int(rows.has_hardened_road.sum())}, gaps {int(rows.gap.sum())}")
            table = pa.Table.from_pandas(rows[roads.RESULT_COLUMNS], preserve_index=False) if args.out else None
        if args.out:
            _write_out(args.out, table, rows.x, rows.y, conn)
    print(summary + (f"; written to {args.out}" if args.out else ""))
    return 0


def _run_check_dask(args, settings) -> int:
    """The check on a Dask cluster (geo/checks/distributed.py): the driver plans, the tasks compute and stage."""
    from .checks import distributed
    if args.what == "services":
        raise CommandError("--engine dask runs the water and road checks; the services check runs in this process "
                           "(one row per administrative village)", 2)
    if args.out:
        raise CommandError("--out is not available with --engine dask: the results are in the database "
                           "(export them from there, or run without --engine dask)", 2)
    workers = settings.check_dask_workers if args.workers is None else args.workers
    parts = settings.check_dask_partition_subjects if args.partition_subjects is None else args.partition_subjects
    if workers < 0 or parts < 1:
        raise CommandError("--workers must be 0 or more and --partition-subjects 1 or more", 2)
    url = settings.url
    conn = db.connect(url)
    try:
        rules = _rules(conn, args)
    finally:
        conn.close()
    scheduler = args.scheduler or settings.check_dask_scheduler or None
    try:
        if args.what == "water":
            run = distributed.run_water(url, rules, scheduler=scheduler, workers=workers, partition_subjects=parts)
            c = run.counts
            head = (f"water check {run.label} v{rules.version} on Dask: {run.rows} subjects; compliant "
                    f"{c['compliant']}, non-compliant {c['non_compliant']}, unknown {c['unknown']}")
        else:
            run = distributed.run_roads(url, rules, scheduler=scheduler, workers=workers)
            head = (f"road check {run.label} v{rules.version} on Dask: {run.rows} natural villages; with hardened "
                    f"road {run.counts['has_hardened_road']}, gaps {run.counts['gaps']}")
    except distributed.DistributedError as err:
        raise CommandError(str(err), 1) from None
    t = run.timings
    print(f"{head} ({len(run.tasks)} tasks on {run.workers} workers; plan {t.get('plan', 0):.2f} s, tasks "
          f"{t['tasks']:.2f} s, swap {t['swap']:.2f} s, total {t['total']:.2f} s)")
    return 0


def run_explain(args) -> int:
    from .checks import explain, services
    conn = db.connect()
    try:
        rules = _rules(conn, args)
        try:
            d = {"water": explain.explain_water, "roads": explain.explain_road,
                 "services": services.explain}[args.what](conn, args.id, rules)
        except LookupError as err:
            raise CommandError(str(err).strip("'\""), 2) from None
    finally:
        conn.close()
    if args.json:
        print(json.dumps(d, ensure_ascii=False, indent=1))
    else:
        print({"water": explain.water_text, "roads": explain.road_text, "services": services.text}[args.what](d))
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
