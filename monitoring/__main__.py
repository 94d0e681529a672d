"""`python -m monitoring …`: the monthly report and the ledger of the monitored households (CSV to stdout, or a .csv
or .xlsx file written whole), raising signals, a department's list, re-drawing a spot check. Runs as the database's
owner, like `python -m geo export`: every county in the database. Exit 0 on success, 2 on bad input, 1 otherwise,
with one line on stderr."""
from __future__ import annotations

import argparse
import json
import re
import sys
from contextlib import closing
from pathlib import Path

from geo.cli import CommandError


def _connect():
    from geo import db
    return closing(db.connect())


def _emit(df, labelled, out: str | None, sheet: str) -> None:
    from geo import cells

    from . import report
    if out is None:
        cells.to_csv(report.plain(df), sys.stdout)
        return
    try:
        path = report.write(df, labelled, out, sheet)
    except report.ReportError as err:
        raise CommandError(str(err), 2) from None
    print(f"{len(df):,} rows written to {path}", file=sys.stderr)


def cmd_report(args) -> None:
    from . import report
    if not re.fullmatch(r"\d{4}-\d{2}", args.month or ""):
        raise CommandError(f"--month {args.month!r}: expected YYYY-MM, e.g. 2026-11", 2)
    with _connect() as conn:
        try:
            df = report.monthly(conn, args.month)
        except report.ReportError as err:
            raise CommandError(str(err), 2) from None
    _emit(df, report.labelled_report(df, args.lang), args.out, report.title("report", args.lang, month=args.month))


def cmd_cases(args) -> None:
    from . import report
    if args.state is not None and args.state not in report.states():
        raise CommandError(f"--state {args.state!r}: expected one of {', '.join(report.states())}", 2)
    if args.village is not None and not re.fullmatch(r"\d{12}", args.village):
        raise CommandError(f"--village {args.village!r}: expected a 12-digit village code", 2)
    with _connect() as conn:
        df = report.ledger(conn, args.state, args.village)
    _emit(df, report.labelled_ledger(df, args.lang), args.out, report.title("ledger", args.lang))


def cmd_signals(args) -> None:
    from . import signals
    with _connect() as conn:
        made = signals.raise_signals(conn, args.source or signals.SOURCES)
    print(json.dumps(made))


def cmd_alerts(args) -> None:
    import pandas as pd

    from . import signals
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file", 2)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as err:
        raise CommandError(f"{path}: not a readable UTF-8 CSV ({err})", 2) from None
    if args.department:
        frame["department"] = args.department
    if "risk_types" in frame:
        frame["risk_types"] = frame["risk_types"].map(lambda v: [r for r in re.split(r"[;,、|]", v) if r])
    with _connect() as conn:
        try:
            made = signals.department_alerts(conn, frame, args.list or path.stem)
        except signals.BadAlerts as err:
            raise CommandError(f"{path}: {err}; nothing was taken", 2) from None
    print(f"{len(frame):,} rows read, {made:,} new signals", file=sys.stderr)


def cmd_verify(args) -> None:
    from . import spotcheck
    with _connect() as conn:
        try:
            out = spotcheck.verify(conn, args.id)
        except LookupError as err:
            raise CommandError(str(err), 2) from None
    print(json.dumps(out))
    if not out["same"]:
        raise CommandError(f"spot check {args.id}: drawing again with seed {out['seed']} gives another sample", 1)


def cmd_import_cases(args) -> None:
    from geo import db
    with _connect() as conn, db.transaction(conn=conn), conn.cursor() as cur:
        db.set_actor(cur, "monitoring:import-cases")
        cur.execute("SELECT mon_import_cases()")
        print(f"{cur.fetchone()[0]:,} cases made from imported monitored households", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m monitoring",
                                description="Monitored households (防返贫动态监测): report, ledger, signals")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("report", help="the monthly report (月报): one row per village, township and county totals")
    r.add_argument("--month", required=True, help="YYYY-MM; figures as at its last day, or today within it")
    r.add_argument("--out", metavar="FILE", help=".csv (column codes) or .xlsx (Chinese headers); else CSV to stdout")
    r.add_argument("--lang", choices=["zh", "en"], default="zh", help="the Excel file's headers and words")
    r.set_defaults(func=cmd_report)
    c = sub.add_parser("cases", help="the ledger (监测对象台账): one row per case with its problems")
    c.add_argument("--state", help="only cases in this state (proposed, identified, eliminated …)")
    c.add_argument("--village", help="only cases of this 12-digit village code")
    c.add_argument("--out", metavar="FILE", help=".csv or .xlsx; else CSV to stdout")
    c.add_argument("--lang", choices=["zh", "en"], default="zh")
    c.set_defaults(func=cmd_cases)
    s = sub.add_parser("signals", help="raise the signals of every source (idempotent); prints the new per source")
    s.add_argument("--source", action="append", choices=["visit", "water_check", "house", "department_alert"])
    s.set_defaults(func=cmd_signals)
    a = sub.add_parser("alerts", help="take a department's list (CSV: ref, household_id, rule [, risk_types])")
    a.add_argument("file")
    a.add_argument("--department", help="the department (else the file's department column)")
    a.add_argument("--list", help="the list's name (default: the file's name)")
    a.set_defaults(func=cmd_alerts)
    v = sub.add_parser("verify-spot-check", help="draw a recorded spot check again from its seed and compare")
    v.add_argument("id", type=int)
    v.set_defaults(func=cmd_verify)
    i = sub.add_parser("import-cases", help="cases for stored monitored households that have none (as an import)")
    i.set_defaults(func=cmd_import_cases)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except Exception as err:  # one line, not a traceback; DIXIAN_DEBUG=1 shows it whole
        import os
        if os.environ.get("DIXIAN_DEBUG"):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"error: {type(err).__name__}: {first}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
