"""Schedules: which targets are due or overdue for which check (intervals in geo/settings.py), per inspector's scope
and per village, and the tasks nearest to where an inspector stands."""
from __future__ import annotations

from datetime import date

import pandas as pd

from geo import db
from geo.settings import settings

from .auth import Inspector

SQL = db.SqlFiles(__file__)


def due(conn, *, as_of: date | None = None, prefix: str = "", village: str | None = None, within_days: int = 7,
        lon: float | None = None, lat: float | None = None, limit: int | None = None) -> pd.DataFrame:
    """Checks due by `as_of` + `within_days` (overdue ones included), nearest to lon/lat first when given.

    Columns: kind, target_kind, target_id, label, village_code, last_on, interval_days, due_on, days_overdue,
    overdue, inspector (village inspectors responsible), lon, lat, distance_m."""
    params = {
        "as_of": as_of or date.today(), "prefix": prefix, "village": village, "within_days": within_days,
        "monitored_days": settings.visit_monitored_days, "household_days": settings.visit_household_days,
        "water_works_days": settings.patrol_water_works_days, "zone_days": settings.patrol_protection_zone_days,
        "idle_house_days": settings.check_idle_house_days, "lon": lon, "lat": lat, "limit": limit,
    }
    return db.query_df(conn, SQL("schedule"), params)


def overdue(conn, *, as_of: date | None = None, prefix: str = "", village: str | None = None) -> pd.DataFrame:
    df = due(conn, as_of=as_of, prefix=prefix, village=village, within_days=0)
    return df[df["overdue"]].reset_index(drop=True)


def for_inspector(conn, who: Inspector, as_of: date | None = None, within_days: int = 7) -> pd.DataFrame:
    """Due and overdue checks in one person's scope."""
    return due(conn, as_of=as_of, prefix=who.scope_prefix, within_days=within_days)


def by_village(conn, *, as_of: date | None = None, prefix: str = "") -> pd.DataFrame:
    """Per village: checks due within a week, and overdue, with the worst delay."""
    df = due(conn, as_of=as_of, prefix=prefix)
    if df.empty:
        return pd.DataFrame(columns=["village_code", "due", "overdue", "max_days_overdue"])
    return (df.groupby(df["village_code"].fillna(""), dropna=False)
              .agg(due=("target_id", "size"), overdue=("overdue", "sum"), max_days_overdue=("days_overdue", "max"))
              .reset_index().sort_values(["overdue", "max_days_overdue"], ascending=False))


def tasks(conn, who: Inspector, lon: float | None, lat: float | None, as_of: date | None = None) -> pd.DataFrame:
    """The inspector's due list, nearest first from where they stand (the API's /tasks)."""
    return due(conn, as_of=as_of, prefix=who.scope_prefix, lon=lon, lat=lat, limit=settings.tasks_near_limit)
