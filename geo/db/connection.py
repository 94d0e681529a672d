"""Connections: one to the project's schema, a transaction that commits whole or not at all, and a pool for the
one server process where pages and the field API share connections."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.pool

from ..settings import settings


def _options() -> str:
    """Every connection's settings: the project's schema first, the county's time zone, and no JIT: row-level
    security's sub-plans inflate the planner's cost estimates past jit_above_cost, and compiling a plan then cost
    more than running it (1.7 s against 20 ms for a village's field targets; three times a monthly report's run)."""
    return f"-c search_path={settings.schema},public -c timezone=Asia/Shanghai -c jit=off"


def connect(url: str | None = None, *, autocommit: bool = False):
    """A new connection to `url` (default: the configured database) with search_path on the project's schema."""
    conn = psycopg2.connect(url or settings.url, application_name="dixian",
                            options=_options())
    conn.autocommit = autocommit
    return conn


@contextmanager
def transaction(url: str | None = None, conn=None, *, pool: bool = False) -> Iterator:
    """A connection whose work commits on success and rolls back whole on any error. With `conn` the transaction
    runs on it and leaves it open; with `pool` on one borrowed from the process's pool (the server's requests) and
    given back; otherwise a new connection is opened and closed."""
    if conn is None and pool:
        with pooled(url) as borrowed, transaction(conn=borrowed) as conn:
            yield conn
        return
    own = conn is None
    conn = conn or connect(url)
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if own:
            conn.close()


_POOLS: dict[str, psycopg2.pool.ThreadedConnectionPool] = {}
_POOLS_LOCK = threading.Lock()


def _pool(url: str) -> psycopg2.pool.ThreadedConnectionPool:
    with _POOLS_LOCK:
        if url not in _POOLS:
            # psycopg2 keeps at most `minconn` idle connections (it closes the rest when they come back), and
            # opens that many at once: a few kept warm, up to db_pool_size in use.
            _POOLS[url] = psycopg2.pool.ThreadedConnectionPool(
                min(4, settings.db_pool_size), settings.db_pool_size, url, application_name="dixian",
                options=_options())
        return _POOLS[url]


@contextmanager
def pooled(url: str | None = None) -> Iterator:
    """A connection borrowed from the process's pool for `url` (default: the configured database) and given back
    clean: whatever the borrower left open is rolled back, the user the database recorded for it is forgotten
    (acct_end), and session-level state (SET ROLE, settings, temporary tables) is discarded, so the next borrower
    starts as a new connection would. A broken connection is closed instead of returned."""
    pool = _pool(url or settings.url)
    conn = pool.getconn()
    broken = False
    try:
        yield conn
    finally:
        try:
            if conn.closed:
                broken = True
            else:
                if conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                    conn.rollback()
                conn.autocommit = True  # DISCARD ALL runs outside a transaction
                with conn.cursor() as cur:
                    try:
                        cur.execute(f"SELECT {psycopg2.extensions.quote_ident(settings.schema, cur)}.acct_end()")
                    except (psycopg2.errors.UndefinedFunction, psycopg2.errors.InvalidSchemaName):
                        pass  # a database not migrated that far
                    cur.execute("DISCARD ALL")
                conn.autocommit = False
        except psycopg2.Error:
            broken = True
        pool.putconn(conn, close=broken)


def close_pools() -> None:
    """Close every pooled connection (tests that drop their database, and the server at shutdown)."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.closeall()
        _POOLS.clear()
