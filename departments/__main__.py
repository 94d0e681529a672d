"""`python -m departments import-list KIND FILE --period YYYY-MM`: take a department's monthly list (CSV or Excel) as
the database's owner, whole or not at all; `unmatched`: the listed ID numbers no member carries. Exit 0 on success,
2 on bad input (every problem line on stderr), 1 otherwise."""
from __future__ import annotations

import argparse
import sys

from geo.cli import CommandError, main as cli_main

from .lists import KINDS


def cmd_import(args) -> None:
    from . import lists
    try:
        report = lists.import_list(args.kind, args.file, args.period)
    except lists.ListProblems as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        raise CommandError(str(err), 2) from None
    print(report.summary())
    for r in report.unmatched.itertuples():
        print(f"unmatched: row {r.row_no}: {r.id_number} {r.name or ''}".rstrip())


def cmd_unmatched(args) -> None:
    from contextlib import closing

    from geo import cells, db

    from . import lists
    with closing(db.connect()) as conn:
        cells.to_csv(lists.unmatched(conn, args.kind, args.period), sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m departments",
                                description="Departments' monthly lists (数据比对) matched to the household members")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    i = sub.add_parser("import-list", help="take one department's list for one month (CSV or .xlsx, Chinese headers)")
    i.add_argument("kind", choices=list(KINDS), help="which list: " + ", ".join(KINDS))
    i.add_argument("file")
    i.add_argument("--period", required=True, help="the month the list is for, YYYY-MM")
    i.set_defaults(func=cmd_import)
    u = sub.add_parser("unmatched", help="ID numbers of the stored lists that no member carries (CSV to stdout)")
    u.add_argument("--kind", choices=list(KINDS))
    u.add_argument("--period")
    u.set_defaults(func=cmd_unmatched)
    return p


if __name__ == "__main__":
    sys.exit(cli_main(build=build_parser))
