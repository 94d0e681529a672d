"""SQL kept as SQL: named `.sql` files beside the code that uses them, loaded one way, run with parameters into
rows or DataFrames."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd


class SqlFiles:
    """The statements in one folder, by name: `SQL = SqlFiles(__file__)` beside a module reads `sql/NAME.sql`
    next to it (a folder may be given instead). Each file is read once."""

    def __init__(self, where: str | Path, folder: str = "sql"):
        where = Path(where).resolve()
        self.folder = where if where.is_dir() else where.parent / folder

    def __call__(self, name: str) -> str:
        return _read(self.folder / f"{name}.sql")

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.sql"))


@lru_cache(maxsize=None)
def _read(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


def query_df(conn, sql: str, params=None) -> pd.DataFrame:
    """A query's rows as a DataFrame with the query's column names (small and middling results; a big one goes
    through copy.copy_out_frame)."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def query_rows(conn, sql: str, params=None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def query_value(conn, sql: str, params=None):
    """The first column of the first row, or None when there is no row."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return row[0] if row else None
