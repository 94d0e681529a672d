"""Water layer (饮水安全): sources by kind and status, protection zones, natural villages by fetch compliance and the
households failing the rule with what the check found (source, distances, climb, time, the failing clause)."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t, yes_no

from .base import (SQL, Filters, Legend, LayerResult, feature_collection, fmt_num, geojson_layer, grid_counts, grid_layer,
                   labelled, over_cap, tip)

KEY = "water"
STATUS_COLOR = {"working": "#2c7bb6", "seasonal": "#fdae61", "failed": "#d7191c", "contaminated": "#7b3294"}
KIND_RADIUS = {"centralised": 7, "small_scheme": 5, "well": 3.5, "spring": 3.5, "cistern": 3, "emergency": 5}
FAIL_COLOR = "#e31a1c"
NV_SHARE = [(0.5, "#d7191c", "< 50%"), (0.8, "#fdae61", "50–80%"), (1.0, "#a6d96a", "80–99%"),
            (9.9, "#1a9641", "100%")]


def nv_color(v) -> str:
    if v is None or v != v:
        return "#e0e0e0"
    return next(c for top, c, _ in NV_SHARE if v < top)


def _sources(conn, p: dict, lang: str, shift) -> tuple[folium.FeatureGroup, int]:
    g = folium.FeatureGroup(name=t("layer_water", lang), show=True)
    src = db.query_df(conn, SQL("water_sources"), p)
    if over_cap(src):
        src = db.query_df(conn, SQL("water_sources"), {**p, "cap": 10 ** 9})
        src["failing"] = src["status"] != "working"
        layer, n = grid_layer(grid_counts(src, ("failing",)), STATUS_COLOR["working"], lang, shift,
                              {"failing": t("not_working", lang)})
        layer.add_to(g)
        return g, n
    labelled(src, "kind", "water_kind", lang)
    labelled(src, "status", "water_status", lang)
    src["piped_l"] = src["piped_to_home"].map(lambda v: yes_no(v, lang))
    src["disinf_l"] = src["disinfection"].map(lambda v: yes_no(v, lang))
    fmt_num(src, "capacity_m3_per_day", 1)
    src["tip"] = tip(src["name"], src["id"])
    sfc = feature_collection(src, ["id", "name", "kind", "status", "kind_l", "status_l", "capacity_m3_per_day",
                                   "people_served", "piped_l", "disinf_l", "water_manager", "village_name", "tip"],
                             shift)
    geojson_layer(sfc, style=lambda ft: {"color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95,
                                         "fillColor": STATUS_COLOR.get(ft["properties"]["status"], "#999999"),
                                         "radius": KIND_RADIUS.get(ft["properties"]["kind"], 5)},
                  fields=["id", "name", "kind_l", "status_l", "capacity_m3_per_day", "people_served", "piped_l",
                          "disinf_l", "water_manager", "village_name"],
                  aliases=[t("id", lang), t("name", lang), t("kind", lang), t("status", lang),
                           t("capacity_m3_per_day", lang), t("people_served", lang), t("piped_to_home", lang),
                           t("disinfection", lang), t("water_manager", lang), t("village", lang)],
                  tooltip="tip").add_to(g)
    return g, len(sfc["features"])


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    # protection zones
    zones = db.query_df(conn, SQL("water_zones"), p)
    zfc = feature_collection(zones, ["id", "name"], shift)
    g = folium.FeatureGroup(name=t("layer_water_zones", lang), show=True)
    folium.GeoJson(zfc, style_function=lambda ft: {"color": "#0868ac", "weight": 1, "dashArray": "4 3",
                                                     "fillColor": "#a6bddb", "fillOpacity": 0.25},
                   interactive=False).add_to(g)
    res.add(g, len(zfc["features"]))

    # sources, one by one, or counted per grid cell when too many
    res.add(*_sources(conn, p, lang, shift))
    res.legends.append(Legend(t("layer_water", lang),
                              [(c, label("water_status", k, lang), "circle") for k, c in STATUS_COLOR.items()]
                              + [("#a6bddb", t("layer_water_zones", lang), "box")]))

    # compliance per natural village
    nv = db.query_df(conn, SQL("water_nv"), p)
    nv["share_txt"] = nv["share_ok"].map(lambda v: "" if v is None or v != v else f"{100 * v:.0f}%")
    nv["color"] = nv["share_ok"].map(nv_color)
    nv["tip"] = tip(nv["name"], nv["id"])
    nfc = feature_collection(nv, ["id", "name", "village_name", "n", "fail_n", "fail_people", "share_txt", "color",
                                  "tip"], shift)
    g = g_nv = folium.FeatureGroup(name=t("layer_water_nv", lang), show=False)
    geojson_layer(nfc, style=lambda ft: {"color": "#333333", "weight": 1, "fillColor": ft["properties"]["color"],
                                         "fillOpacity": 0.85, "radius": 8},
                  fields=["name", "village_name", "n", "fail_n", "fail_people", "share_txt"],
                  aliases=[t("natural_village", lang), t("village", lang), t("households", lang),
                           t("ind_water_fail_hh", lang), t("ind_water_fail_people", lang), t("compliant_share", lang)],
                  tooltip="tip").add_to(g)
    res.add(g, len(nfc["features"]))
    res.legends.append(Legend(t("layer_water_nv", lang),
                              [(c, f"{t('compliant_share', lang)} {lbl}", "circle") for _, c, lbl in NV_SHARE]))

    # failing households with the explanation of the check
    bad = db.query_df(conn, SQL("water_failing"), p)
    g = folium.FeatureGroup(name=t("layer_water_hh", lang), show=True)
    if over_cap(bad):
        res.aggregated = True   # the per-village layer above carries the failing counts: show it instead
        g.show = False
        g_nv.show = True
        n = 0
    else:
        for col, d in (("horizontal_m", 0), ("vertical_m", 0), ("round_trip_min", 1)):
            fmt_num(bad, col, d)
        bad["basis_l"] = bad["distance_basis"].map(lambda v: label("distance_basis", v, lang))
        bad["clauses_l"] = bad["failed_clauses"].map(lambda v: label("problem", v, lang, "；" if lang != "en" else "; "))
        bad["source_l"] = bad["source_name"].fillna(bad["source_id"]).fillna("")
        bad["piped_l"] = bad["piped"].map(lambda v: yes_no(v, lang))
        bad["tip"] = tip(bad["name"], bad["id"])
        bfc = feature_collection(bad, ["id", "name", "nv_name", "people", "source_l", "horizontal_m", "vertical_m",
                                       "round_trip_min", "basis_l", "piped_l", "clauses_l", "tip"], shift)
        geojson_layer(bfc, style=lambda ft: {"color": "#ffffff", "weight": 1, "fillColor": FAIL_COLOR,
                                             "fillOpacity": 0.9, "radius": 4},
                      fields=["id", "name", "nv_name", "people", "source_l", "horizontal_m", "vertical_m",
                              "round_trip_min", "basis_l", "piped_l", "clauses_l"],
                      aliases=[t("id", lang), t("head_name", lang), t("natural_village", lang), t("members", lang),
                               t("source", lang), t("horizontal_m", lang), t("vertical_m", lang),
                               t("round_trip_min", lang), t("distance_basis", lang), t("piped_to_home", lang),
                               t("failed_clauses", lang)], tooltip="tip", radius=4).add_to(g)
        n = len(bfc["features"])
    res.add(g, n)
    res.legends.append(Legend(t("layer_water_hh", lang), [(FAIL_COLOR, t("layer_water_hh", lang), "circle")],
                              t("aggregated_note", lang) if res.aggregated else None))
    return res
