"""`python -m geo db up|down|status`: bring the database up to date, stop it, or say where it is."""
from __future__ import annotations

from . import db
from .db import cluster
from .settings import settings


def register(sub) -> None:
    p = sub.add_parser("db", help="database: up (start and migrate), down, status",
                       description="Start the embedded cluster (when DATABASE_URL is unset) and apply migrations; "
                                   "stop it; or report its state.")
    p.add_argument("action", choices=["up", "down", "status"])
    p.set_defaults(func=run)


def up() -> list[str]:
    """Make the configured database reachable and up to date; return the migrations applied."""
    if settings.embedded:
        cluster.start()
    return db.migrate()


def run(args) -> int:
    if args.action == "up":
        applied = up()
        print(f"database up: {settings.url}" + (f"; applied {', '.join(applied)}" if applied else "; schema current"))
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
