"""Test fixtures: a real PostGIS. Each test that asks for `db_url` gets a fresh, migrated database cloned from a
template built once per run, on TEST_DATABASE_URL's server if set, else on the embedded cluster."""
from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import db  # noqa: E402
from geo.db import cluster  # noqa: E402
from geo.settings import settings  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
_counter = itertools.count()


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(server_url: str):
    conn = psycopg2.connect(_with_db(server_url, "postgres"))
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_server() -> str:
    """URL of a server where tests may create and drop their own databases."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        os.environ.pop("DATABASE_URL", None)
        cluster.start()
        url = settings.url
    return url


@pytest.fixture(scope="session")
def template_db(pg_server):
    name = f"dixian_tmpl_{os.getpid()}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = _with_db(pg_server, name)
    db.migrate(url)
    yield url
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def new_database(pg_server: str, template_url: str) -> tuple[str, str]:
    name = f"dixian_t_{os.getpid()}_{next(_counter)}"
    template = urlsplit(template_url).path.lstrip("/")
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    admin.close()
    return name, _with_db(pg_server, name)


def drop_database(pg_server: str, name: str) -> None:
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture
def db_url(pg_server, template_db, monkeypatch):
    """A fresh migrated database for this test; DATABASE_URL points at it, for code and subprocesses alike."""
    name, url = new_database(pg_server, template_db)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    drop_database(pg_server, name)


@pytest.fixture(scope="module")
def module_db_url(pg_server, template_db):
    """A fresh migrated database shared by one test module (for tests that only read what it loads once)."""
    name, url = new_database(pg_server, template_db)
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    yield url
    if old is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = old
    drop_database(pg_server, name)


@pytest.fixture
def conn(db_url):
    c = db.connect(db_url)
    yield c
    c.close()


# --- A real signed-in user for pages and the API (accounts): a users row and a live session, no bypass ---
TEST_PASSWORD = "test password for pages 1"
SESSION_KEY = "dixian_session_token"   # accounts.ui keeps the web session's token under this key


def account_for(role: str = "admin", scope: str | None = None, login: str | None = None, url: str | None = None):
    """The user `login` (default: role and scope) in the test's database, created on first use."""
    from accounts import users
    login = login or f"{role}_{scope or 'all'}"
    c = db.connect(url)
    try:
        with c.cursor() as cur:
            u = users.find_user(cur, login) or users.create_user(cur, login, TEST_PASSWORD, role, scope)
        c.commit()
    finally:
        c.close()
    return u


def session_token(user, kind: str = "web", url: str | None = None) -> str:
    """A live session (kind 'web') or bearer token (kind 'api') of `user`, as signing in would create it."""
    from accounts import sessions
    c = db.connect(url)
    try:
        with c.cursor() as cur:
            token = sessions.create(cur, user, kind)
        c.commit()
    finally:
        c.close()
    return token


def sign_in(at, role: str = "admin", scope: str | None = None, login: str | None = None, url: str | None = None):
    """Sign an AppTest in as a (new or existing) user of `role` and `scope`: a real user and a real web session,
    the token placed where the login form puts it. Returns the user."""
    u = account_for(role, scope, login, url)
    at.session_state[SESSION_KEY] = session_token(u, "web", url)
    return u
