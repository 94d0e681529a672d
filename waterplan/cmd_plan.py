"""`python -m geo plan emergency|repair|new-sources`: the water bureau's planning from the command line, registered
in geo's one command line by this package's entry point (pyproject.toml)."""
from __future__ import annotations

from pathlib import Path

from geo import cells, db
from geo.atomic import atomic_file, atomic_folder, write_bytes
from geo.cli import CommandError, parse_sets

def register(sub) -> None:
    p = sub.add_parser("plan", help="water bureau planning: emergency supply, repair priority, new sources",
                       description="emergency: who loses safe water when sources fail (or in a dry season) and how "
                                   "trucks bring it; repair: failed sources ranked by people regaining compliance "
                                   "and crucialness; new-sources: candidate sites ranked by people brought into "
                                   "compliance. Reads only: stored results and sources are left as they are.")
    p.add_argument("what", choices=["emergency", "repair", "new-sources"])
    p.add_argument("--failed", metavar="ID[,ID…]", help="emergency: the failed or contaminated sources")
    p.add_argument("--dry-season", action="store_true", help="emergency: seasonal sources off, capacities cut")
    p.add_argument("--rules", metavar="NAME", help="rule set (default: the county's default)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a rule-set setting or a plan setting (litres_per_person_day, truck_m3, "
                        "dry_capacity_factor, truck_min_width_m, working_day_h, …); repeatable")
    p.add_argument("--out", metavar="DIR|FILE.csv", required=True,
                   help="emergency: a folder for the five plan files; repair/new-sources: a .csv file")
    p.add_argument("--excel", metavar="FILE.xlsx", help="emergency: also write the plan as an Excel workbook")
    p.add_argument("--map", metavar="FILE.png|.pdf", help="emergency: also write a printable map")
    p.add_argument("--limit", type=int, help="new-sources: at most this many sites")
    p.set_defaults(func=run_plan)


def _split(conn, args):
    from geo.checks.rules import RuleError, load_rules

    from .scenario import split_sets
    try:
        sets = parse_sets(args.set)
        over, params = split_sets(sets)
        load_rules(conn, args.rules, over)
    except RuleError as err:
        raise CommandError(str(err), 2) from None
    return sets, over, params


def run_plan(args) -> int:
    import numpy as np
    # Tobler's speed underflows on cliff-steep DEM steps: the time is infinite (a fail), not a warning to print.
    with db.connect() as conn, np.errstate(over="ignore", divide="ignore"):
        try:
            if args.what == "emergency":
                return _emergency(conn, args)
            return _ranked(conn, args)
        finally:
            conn.rollback()


def _write_csv(df, path: Path) -> None:
    with atomic_file(path) as tmp:
        cells.to_csv(df, tmp)


def _ranked(conn, args) -> int:
    from . import newsources, repair
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise CommandError(f"--out {args.out}: expected a .csv file", 2)
    sets, over, params = _split(conn, args)
    if args.what == "repair":
        df = repair.rank(conn, args.rules, over)
        _write_csv(df, out)
        top = df.head(1)
        print(f"{len(df)} failed sources ranked" + (f"; first {top.source_id.iat[0]}: {top.regain_people.iat[0]} people"
                                                    f" regain compliance, crucialness {top.crucialness.iat[0]:.2f}"
                                                    if len(df) else ""))
    else:
        df = newsources.rank(conn, args.rules, over, params, args.limit)
        _write_csv(df, out)
        print(f"{len(df)} sites ranked; together they bring {int(df.added_people.sum()) if len(df) else 0} people "
              f"into compliance")
    return 0


def _emergency(conn, args) -> int:
    from geo.checks.rules import RuleError

    from . import emergency, export
    from .scenario import Scenario
    failed = [s.strip() for s in (args.failed or "").split(",") if s.strip()]
    sets, over, _params = _split(conn, args)
    dry = args.dry_season or str(sets.pop("dry_season", "false")).lower() in ("true", "1", "yes", "on")
    if not failed and not dry:
        raise CommandError("name the failed sources with --failed ID[,ID…] or declare --dry-season", 2)
    for f, what in ((args.excel, ".xlsx"), (args.map, (".png", ".pdf"))):
        if f and not f.lower().endswith(what):
            raise CommandError(f"{f}: expected a {' or '.join(what) if isinstance(what, tuple) else what} file", 2)
    try:
        plan = emergency.plan(conn, Scenario(failed, dry), args.rules, sets)
    except LookupError as err:
        raise CommandError(str(err).strip("'\""), 2) from None
    except RuleError as err:
        raise CommandError(str(err), 2) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: exists and is not a folder", 2)
    # Everything is made before anything is written; each file appears whole, an earlier plan in the folder stays
    # whole until this one is complete.
    extra = {}
    if args.excel:
        extra[args.excel] = export.excel_bytes(plan)
    if args.map:
        extra[args.map] = export.map_bytes(plan, Path(args.map).suffix.lower().lstrip("."), conn=conn)
    with atomic_folder(out) as tmp:
        export.write_files(plan, tmp)
    for path, data in extra.items():
        write_bytes(path, data)
    s = plan.summary
    print(f"affected {s['households']} households, {s['people']} people ({s['vulnerable_households']} vulnerable); "
          f"{s['delivery_points']} delivery points, {s['m3_per_day']} m³/day, {s['trucks']} trucks, "
          f"{s['unserved_households']} unserved; {s['seconds']} s → {out}")
    return 0
