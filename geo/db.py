"""Database access: connections with the project's search path, migrations, and bulk COPY."""
from __future__ import annotations

import hashlib
import io
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import psycopg2
import psycopg2.extras

from .settings import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 7_261_932  # advisory lock key: one migrator at a time


def connect(url: str | None = None, *, autocommit: bool = False):
    """A new connection to `url` (default: the configured database) with search_path on the project's schema."""
    conn = psycopg2.connect(url or settings.url, application_name="dixian",
                            options=f"-c search_path={settings.schema},public -c timezone=Asia/Shanghai")
    conn.autocommit = autocommit
    return conn


@contextmanager
def transaction(url: str | None = None) -> Iterator:
    """A connection whose work commits on success and rolls back whole on any error."""
    conn = connect(url)
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


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
            cur.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
            conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()
    return applied


def copy_rows(cur, table: str, columns: list[str], rows: Iterable[Iterable]) -> int:
    """COPY rows (tuples, None for NULL) into `table` in one stream; far faster than INSERTs for big loads."""
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(_copy_value(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
    return n


def _copy_value(v) -> str:
    if v is None:
        return r"\N"
    if isinstance(v, float) and v != v:  # NaN
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (list, tuple)):  # a PostgreSQL array literal, then COPY-escaped like any text
        s = "{" + ",".join('"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"' for x in v) + "}"
    else:
        s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def fetch_df(sql: str, params=None, url: str | None = None, conn=None):
    """Run a query and return a pandas DataFrame."""
    import pandas as pd
    own = conn is None
    conn = conn or connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            cols = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=cols)
    finally:
        if own:
            conn.close()
