"""What every map layer shares: the filters, the layers' SQL files (layers/sql/), GeoJSON building (rounded,
simplified, optionally shifted to a basemap's frame), the GeoJSON folium layer with popup and tooltip, and the legend
entries."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Callable

import folium
import numpy as np
import pandas as pd
import shapely

from geo import db
from geo.i18n import label, t
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
    """One layer's legend: a title and (colour, label, shape) rows; shape is 'circle', 'line' or 'box'."""
    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    note: str | None = None


def default_rule_set(conn) -> str | None:
    return db.query_value(conn, "SELECT name FROM rule_sets WHERE is_default")


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


def feature_collection(df: pd.DataFrame, props: list[str], shift: Shift | None = None) -> dict:
    """A GeoJSON FeatureCollection of the rows, with only the properties named (the payload stays small)."""
    geoms = geometries(df, shift)
    texts = shapely.to_geojson(geoms)
    records = [{k: _plain(v) for k, v in r.items()} for r in df[props].to_dict("records")] if props \
        else [{}] * len(df)
    feats = []
    for i, (g, rec) in enumerate(zip(texts, records)):
        if g is None:
            continue
        feats.append({"type": "Feature", "id": i, "geometry": json.loads(g), "properties": rec})
    return {"type": "FeatureCollection", "features": feats}


def geojson_layer(fc: dict, *, style: Callable[[dict], dict], fields: list[str], aliases: list[str],
                  tooltip: str | None = None, radius: float = 5, name: str = "") -> folium.GeoJson:
    """A folium GeoJson of points (drawn as circle markers), lines or polygons, styled per feature, with a popup
    table of `fields` under `aliases`, and a tooltip of one field (a click on it tells the page which record)."""
    kwargs = {}
    if fields:
        kwargs["popup"] = folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False, labels=True,
                                              max_width=360)
    if tooltip:
        kwargs["tooltip"] = folium.GeoJsonTooltip(fields=[tooltip], labels=False)
    return folium.GeoJson(fc, name=name, style_function=style, highlight_function=None,
                          marker=folium.CircleMarker(radius=radius, weight=1, fill=True, fill_opacity=0.85),
                          zoom_on_click=False, embed=True, **kwargs)


def circle_style(color_of: Callable[[dict], str], border: Callable[[dict], str] | None = None):
    def style(feature):
        p = feature["properties"]
        c = color_of(p)
        return {"color": border(p) if border else "#333333", "fillColor": c, "weight": 1, "fillOpacity": 0.85}
    return style


def labelled(df: pd.DataFrame, column: str, vocabulary: str, lang: str, out: str | None = None) -> pd.DataFrame:
    """Add the vocabulary labels of a coded column (in `lang`) as column `out` (default: column + '_l')."""
    df[out or column + "_l"] = df[column].map(lambda v: label(vocabulary, v, lang))
    return df


def labelled_list(df: pd.DataFrame, column: str, vocabulary: str, lang: str, out: str | None = None
                  ) -> pd.DataFrame:
    df[out or column + "_l"] = df[column].map(lambda vs: label(vocabulary, list(vs or []), lang))
    return df


def fmt_num(df: pd.DataFrame, column: str, digits: int = 0) -> pd.DataFrame:
    """A numeric column as text with fixed digits (popups show '812', not '812.3456789')."""
    df[column] = df[column].map(lambda v: "" if v is None or v != v else f"{float(v):,.{digits}f}")
    return df


def fmt_date(df: pd.DataFrame, column: str) -> pd.DataFrame:
    df[column] = df[column].map(lambda v: "" if v is None or v != v else str(v))
    return df


@dataclass
class LayerResult:
    """What a layer module hands the map: folium groups (each a switchable overlay), legends, and how many
    features each group sends to the browser (the payload guard reads it)."""
    groups: list[folium.FeatureGroup] = field(default_factory=list)
    legends: list[Legend] = field(default_factory=list)
    features: dict[str, int] = field(default_factory=dict)
    aggregated: bool = False

    def add(self, group: folium.FeatureGroup, n: int) -> None:
        self.groups.append(group)
        self.features[group.layer_name] = n


def over_cap(df: pd.DataFrame) -> bool:
    """The raw query returned cap + 1 rows: too many to send, draw the aggregate."""
    return len(df) > settings.map_max_features


def count_radius(n, lo: float = 5, hi: float = 18) -> float:
    """Circle radius for an aggregate count (area grows with the count)."""
    return float(min(hi, lo + np.sqrt(max(0, n or 0))))


TIP_SEP = " · "


def tip(names: pd.Series, ids: pd.Series) -> pd.Series:
    """Tooltip text 'name · id': a click hands it back to the page, which reads the id after the separator."""
    return names.fillna("").astype(str) + TIP_SEP + ids.astype(str)


def id_from_tip(text: str | None) -> str | None:
    if not text:
        return None
    return str(text).rsplit(TIP_SEP, 1)[-1].strip() or None


def grid_counts(df: pd.DataFrame, flags: tuple[str, ...] = ()) -> pd.DataFrame:
    """Points counted per grid cell (settings.map_grid_deg, about 2 km), each cell at the mean position of its
    points, with the number of points where each boolean column in `flags` is true: the fallback aggregate of a
    layer that has no better one (per village) when it has too many features to send."""
    g = settings.map_grid_deg
    cells = pd.DataFrame({"gx": np.floor(df["lon"].to_numpy(float) / g), "gy": np.floor(df["lat"].to_numpy(float) / g),
                          "lon": df["lon"].to_numpy(float), "lat": df["lat"].to_numpy(float)})
    for col in flags:
        cells[col] = df[col].fillna(False).astype(bool).to_numpy()
    agg = {"lon": ("lon", "mean"), "lat": ("lat", "mean"), "n": ("lon", "size")}
    agg.update({col: (col, "sum") for col in flags})
    return cells.groupby(["gx", "gy"]).agg(**agg).reset_index(drop=True)


def grid_layer(df: pd.DataFrame, color: str, lang: str, shift, labels: dict[str, str]) -> tuple[folium.GeoJson, int]:
    """Grid-cell aggregates as circles sized by count, with a popup of the counts."""
    fields = ["n", *labels]
    fc = feature_collection(df, fields, shift)
    layer = geojson_layer(fc, style=lambda ft: {"color": "#333333", "weight": 1, "fillColor": color,
                                                "fillOpacity": 0.75, "radius": count_radius(ft["properties"]["n"])},
                          fields=fields, aliases=[t("count", lang), *labels.values()])
    return layer, len(fc["features"])
