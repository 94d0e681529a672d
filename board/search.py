"""Search the map by name or 12-digit code: administrative units, natural villages, households, sources, sites."""
from __future__ import annotations

import pandas as pd

from geo import db

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql


def find(conn, text: str) -> pd.DataFrame:
    """Up to 20 hits (kind, id, name, lon, lat), exact matches first."""
    q = (text or "").strip()
    if not q:
        return pd.DataFrame(columns=["kind", "id", "name", "lon", "lat", "exact"])
    return db.query_df(conn, SQL("search"), {"q": q, "like": f"%{q}%", "prefix": f"{q}%"})
