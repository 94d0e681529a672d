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

from geo import cluster, db  # noqa: E402
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
