"""What every map layer shares: the filters, the layers' SQL files (layers/sql/), GeoJSON building (rounded,
simplified, optionally shifted to a basemap's frame), what a layer hands the map, and the payload guard."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

import folium
import numpy as np
import pandas as pd
import shapely

from geo import db
from geo.settings import settings

SQL = db.SqlFiles(__file__)   # layers/sql/NAME.sql


@dataclass(frozen=True)
class Filters:
    """What the planner narrowed the map to; every field None means the whole county."""
    township: str | None = None   # 12-digit code
    village: str | None = None    # 12-digit code
    category: str | None = None   # household category code
    rule_set: str | None = None   # None: the default rule set

    def params(self, **more) -> dict:
        return {"township": self.township, "village": self.village, "category": self.category,
                "rule_set": self.rule_set, "cap": settings.map_max_features,
                "tol": settings.map_simplify_deg, "visit_days": settings.visit_monitored_days, **more}


@dataclass
class Legend:
    """One layer's legend: a title and (colour, label, shape) rows; shape is 'circle', 'line', 'dash', 'box' or
    'ring'."""
    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    note: str | None = None


@dataclass
class LayerResult:
    """What a layer module hands the map: folium groups (each a switchable overlay), legends, and how many
    features each group sends to the browser (the payload guard reads it)."""
    groups: list[folium.FeatureGroup] = field(default_factory=list)
    legends: list[Legend] = field(default_factory=list)
    features: dict[str, int] = field(default_factory=dict)
    aggregated: bool = False
    tiled: list[str] = field(default_factory=list)   # groups drawn from vector tiles (nothing in the payload)

    def add(self, group: folium.FeatureGroup, n: int) -> None:
        self.groups.append(group)
        self.features[group.layer_name] = n

    def add_tiled(self, group: folium.FeatureGroup) -> None:
        self.groups.append(group)
        self.tiled.append(group.layer_name)


def default_rule_set(conn) -> str | None:
    return db.query_value(conn, "SELECT name FROM rule_sets WHERE is_default")


def over_cap(df: pd.DataFrame) -> bool:
    """The raw query returned cap + 1 rows: too many to send, draw the aggregate."""
    return len(df) > settings.map_max_features


def count_radius(n, lo: float = 5, hi: float = 18) -> float:
    """Circle radius for an aggregate count (area grows with the count)."""
    return float(min(hi, lo + np.sqrt(max(0, n or 0))))


# --- geometry to GeoJSON -------------------------------------------------------------------------------------------

Shift = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _round_shift(xy: np.ndarray, shift: Shift | None) -> np.ndarray:
    x, y = xy[:, 0], xy[:, 1]
    if shift is not None:
        x, y = shift(x, y)
    d = settings.map_coord_decimals
    return np.column_stack([np.round(x, d), np.round(y, d)])


def geometries(df: pd.DataFrame, shift: Shift | None = None) -> np.ndarray:
    """Shapely geometries for a frame with either lon/lat columns (points) or a WKB `geom` column."""
    if "geom" in df.columns:
        geoms = shapely.from_wkb([None if g is None else bytes(g) for g in df["geom"]])
    else:
        geoms = shapely.points(df["lon"].to_numpy(float), df["lat"].to_numpy(float))
    return shapely.transform(geoms, lambda xy: _round_shift(xy, shift))


def _plain(v):
    """A value as JSON has it (numbers from NUMERIC columns, numpy scalars, dates, NaN as null)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return v


def feature_collection(df: pd.DataFrame, properties: pd.DataFrame | None = None, shift: Shift | None = None
                       ) -> dict:
    """A GeoJSON FeatureCollection of the rows' geometries with `properties` (a frame on the same index; only what
    the popup and the style read, so the payload stays small)."""
    texts = shapely.to_geojson(geometries(df, shift))
    records = [{k: _plain(v) for k, v in r.items()} for r in properties.to_dict("records")] \
        if properties is not None and len(properties.columns) else [{}] * len(df)
    feats = []
    for i, (g, rec) in enumerate(zip(texts, records)):
        if g is None:
            continue
        feats.append({"type": "Feature", "id": i, "geometry": json.loads(g), "properties": rec})
    return {"type": "FeatureCollection", "features": feats}
