"""The accounts' commands (`python -m accounts …`): create-admin --login NAME --password-stdin creates the first
admin; also create-user, reset-password, set-role, list-users, issue-token, revoke-tokens. Each runs in one
transaction on the owner's connection (whoever can run it can reach the database anyway); passwords only from
stdin, never argv."""
from __future__ import annotations

import argparse
import sys

from geo import db
from geo.cli import CommandError

from . import ROLES, sessions, users


def _password(args) -> str:
    if not args.password_stdin:
        raise users.AccountError("give the password on stdin with --password-stdin (never on the command line)")
    pw = sys.stdin.readline().rstrip("\r\n")
    if not pw:
        raise users.AccountError("no password on stdin")
    return pw


def _find(cur, login: str) -> users.User:
    u = users.find_user(cur, login)
    if u is None:
        raise users.AccountError(f"no user with login {login!r}")
    return u


def cmd_create_admin(args, cur):
    u = users.create_user(cur, args.login, _password(args), "admin", args.scope, args.display_name or "")
    return f"created admin {u.login!r} (id {u.id}, scope {u.scope_code or 'all'})"


def cmd_create_user(args, cur):
    u = users.create_user(cur, args.login, _password(args), args.role, args.scope, args.display_name or "",
                          must_change_password=True)
    return f"created {u.role} {u.login!r} (id {u.id}, scope {u.scope_code})"


def cmd_reset_password(args, cur):
    u = users.reset_password(cur, _find(cur, args.login).id, _password(args), must_change=not args.keep)
    return f"password of {u.login!r} reset; earlier sessions and tokens no longer work"


def cmd_set_role(args, cur):
    u = users.set_role_scope(cur, _find(cur, args.login).id, args.role, args.scope)
    return f"{u.login!r} is now {u.role} with scope {u.scope_code or 'all'}"


def cmd_list_users(args, cur):
    rows = [f"{u.id}\t{u.login}\t{u.role}\t{u.scope_code or '*'}\t{'active' if u.active else 'inactive'}"
            for u in users.list_users(cur)]
    return "\n".join(["id\tlogin\trole\tscope\tstate", *rows])


def cmd_issue_token(args, cur):
    from datetime import timedelta
    u = _find(cur, args.login)
    if u.must_change_password:
        raise users.AccountError(f"{u.login!r} must change the password first (sign in on the web page, or POST "
                                 "/api/v1/auth/password): no token works for the account until then")
    ttl = timedelta(days=args.days) if args.days else None
    return sessions.create(cur, u, sessions.ODK if args.odk else sessions.API, label=args.label, ttl=ttl)


def cmd_revoke_tokens(args, cur):
    n = sessions.revoke_all(cur, _find(cur, args.login).id)
    return f"revoked {n} session(s) and token(s)"


def _in_transaction(command):
    """command(args, cur) run in one transaction, its result printed once committed; refusals exit 2."""
    def run(args) -> int:
        try:
            with db.transaction() as conn, conn.cursor() as cur:
                out = command(args, cur)
        except (users.AccountError, users.NotAllowed) as err:
            raise CommandError(str(err), 2) from None
        print(out)
        return 0
    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m accounts", description="Dixian accounts: users, roles, scopes, tokens")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_, login=True, password=False):
        s = sub.add_parser(name, help=help_, description=help_)
        if login:
            s.add_argument("--login", required=True, help="login name")
        if password:
            s.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        s.set_defaults(func=_in_transaction(func))
        return s

    s = add("create-admin", cmd_create_admin, "create an administrator (the first one, say)", password=True)
    s.add_argument("--scope", help="12-digit code the admin manages (default: everything)")
    s.add_argument("--display-name")
    s = add("create-user", cmd_create_user, "create a user with a role and a scope", password=True)
    s.add_argument("--role", required=True, choices=list(ROLES))
    s.add_argument("--scope", required=True, help="12-digit administrative code, e.g. 530427205000")
    s.add_argument("--display-name")
    s = add("reset-password", cmd_reset_password, "set a new password (the user must change it at next login)",
            password=True)
    s.add_argument("--keep", action="store_true", help="do not ask the user to change it")
    s = add("set-role", cmd_set_role, "change a user's role and scope")
    s.add_argument("--role", required=True, choices=list(ROLES))
    s.add_argument("--scope", help="12-digit administrative code")
    add("list-users", cmd_list_users, "list users", login=False)
    s = add("issue-token", cmd_issue_token, "print a new field-API bearer token (or, with --odk, an ODK Collect key) "
                                            "for a user")
    s.add_argument("--label", help="what the token is for, e.g. the phone")
    s.add_argument("--days", type=float, help="lifetime in days (default: the api_token_days setting, odk_key_days "
                                              "with --odk)")
    s.add_argument("--odk", action="store_true", help="an ODK Collect key: it opens the OpenRosa routes only "
                                                      "(server URL …/api/v1/openrosa/key/KEY)")
    add("revoke-tokens", cmd_revoke_tokens, "revoke every session and token of a user")
    return p

