"""The map's inspection layers as GeoDataFrames in EPSG:4490: inspections by result, review state and flags, and
the targets whose checks are overdue."""
from __future__ import annotations

import geopandas as gpd
import shapely

from geo import db

from . import schedule
from .auth import scope_prefix


def _prefix(code: str | None) -> str:
    if not code:
        return ""
    return scope_prefix(code) if len(code) == 12 else code


def map_features(conn, township_code: str | None = None) -> gpd.GeoDataFrame:
    """Inspections (one point each where it was logged). Columns: id, kind, target_kind, target_id, result,
    review_state, flags (list of codes), flagged, inspector, submitted_at, geometry."""
    df = db.query_df(conn, """SELECT i.id::text AS id, i.kind, i.target_kind, i.target_id, i.result, i.review_state,
                               coalesce((SELECT array_agg(DISTINCT f.code ORDER BY f.code) FROM inspection_flags f
                                         WHERE f.inspection_id = i.id), '{}') AS flags,
                               n.name AS inspector, i.submitted_at, ST_AsBinary(i.geom) AS wkb
                        FROM inspections i JOIN inspectors n ON n.id = i.inspector_id
                        WHERE coalesce(i.village_code, '') LIKE %s || '%%'
                        ORDER BY i.submitted_at""", (_prefix(township_code),))
    conn.rollback()
    df["flags"] = df["flags"].apply(list)
    df.insert(df.columns.get_loc("flags") + 1, "flagged", df["flags"].apply(bool))
    geom = shapely.from_wkb([bytes(b) for b in df.pop("wkb")])
    return gpd.GeoDataFrame(df, geometry=geom, crs=db.STORAGE_SRID)


def overdue_features(conn, as_of=None, township_code: str | None = None) -> gpd.GeoDataFrame:
    """Targets whose check is overdue. Columns: kind, target_kind, target_id, due_on, days_overdue, inspector,
    geometry (the target's point)."""
    df = schedule.overdue(conn, as_of=as_of, prefix=_prefix(township_code))
    conn.rollback()
    geom = shapely.points(df["lon"].astype(float).to_numpy(), df["lat"].astype(float).to_numpy())
    out = df[["kind", "target_kind", "target_id", "due_on", "days_overdue", "inspector"]].copy()
    return gpd.GeoDataFrame(out, geometry=geom, crs=db.STORAGE_SRID)
