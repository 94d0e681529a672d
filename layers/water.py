"""Water layer (饮水安全): sources by kind and status, protection zones, natural villages by fetch compliance and the
households failing the rule with what the check found (source, distances, climb, time, the failing clause); all but
the zones as vector tiles."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t
from geo.settings import settings

from . import tiles
from .base import SQL, Filters, LayerResult, Legend, feature_collection, over_cap
from .popup import Field, Popup, coded, number, percent, yes_no

STATUS_COLOR = {"working": "#2c7bb6", "seasonal": "#fdae61", "failed": "#d7191c", "contaminated": "#7b3294"}
KIND_RADIUS = {"centralised": 7, "small_scheme": 5, "well": 3.5, "spring": 3.5, "cistern": 3, "emergency": 5}
FAIL_COLOR = "#e31a1c"
WORKS_MARK = "#f781bf"   # a works with open operating problems in the ledger (migration 653)
WORKS_MARKS = Popup((Field("id", "id"), Field("name", "name"), Field("village_name", "village"),
                     Field("problems", "works.problems", coded("problem", ("；", "; ")))))
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


SOURCE_PAINT = tiles.paint(color="#ffffff", weight=1.5, fillOpacity=0.95,
                           fillColor=tiles.By("status", STATUS_COLOR, "#999999"), radius=tiles.By("kind", KIND_RADIUS, 5))
TILES_SOURCES = tiles.TileLayer("water_sources", tiles.Look(SOURCES, SOURCE_PAINT),
                                coarse=tiles.Look(SOURCES.brief(("id", "name", "kind", "status", "village_name")),
                                                  SOURCE_PAINT), parts=("township", "village"))
TILES_NV = tiles.TileLayer("water_nv", tiles.Look(PER_NATURAL_VILLAGE, tiles.paint(
    color="#333333", weight=1, fillOpacity=0.85, radius=8,
    fillColor=tiles.Steps("share_ok", tuple((top, c) for top, c, _ in NV_SHARE), "#e0e0e0"))))
TILES_FAILING = tiles.TileLayer("water_failing", tiles.Look(FAILING, tiles.paint(
    color="#ffffff", weight=1, fillColor=FAIL_COLOR, fillOpacity=0.9, radius=4)), detail_only=True)


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    frame = tiles.frame_of(shift)
    # protection zones
    zones = db.query_df(conn, SQL("water_zones"), p)
    zfc = feature_collection(zones, None, shift)
    g = folium.FeatureGroup(name=t("layer_water_zones", lang), show=True)
    folium.GeoJson(zfc, style_function=lambda ft: {"color": "#0868ac", "weight": 1, "dashArray": "4 3",
                                                     "fillColor": "#a6bddb", "fillOpacity": 0.25},
                   interactive=False).add_to(g)
    res.add(g, len(zfc["features"]))

    # sources, compliance per natural village, and the failing households with what the check found: vector tiles
    for key, layer, show in (("layer_water", TILES_SOURCES, True), ("layer_water_nv", TILES_NV, False),
                             ("layer_water_hh", TILES_FAILING, True)):
        g = folium.FeatureGroup(name=t(key, lang), show=show)
        tiles.add_to(g, layer, f, lang, frame)
        res.add_tiled(g)
    # the works' open operating problems of the ledger: a ring on each such works
    marks = db.query_df(conn, SQL("works_marks"), p)
    if not over_cap(marks):
        g = folium.FeatureGroup(name=t("layer_works_marks", lang), show=True)
        layer, n = WORKS_MARKS.layer(marks, lang, shift=shift, style=lambda ft: {
            "color": WORKS_MARK, "weight": 3, "fillOpacity": 0, "radius": 9})
        layer.add_to(g)
        res.add(g, n)
    res.legends.append(Legend(t("layer_water", lang),
                              [(c, label("water_status", k, lang), "circle") for k, c in STATUS_COLOR.items()]
                              + [("#a6bddb", t("layer_water_zones", lang), "box"),
                                 (WORKS_MARK, t("layer_works_marks", lang), "ring")]))
    res.legends.append(Legend(t("layer_water_nv", lang),
                              [(c, f"{t('compliant_share', lang)} {lbl}", "circle") for _, c, lbl in NV_SHARE]))
    res.legends.append(Legend(t("layer_water_hh", lang), [(FAIL_COLOR, t("layer_water_hh", lang), "circle")],
                              t("detail_note", lang, zoom=settings.map_tile_detail_zoom)))
    return res
