"""Connections that run as the app's database role with the session's user, role and scope set, so row-level
security decides what every query sees, whether or not the calling page remembered to filter."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from psycopg2 import sql

from geo import db
from geo.settings import settings

from .users import User

_SET = """SELECT set_config('dixian.user_id', %(id)s, %(local)s),
                 set_config('dixian.user_login', %(login)s, %(local)s),
                 set_config('dixian.user_role', %(role)s, %(local)s),
                 set_config('dixian.user_scope', %(scope)s, %(local)s),
                 set_config('dixian.scope_prefix', acct_scope_prefix(%(code)s), %(local)s)"""


def db_role(user: User) -> str:
    """The database role a user's transactions run as: without SELECT on ID and phone numbers unless needed."""
    return settings.app_db_role if user.sees_personal else settings.app_db_role_masked


def apply_user(cur, user: User, *, local: bool = True) -> None:
    """Switch this transaction (or, with local=False, this session) to the app role and the user's scope."""
    if not user.active:
        raise PermissionError(f"user {user.login!r} is inactive")
    if user.scope_code is None and user.role != "admin":
        raise PermissionError(f"user {user.login!r} has no scope")
    cur.execute(sql.SQL("SET LOCAL ROLE {}" if local else "SET ROLE {}").format(sql.Identifier(db_role(user))))
    cur.execute(_SET, {"id": str(user.id), "login": user.login, "role": user.role,
                       "scope": user.scope_code or "*", "code": user.scope_code, "local": local})


def _connect(url: str | None):
    return db.connect(url or settings.app_database_url)


@contextmanager
def scoped_transaction(user: User, url: str | None = None, conn=None) -> Iterator:
    """A transaction as `user`: commits on success, rolls back whole on error. With `conn` (say, from a pool) the
    role and settings are set LOCAL, so they end with the transaction and the connection is clean for the next."""
    own = conn is None
    conn = conn or _connect(url)
    try:
        with conn.cursor() as cur:
            apply_user(cur, user, local=True)
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if own:
            conn.close()


def connect_as(user: User, url: str | None = None):
    """A connection that stays `user` for its life (session-level SET ROLE and settings): for a worker or script
    that serves one user. Close it when done; never hand it to another user."""
    conn = _connect(url)
    try:
        with conn.cursor() as cur:
            apply_user(cur, user, local=False)
        conn.commit()
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def pooled_as(user: User, url: str | None = None) -> Iterator:
    """connect_as on a connection borrowed from the process's pool (the server's requests): `user` for as long as
    it is borrowed, whatever it commits or rolls back; the pool discards the role and settings when it comes back."""
    with db.pooled(url or settings.app_database_url) as conn:
        with conn.cursor() as cur:
            apply_user(cur, user, local=False)
        conn.commit()
        yield conn


def fetch_df(user: User, query: str, params=None, url: str | None = None):
    """A query's rows as a DataFrame, read as `user` (the data layer's one-liner for pages)."""
    with scoped_transaction(user, url) as conn:
        return db.query_df(conn, query, params)
