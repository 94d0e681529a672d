"""`python -m inspections …`: read a photo's evidence, manage inspector tokens, list what is due, draw spot checks,
print a form as an ODK XForm. Exit 0 on success, 2 on bad input, 1 on other failures, one line on stderr."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from geo import cells
from geo.cli import CommandError, main


def cmd_photo(args) -> None:
    from . import photos
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file", 2)
    try:
        meta = photos.read_meta(path.read_bytes())
    except photos.NotAnImage as err:
        raise CommandError(f"{path}: {err}", 2) from None
    meta.pop("time_local_naive", None)
    print(json.dumps(meta, ensure_ascii=False, indent=2))


def _conn():
    from geo import db
    return db.connect()


def cmd_token_create(args) -> None:
    from . import auth
    conn = _conn()
    try:
        with conn.cursor() as cur:
            if args.inspector_id:
                who = auth.by_id(cur, args.inspector_id)
                if who is None:
                    raise CommandError(f"--inspector-id {args.inspector_id}: no such inspector", 2)
                iid = who.id
            else:
                if not (args.name and args.role and args.scope):
                    raise CommandError("give --inspector-id, or --name, --role and --scope for a new inspector", 2)
                try:
                    iid = auth.create_inspector(cur, args.name, args.role, args.scope)
                except ValueError as err:
                    raise CommandError(str(err), 2) from None
            token = auth.create_token(cur, iid, args.label)
        conn.commit()
    finally:
        conn.close()
    print(json.dumps({"inspector_id": iid, "token": token,
                      "note": "shown once; only its sha256 is stored"}, ensure_ascii=False))
    print("note: the field API and the pages now take accounts' tokens only; for a field token use "
          "`python -m accounts issue-token --login LOGIN`", file=sys.stderr)


def cmd_token_revoke(args) -> None:
    from . import auth
    conn = _conn()
    try:
        with conn.cursor() as cur:
            ok = auth.revoke_token(cur, args.token)
        conn.commit()
    finally:
        conn.close()
    if not ok:
        raise CommandError("no active token like that", 2)
    print("revoked")


def cmd_inspectors(args) -> None:
    from . import auth
    conn = _conn()
    try:
        with conn.cursor() as cur:
            for p in auth.list_inspectors(cur):
                print(f"{p.id}\t{p.role}\t{p.scope_code}\t{p.name}")
    finally:
        conn.close()


def cmd_due(args) -> None:
    from . import auth, schedule
    conn = _conn()
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
        prefix = ""
        if args.inspector_id:
            with conn.cursor() as cur:
                who = auth.by_id(cur, args.inspector_id)
            if who is None:
                raise CommandError(f"--inspector-id {args.inspector_id}: no such inspector", 2)
            prefix = who.scope_prefix
        df = schedule.due(conn, as_of=as_of, prefix=prefix, village=args.village, within_days=args.within)
        if args.overdue:
            df = df[df["overdue"]]
    finally:
        conn.close()
    cols = ["kind", "target_kind", "target_id", "village_code", "last_on", "due_on", "days_overdue", "inspector"]
    print(cells.to_csv(df[cols]), end="")


def cmd_spotcheck_draw(args) -> None:
    from . import spotcheck
    conn = _conn()
    try:
        try:
            sid, picked = spotcheck.draw(conn, args.seed, args.rate, args.prefix)
        except ValueError as err:
            raise CommandError(str(err), 2) from None
    finally:
        conn.close()
    print(json.dumps({"sample_id": sid, "seed": args.seed, "drawn": len(picked),
                      "inspections": picked[["id", "township_code", "kind", "target_id"]].to_dict("records")},
                     ensure_ascii=False, indent=2))


def cmd_spotcheck_compare(args) -> None:
    from . import spotcheck
    conn = _conn()
    try:
        try:
            print(json.dumps(spotcheck.compare(conn, args.original, args.reinspection), ensure_ascii=False,
                             indent=2, default=str))
        except (KeyError, ValueError) as err:
            raise CommandError(str(err), 2) from None
    finally:
        conn.close()


def cmd_xform(args) -> None:
    from . import forms
    if args.kind not in forms.kinds():
        raise CommandError(f"no form {args.kind!r}; known: {', '.join(forms.kinds())}", 2)
    sys.stdout.write(forms.xform(args.kind))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m inspections", description="Dixian field inspections 巡查核查")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser("photo", help="print a photo's EXIF position, time, camera and hashes as JSON")
    s.add_argument("file")
    s.set_defaults(func=cmd_photo)
    tok = sub.add_parser("token", help="legacy inspector tokens (the API now takes accounts' tokens: python -m accounts issue-token)").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    s = tok.add_parser("create", help="a new token (and a new inspector unless --inspector-id)")
    s.add_argument("--inspector-id", type=int)
    s.add_argument("--name")
    s.add_argument("--role", choices=["inspector", "village", "township", "county", "admin"])
    s.add_argument("--scope", help="12-digit division code of the person's area, e.g. 530427205001")
    s.add_argument("--label", help="which device or person the token is for")
    s.set_defaults(func=cmd_token_create)
    s = tok.add_parser("revoke")
    s.add_argument("token")
    s.set_defaults(func=cmd_token_revoke)
    s = sub.add_parser("inspectors", help="list inspectors")
    s.set_defaults(func=cmd_inspectors)
    s = sub.add_parser("due", help="checks due (or --overdue) as CSV, per inspector or village")
    s.add_argument("--inspector-id", type=int)
    s.add_argument("--village", help="12-digit village code")
    s.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    s.add_argument("--within", type=int, default=7, help="days ahead (default 7)")
    s.add_argument("--overdue", action="store_true")
    s.set_defaults(func=cmd_due)
    sc = sub.add_parser("spotcheck", help="county spot checks 县级抽查").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    s = sc.add_parser("draw", help="draw a seeded sample of verified checks, stratified by township")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--rate", type=float, help="share per township (default the spotcheck_rate setting)")
    s.add_argument("--prefix", default="", help="division-code prefix to draw from (default all)")
    s.set_defaults(func=cmd_spotcheck_draw)
    s = sc.add_parser("compare", help="compare a re-inspection with its original")
    s.add_argument("original")
    s.add_argument("reinspection")
    s.set_defaults(func=cmd_spotcheck_compare)
    s = sub.add_parser("xform", help="print a form as an ODK XForm (XML)")
    s.add_argument("kind")
    s.set_defaults(func=cmd_xform)
    return p


if __name__ == "__main__":
    sys.exit(main(build=build_parser))
