"""`python -m geo db up|down|status|remove`: bring the database up to date, stop it, say where it is, or delete the
embedded cluster."""
from __future__ import annotations

from . import db
from .db import cluster, roles
from .settings import settings


def register(sub) -> None:
    p = sub.add_parser("db", help="database: up (start and migrate), down, status, remove, url",
                       description="Start the embedded cluster (when DATABASE_URL is unset) and apply migrations; "
                                   "stop it; report its state; stop and delete it with its data (remove); or print "
                                   "the owner's connection URL (url) or the app's (url --app), for psql and tests. "
                                   "The URLs name the password file (var/secrets/pgpass) instead of a password.")
    p.add_argument("action", choices=["up", "down", "status", "remove", "url"])
    p.add_argument("--app", action="store_true", help="with url: the app's login role instead of the owner")
    p.set_defaults(func=run)


def up() -> list[str]:
    """Make the configured database reachable and up to date; return the migrations applied."""
    if settings.embedded:
        cluster.start()
    else:
        hint = roles.ensure_roles(settings.url)
        if hint:
            print(f"warning: {hint}")
    return db.migrate()


def _elsewhere() -> str:
    """A note when the embedded cluster lives outside var/ (its owner cannot reach this checkout's folder)."""
    if settings.embedded and settings.pgdata.parent != settings.var_dir:
        return f"\nthe cluster lives in {settings.pgdata} (its user cannot reach {settings.var_dir}); " \
               f"`make clean-db` removes it"
    return ""


def run(args) -> int:
    if args.action == "up":
        applied = up()
        print(f"database up: {settings.url}" + (f"; applied {', '.join(applied)}" if applied else "; schema current")
              + _elsewhere())
    elif args.action == "url":
        print(settings.app_url() if args.app else settings.url)
    elif args.action == "remove":
        if not settings.embedded:
            print("DATABASE_URL is set: that server is not ours to remove")
            return 2
        gone = cluster.remove()
        print(f"removed {gone}" if gone else f"no embedded cluster at {settings.pgdata}")
    elif args.action == "down":
        if not settings.embedded:
            print("DATABASE_URL is set: that server is not ours to stop")
        else:
            cluster.stop()
            print(cluster.status())
    else:
        if settings.embedded:
            print(cluster.status())
        else:
            print(f"external database: {settings.url}")
        if not settings.embedded or cluster.running():
            conn = db.connect()
            n, last = db.query_rows(conn, "SELECT count(*), max(version) FROM schema_migrations")[0]
            conn.close()
            print(f"migrations applied: {n} (latest {last})")
    return 0
