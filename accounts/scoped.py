"""Connections that run as the app's database role for a user the database itself recognised (acct_begin checks
the user's token; the owner vouches for a user without one), so row-level security decides what every query sees,
whether or not the calling page remembered to filter, and nothing the connection sets changes who it is."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from psycopg2 import sql

from geo import db
from geo.settings import settings

from .users import User


def db_role(user: User) -> str:
    """The database role a user's transactions run as: without SELECT on ID and phone numbers unless needed."""
    return settings.app_db_role if user.sees_personal else settings.app_db_role_masked


def _owner_url(url: str | None) -> str:
    """The owner's URL for the database a scoped connection goes to: `url` when it is not the app's own login."""
    if url and url != settings.app_url(url):
        return url
    return settings.url


def _identify(cur, user: User, local: bool, url: str | None) -> str | None:
    """Make the database know this connection is `user`: its token checked by acct_begin, or, for a user read by
    the owner (no token: command lines, jobs, tests), the owner's word (acct_vouch) given on the owner's own
    connection. Returns the database role the database chose, None if it refused."""
    if user.token:
        cur.execute("SELECT acct_begin(%s, %s, %s)", (user.token, user.token_kind, local))
        return cur.fetchone()[0]
    cur.execute("SELECT pg_backend_pid(), session_user = %s, CASE WHEN %s THEN pg_current_xact_id() END",
                (settings.app_login_role, local))
    pid, app_login, xact = cur.fetchone()
    if not app_login:  # the owner's (or a superuser's) own connection vouches for itself
        cur.execute("SELECT acct_vouch(%s, %s, %s)", (pid, user.id, xact))
        return cur.fetchone()[0]
    with db.transaction(_owner_url(url), pool=True) as owner, owner.cursor() as oc:
        oc.execute("SELECT acct_vouch(%s, %s, %s)", (pid, user.id, xact))
        return oc.fetchone()[0]


def apply_user(cur, user: User, *, local: bool = True, url: str | None = None) -> None:
    """Switch this transaction (or, with local=False, this session) to the app role and the user, as the database
    records it: the policies read that record (acct_identity), not anything this connection could set."""
    if not user.active:
        raise PermissionError(f"user {user.login!r} is inactive")
    if user.scope_code is None and user.role != "admin":
        raise PermissionError(f"user {user.login!r} has no scope")
    role = _identify(cur, user, local, url)
    if role is None:
        raise PermissionError(f"user {user.login!r}: the database does not recognise this session")
    cur.execute(sql.SQL("SET LOCAL ROLE {}" if local else "SET ROLE {}").format(sql.Identifier(role)))


def _connect(url: str | None):
    """A connection as the app's login role to the database of `url` (default: the configured one), never as its
    owner: the login holds nothing itself, so after RESET ROLE it reads nothing."""
    return db.connect(settings.app_url(url))


@contextmanager
def scoped_transaction(user: User, url: str | None = None, conn=None) -> Iterator:
    """A transaction as `user`: commits on success, rolls back whole on error. With `conn` (say, from a pool) the
    role and settings are set LOCAL, so they end with the transaction and the connection is clean for the next."""
    own = conn is None
    conn = conn or _connect(url)
    try:
        with conn.cursor() as cur:
            apply_user(cur, user, local=True, url=url)
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
            apply_user(cur, user, local=False, url=url)
        conn.commit()
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def pooled_as(user: User, url: str | None = None) -> Iterator:
    """connect_as on a connection borrowed from the process's pool (the server's requests): `user` for as long as
    it is borrowed, whatever it commits or rolls back; the pool discards the role and settings when it comes back."""
    with db.pooled(settings.app_url(url)) as conn:
        with conn.cursor() as cur:
            apply_user(cur, user, local=False, url=url)
        conn.commit()
        yield conn


def fetch_df(user: User, query: str, params=None, url: str | None = None):
    """A query's rows as a DataFrame, read as `user` (the data layer's one-liner for pages)."""
    with scoped_transaction(user, url) as conn:
        return db.query_df(conn, query, params)
