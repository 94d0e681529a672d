"""Inspections layer (巡查): recent checks and overdue targets, from inspections.mapdata (the field-inspection
capability owns the query; this module only styles and draws it)."""
from __future__ import annotations

import folium
import pandas as pd
import shapely

from geo import frames
from geo.i18n import t

from .base import Filters, Legend, LayerResult, feature_collection, geojson_layer, grid_counts

KEY = "inspections"
OPEN_COLOR = "#6a3d9a"
OVERDUE_COLOR = "#ff7f00"
_HIDDEN = {"geometry", "geom", "lon", "lat"}


def _frame(gdf) -> pd.DataFrame:
    """A GeoDataFrame as lon/lat rows in CGCS2000 with its attribute columns as text (popups show them as is)."""
    if gdf is None or len(gdf) == 0:
        return pd.DataFrame(columns=["lon", "lat"])
    if gdf.crs is not None and gdf.crs.to_epsg() != frames.STORAGE_SRID:
        gdf = gdf.to_crs(frames.STORAGE_SRID)
    pts = shapely.point_on_surface(gdf.geometry.values)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    df["lon"], df["lat"] = shapely.get_x(pts), shapely.get_y(pts)
    return df


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    from inspections import mapdata  # the inspections capability; missing means that capability is not installed
    res = LayerResult()
    cap = int(f.params()["cap"])
    for name_key, gdf, color in (
            ("inspection_open", mapdata.map_features(conn, township_code=f.township), OPEN_COLOR),
            ("inspection_overdue", mapdata.overdue_features(conn, township_code=f.township), OVERDUE_COLOR)):
        df = _frame(gdf)
        if len(df) > cap:   # too many to send one by one: counts per grid cell of about 2 km
            res.aggregated = True
            df = grid_counts(df).rename(columns={"n": t("count", lang)})
        cols = [c for c in df.columns if c not in _HIDDEN][:10]
        fc = feature_collection(df, cols, shift)
        g = folium.FeatureGroup(name=f"{t('layer_inspections', lang)}：{t(name_key, lang)}", show=True)
        geojson_layer(fc, style=lambda ft, c=color: {"color": "#ffffff", "weight": 1, "fillColor": c,
                                                      "fillOpacity": 0.9, "radius": 6},
                      fields=cols, aliases=cols).add_to(g)
        res.add(g, len(fc["features"]))
    res.legends.append(Legend(t("layer_inspections", lang), [(OPEN_COLOR, t("inspection_open", lang), "circle"),
                                                             (OVERDUE_COLOR, t("inspection_overdue", lang), "circle")],
                              t("aggregated_note", lang) if res.aggregated else None))
    return res
