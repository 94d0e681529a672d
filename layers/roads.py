"""Roads layer (道路): hardened vs not, natural villages by road status (gaps marked), and villages whose nearest
hardened road does not connect to the township seat."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import t

from .base import SQL, Filters, LayerResult, Legend, over_cap
from .grid import grid_counts, grid_layer
from .popup import Field, Popup, coded, number, yes_no

HARD = "#252525"
SOFT = "#bf812d"
CLASS_WEIGHT = {"county": 4, "township": 3, "village": 2.2, "group": 1.6, "path": 1}
NV_COLOR = {"gap": "#d7191c", "ok": "#1a9641", "not_required": "#abd9e9"}
DISCONNECTED = "#ff00ff"

MERGED = Popup((Field("surface", "surface", coded("road_surface")), Field("class", "class", coded("road_class")),
                Field("n", "count"), Field("km", "km")), tip=())
ROADS = Popup((Field("id", "id"), Field("name", "name"), Field("surface", "surface", coded("road_surface")),
               Field("class", "class", coded("road_class")), Field("all_season", "all_season", yes_no),
               Field("bus", "bus", yes_no)), tip=())
NATURAL_VILLAGES = Popup((Field("id", "id"), Field("name", "natural_village"), Field("households", "households"),
                          Field("village_name", "village"), Field("required", "required", yes_no),
                          Field("has_hardened_road", "has_hardened_road", yes_no), Field("gap", "gap", yes_no),
                          Field("road_id", "layer_roads"), Field("road_distance_m", "road_distance_m", number(0)),
                          Field("connected_to_seat", "connected_to_seat", yes_no),
                          Field("network_km_to_seat", "network_km_to_seat", number(1))))


def nv_state(p) -> str:
    if p.get("gap"):
        return "gap"
    return "ok" if p.get("has_hardened_road") else "not_required"


def road_style(ft) -> dict:
    hardened = ft["properties"]["hardened"]
    return {"color": HARD if hardened else SOFT, "weight": CLASS_WEIGHT.get(ft["properties"]["class"], 1.5),
            "dashArray": None if hardened else "5 4", "opacity": 0.9}


def nv_style(ft) -> dict:
    disconnected = ft["properties"]["connected_to_seat"] is False
    return {"color": DISCONNECTED if disconnected else "#ffffff", "weight": 3 if disconnected else 1,
            "fillColor": NV_COLOR[nv_state(ft["properties"])], "fillOpacity": 0.95, "radius": 6}


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    df = db.query_df(conn, SQL("roads"), p)
    g = folium.FeatureGroup(name=t("layer_roads", lang), show=True)
    if over_cap(df):
        res.aggregated = True
        layer, n = MERGED.layer(db.query_df(conn, SQL("roads_merged"), p), lang, keep=("class", "hardened"),
                                shift=shift, style=road_style)
    else:
        layer, n = ROADS.layer(df, lang, keep=("class", "hardened"), shift=shift, style=road_style)
    layer.add_to(g)
    res.add(g, n)
    res.legends.append(Legend(t("layer_roads", lang), [(HARD, t("hardened", lang), "line"),
                                                       (SOFT, t("not_hardened", lang), "dash")],
                              t("aggregated_note", lang) if res.aggregated else None))

    nv = db.query_df(conn, SQL("nv_roads"), p)
    g = folium.FeatureGroup(name=t("layer_nv_roads", lang), show=True)
    if over_cap(nv):   # a prefecture's worth of natural villages: counts per cell, gaps among them
        res.aggregated = True
        nv = db.query_df(conn, SQL("nv_roads"), {**p, "cap": 10 ** 9})
        layer, n = grid_layer(grid_counts(nv, ("gap",)), NV_COLOR["gap"], lang, shift, {"gap": "road_gap"})
        layer.add_to(g)
        res.add(g, n)
        res.legends.append(Legend(t("layer_nv_roads", lang), [(NV_COLOR["gap"], t("road_gap", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    layer, n = NATURAL_VILLAGES.layer(nv, lang, keep=("gap", "has_hardened_road", "connected_to_seat"), shift=shift,
                                      style=nv_style)
    layer.add_to(g)
    res.add(g, n)
    res.legends.append(Legend(t("layer_nv_roads", lang), [
        (NV_COLOR["gap"], t("road_gap", lang), "circle"), (NV_COLOR["ok"], t("road_ok", lang), "circle"),
        (NV_COLOR["not_required"], t("road_not_required", lang), "circle"),
        (DISCONNECTED, t("disconnected", lang), "ring")]))
    return res
