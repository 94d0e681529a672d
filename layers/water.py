"""Water layer (饮水安全): sources by kind and status, protection zones, natural villages by fetch compliance and the
households failing the rule with what the check found (source, distances, climb, time, the failing clause)."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import SQL, Filters, LayerResult, Legend, feature_collection, over_cap
from .grid import grid_counts, grid_layer
from .popup import Field, Popup, coded, number, percent, yes_no

STATUS_COLOR = {"working": "#2c7bb6", "seasonal": "#fdae61", "failed": "#d7191c", "contaminated": "#7b3294"}
KIND_RADIUS = {"centralised": 7, "small_scheme": 5, "well": 3.5, "spring": 3.5, "cistern": 3, "emergency": 5}
FAIL_COLOR = "#e31a1c"
NV_SHARE = [(0.5, "#d7191c", "< 50%"), (0.8, "#fdae61", "50–80%"), (1.0, "#a6d96a", "80–99%"),
            (9.9, "#1a9641", "100%")]

SOURCES = Popup((Field("id", "id"), Field("name", "name"), Field("kind", "kind", coded("water_kind")),
                 Field("status", "status", coded("water_status")),
                 Field("capacity_m3_per_day", "capacity_m3_per_day", number(1)),
                 Field("people_served", "people_served"), Field("piped_to_home", "piped_to_home", yes_no),
                 Field("disinfection", "disinfection", yes_no), Field("water_manager", "water_manager"),
                 Field("village_name", "village")))
PER_NATURAL_VILLAGE = Popup((Field("name", "natural_village"), Field("village_name", "village"),
                             Field("n", "households"), Field("fail_n", "ind_water_fail_hh"),
                             Field("fail_people", "ind_water_fail_people"),
                             Field("share_ok", "compliant_share", percent(0))))
FAILING = Popup((Field("id", "id"), Field("name", "head_name"), Field("nv_name", "natural_village"),
                 Field("people", "members"), Field("source", "source"),
                 Field("horizontal_m", "horizontal_m", number(0)), Field("vertical_m", "vertical_m", number(0)),
                 Field("round_trip_min", "round_trip_min", number(1)),
                 Field("distance_basis", "distance_basis", coded("distance_basis")),
                 Field("piped", "piped_to_home", yes_no),
                 Field("clauses", "failed_clauses", coded("problem", ("；", "; ")))))


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
                              {"failing": "not_working"})
    else:
        layer, n = SOURCES.layer(src, lang, keep=("kind", "status"), shift=shift, style=lambda ft: {
            "color": "#ffffff", "weight": 1.5, "fillOpacity": 0.95,
            "fillColor": STATUS_COLOR.get(ft["properties"]["status"], "#999999"),
            "radius": KIND_RADIUS.get(ft["properties"]["kind"], 5)})
    layer.add_to(g)
    return g, n


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    # protection zones
    zones = db.query_df(conn, SQL("water_zones"), p)
    zfc = feature_collection(zones, None, shift)
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
    nv["color"] = nv["share_ok"].map(nv_color)
    g = g_nv = folium.FeatureGroup(name=t("layer_water_nv", lang), show=False)
    layer, n = PER_NATURAL_VILLAGE.layer(nv, lang, keep=("color",), shift=shift, style=lambda ft: {
        "color": "#333333", "weight": 1, "fillColor": ft["properties"]["color"], "fillOpacity": 0.85, "radius": 8})
    layer.add_to(g)
    res.add(g, n)
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
        layer, n = FAILING.layer(bad, lang, shift=shift, radius=4, style=lambda ft: {
            "color": "#ffffff", "weight": 1, "fillColor": FAIL_COLOR, "fillOpacity": 0.9, "radius": 4})
        layer.add_to(g)
    res.add(g, n)
    res.legends.append(Legend(t("layer_water_hh", lang), [(FAIL_COLOR, t("layer_water_hh", lang), "circle")],
                              t("aggregated_note", lang) if res.aggregated else None))
    return res
