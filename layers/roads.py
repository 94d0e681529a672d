"""Roads layer (道路): hardened vs not, natural villages by road status (gaps marked), and villages whose nearest
hardened road does not connect to the township seat."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import t, yes_no

from .base import (SQL, Filters, Legend, LayerResult, feature_collection, fmt_num, geojson_layer, grid_counts, grid_layer,
                   labelled, over_cap, tip)

KEY = "roads"
HARD = "#252525"
SOFT = "#bf812d"
CLASS_WEIGHT = {"county": 4, "township": 3, "village": 2.2, "group": 1.6, "path": 1}
NV_COLOR = {"gap": "#d7191c", "ok": "#1a9641", "not_required": "#abd9e9"}
DISCONNECTED = "#ff00ff"


def nv_state(p) -> str:
    if p.get("gap"):
        return "gap"
    return "ok" if p.get("has_hardened_road") else "not_required"


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    df = db.query_df(conn, SQL("roads"), p)
    g = folium.FeatureGroup(name=t("layer_roads", lang), show=True)
    if over_cap(df):
        res.aggregated = True
        df = db.query_df(conn, SQL("roads_merged"), p)
        labelled(df, "surface", "road_surface", lang)
        labelled(df, "class", "road_class", lang)
        fc = feature_collection(df, ["surface_l", "class", "class_l", "hardened", "n", "km"], shift)
        fields, aliases = ["surface_l", "class_l", "n", "km"], [t("surface", lang), t("class", lang),
                                                                t("count", lang), t("km", lang)]
        tooltip = None
    else:
        labelled(df, "surface", "road_surface", lang)
        labelled(df, "class", "road_class", lang)
        df["bus_l"] = df["bus"].map(lambda v: yes_no(v, lang))
        df["season_l"] = df["all_season"].map(lambda v: yes_no(v, lang))
        fc = feature_collection(df, ["id", "name", "surface_l", "class", "class_l", "hardened", "bus_l", "season_l"],
                                shift)
        fields = ["id", "name", "surface_l", "class_l", "season_l", "bus_l"]
        aliases = [t("id", lang), t("name", lang), t("surface", lang), t("class", lang), t("all_season", lang),
                   t("bus", lang)]
        tooltip = None
    folium.GeoJson(fc, style_function=lambda ft: {
        "color": HARD if ft["properties"]["hardened"] else SOFT,
        "weight": CLASS_WEIGHT.get(ft["properties"]["class"], 1.5),
        "dashArray": None if ft["properties"]["hardened"] else "5 4", "opacity": 0.9},
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False), tooltip=tooltip,
        highlight_function=None).add_to(g)
    res.add(g, len(fc["features"]))
    res.legends.append(Legend(t("layer_roads", lang), [(HARD, t("hardened", lang), "line"),
                                                       (SOFT, t("not_hardened", lang), "dash")],
                              t("aggregated_note", lang) if res.aggregated else None))

    nv = db.query_df(conn, SQL("nv_roads"), p)
    if over_cap(nv):   # a prefecture's worth of natural villages: counts per cell, gaps among them
        res.aggregated = True
        nv = db.query_df(conn, SQL("nv_roads"), {**p, "cap": 10 ** 9})
        g = folium.FeatureGroup(name=t("layer_nv_roads", lang), show=True)
        layer, n = grid_layer(grid_counts(nv, ("gap",)), NV_COLOR["gap"], lang, shift, {"gap": t("road_gap", lang)})
        layer.add_to(g)
        res.add(g, n)
        res.legends.append(Legend(t("layer_nv_roads", lang), [(NV_COLOR["gap"], t("road_gap", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    fmt_num(nv, "road_distance_m")
    fmt_num(nv, "network_km_to_seat", 1)
    for col in ("required", "has_hardened_road", "gap"):
        nv[col + "_l"] = nv[col].map(lambda v: yes_no(v, lang))
    nv["conn_l"] = nv["connected_to_seat"].map(lambda v: yes_no(v, lang))
    nv["tip"] = tip(nv["name"], nv["id"])
    fc = feature_collection(nv, ["id", "name", "households", "village_name", "road_id", "road_distance_m",
                                 "required_l", "has_hardened_road_l", "gap_l", "conn_l", "network_km_to_seat",
                                 "gap", "has_hardened_road", "connected_to_seat", "tip"], shift)
    g = folium.FeatureGroup(name=t("layer_nv_roads", lang), show=True)
    geojson_layer(fc, style=lambda ft: {
        "color": DISCONNECTED if ft["properties"]["connected_to_seat"] is False else "#ffffff",
        "weight": 3 if ft["properties"]["connected_to_seat"] is False else 1,
        "fillColor": NV_COLOR[nv_state(ft["properties"])], "fillOpacity": 0.95, "radius": 6},
        fields=["id", "name", "households", "village_name", "required_l", "has_hardened_road_l", "gap_l", "road_id",
                "road_distance_m", "conn_l", "network_km_to_seat"],
        aliases=[t("id", lang), t("natural_village", lang), t("households", lang), t("village", lang),
                 t("required", lang), t("has_hardened_road", lang), t("gap", lang), t("layer_roads", lang),
                 t("road_distance_m", lang), t("connected_to_seat", lang),
                 t("network_km_to_seat", lang)], tooltip="tip").add_to(g)
    res.add(g, len(fc["features"]))
    res.legends.append(Legend(t("layer_nv_roads", lang), [
        (NV_COLOR["gap"], t("road_gap", lang), "circle"), (NV_COLOR["ok"], t("road_ok", lang), "circle"),
        (NV_COLOR["not_required"], t("road_not_required", lang), "circle"),
        (DISCONNECTED, t("disconnected", lang), "ring")]))
    return res
