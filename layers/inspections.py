"""Inspections layer (巡查): recent checks and overdue targets, from inspections.mapdata (the field-inspection
capability owns the query; this module only styles and draws it)."""
from __future__ import annotations

import folium
import pandas as pd
import shapely

from geo import frames
from geo.i18n import t

from .base import Filters, LayerResult, Legend
from .grid import grid_counts, grid_layer
from .popup import Field, Popup, coded, day

OPEN_COLOR = "#6a3d9a"
OVERDUE_COLOR = "#ff7f00"


def _popups() -> tuple[Popup, Popup]:
    """The popups of checks logged and of checks overdue (they read the inspections capability's words)."""
    from inspections import forms, validation
    from inspections.page import form_title
    check = Field("kind", "check_kind", lambda k, lang: form_title(forms.load(k), lang))
    target = (Field("target_id", "target_id"), Field("target_kind", "target_kind", coded("target_kind")), check)
    logged = Popup((*target, Field("result", "result", coded("inspection_result")),
                    Field("review_state", "review_state", coded("review_state")),
                    Field("flags", "flags", lambda fs, lang: "、".join(validation.label(f, lang) for f in fs)),
                    Field("inspector", "inspector"), Field("submitted_at", "submitted_at", day)), tip=())
    overdue = Popup((*target, Field("due_on", "due_on", day), Field("days_overdue", "days_overdue"),
                     Field("inspector", "inspector")), tip=())
    return logged, overdue


def _frame(gdf) -> pd.DataFrame:
    """A GeoDataFrame as rows with lon/lat in CGCS2000 (a polygon target at a point on its surface)."""
    if gdf is None or len(gdf) == 0:
        return pd.DataFrame(columns=["lon", "lat"])
    if gdf.crs is not None and gdf.crs.to_epsg() != frames.STORAGE_SRID:
        gdf = gdf.to_crs(frames.STORAGE_SRID)
    pts = shapely.point_on_surface(gdf.geometry.values)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df["lon"], df["lat"] = shapely.get_x(pts), shapely.get_y(pts)
    return df


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    from inspections import mapdata  # the inspections capability; missing means that capability is not installed
    res = LayerResult()
    cap = int(f.params()["cap"])
    logged, overdue = _popups()
    for name_key, gdf, color, popup in (
            ("inspection_open", mapdata.map_features(conn, township_code=f.township), OPEN_COLOR, logged),
            ("inspection_overdue", mapdata.overdue_features(conn, township_code=f.township), OVERDUE_COLOR, overdue)):
        df = _frame(gdf)
        g = folium.FeatureGroup(name=f"{t('layer_inspections', lang)}：{t(name_key, lang)}", show=True)
        if len(df) > cap:   # too many to send one by one: counts per grid cell of about 2 km
            res.aggregated = True
            layer, n = grid_layer(grid_counts(df), color, lang, shift)
        elif len(df):
            layer, n = popup.layer(df, lang, shift=shift, style=lambda ft, c=color: {
                "color": "#ffffff", "weight": 1, "fillColor": c, "fillOpacity": 0.9, "radius": 6})
        else:
            layer, n = None, 0
        if layer is not None:
            layer.add_to(g)
        res.add(g, n)
    res.legends.append(Legend(t("layer_inspections", lang), [(OPEN_COLOR, t("inspection_open", lang), "circle"),
                                                             (OVERDUE_COLOR, t("inspection_overdue", lang), "circle")],
                              t("aggregated_note", lang) if res.aggregated else None))
    return res
