"""Who is looking, in which language: the language in force, the signed-in user and a connection as that user
(row-level security applies), the data's stamp, and reads cached per stamp and user so that one user's cache never
serves another."""
from __future__ import annotations

from contextlib import closing, contextmanager

import pandas as pd
import streamlit as st

from accounts import ui as accounts_ui
from accounts.scoped import connect_as
from geo import db
from geo.settings import settings

from . import indicators, rectification

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql


def lang() -> str:
    return st.session_state.get("lang", settings.language)


@contextmanager
def connection():
    """The page's connection as the signed-in user (RLS decides what it reads); nobody signed in: the login form."""
    with accounts_ui.user_connection() as conn:
        yield conn


def user():
    """The signed-in user (the login form, and the page stops, when there is none)."""
    return accounts_ui.require_login()


def who(u=None) -> tuple:
    """A cache key part for the user's view of the data: reads cached for one user never serve another."""
    u = u or user()
    return (u.id, u.role, u.scope_code)


def _as(url: str, key: tuple):
    """A connection as the user a cache key names (the users table says who that is now)."""
    u = user()
    if who(u) != key:
        raise PermissionError("the signed-in user changed; reload the page")
    return closing(connect_as(u, url))


def stamp(conn) -> int:
    """A number that changes whenever the data does: the cache key of the map and the overview."""
    return int(db.query_value(conn, SQL("data_stamp")))


@st.cache_data(ttl=settings.map_cache_ttl_s, show_spinner=False)
def options(url: str, stamp: int, name: str, township: str | None, key: tuple) -> pd.DataFrame:
    """A selector's options (board/sql/NAME.sql: rule sets, townships, a township's villages) as the user reads them."""
    with _as(url, key) as conn:
        return db.query_df(conn, SQL(name), {"township": township})


@st.cache_data(ttl=settings.map_cache_ttl_s, show_spinner=False)
def overview_villages(url: str, stamp: int, rule_set: str | None, key: tuple) -> pd.DataFrame:
    with _as(url, key) as conn:
        return indicators.villages(conn, rule_set)


@st.cache_data(ttl=settings.map_cache_ttl_s, show_spinner=False)
def refreshed_rectification(url: str, stamp: int, rule_set: str | None) -> tuple[int, int]:
    """Bring the rectification list up to date once per change of the data (not on every rerun). Derived from the
    check results for the whole county, so it runs on the owner's connection like the checks; pages read the list
    through the user's connection."""
    with closing(db.connect(url)) as conn:
        return rectification.refresh(conn, rule_set)
