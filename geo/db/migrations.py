"""Migrations: SQL files geo/migrations/NNN_name.sql applied in order, each once, recorded with a checksum."""
from __future__ import annotations

import hashlib
from pathlib import Path

from psycopg2 import sql as pgsql

from ..settings import settings
from .connection import connect

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_LOCK = 7_261_932  # advisory lock key: one migrator at a time


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql"))


def migrate(url: str | None = None) -> list[str]:
    """Apply the migrations not yet recorded, in order, each in its own transaction; return the names applied."""
    applied: list[str] = []
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cur.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {settings.schema}")
            cur.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                               version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                               applied_at timestamptz NOT NULL DEFAULT now())""")
            conn.commit()
            cur.execute("SELECT version, checksum FROM schema_migrations")
            done = dict(cur.fetchall())
            for path in migration_files():
                version, name = path.stem.split("_", 1)
                sql = path.read_text(encoding="utf-8")
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if version in done:
                    if done[version] != checksum:
                        raise RuntimeError(f"migration {path.name} changed after it was applied; "
                                           f"add a new migration instead of editing it")
                    continue
                cur.execute(sql)
                cur.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                            (version, name, checksum))
                conn.commit()
                applied.append(path.name)
            # The app's login may name the schema (to call acct_begin and acct_end) and nothing more: every table
            # and view is granted to the app roles it SETs ROLE to, never to the login itself.
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.app_login_role,))
            if cur.fetchone():
                cur.execute(pgsql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                    pgsql.Identifier(settings.schema), pgsql.Identifier(settings.app_login_role)))
            conn.commit()
            cur.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
            conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return applied
