"""Risk layer: monitored households (an open case in a monitored state) by category and their case's state (overdue
visits ringed) as vector tiles, counted per natural village below the detail zoom, and villages shaded by the share
of their population that is monitored."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t
from geo.settings import settings

from . import tiles
from .base import SQL, Filters, LayerResult, Legend
from .popup import Field, Popup, coded, day, percent

CATEGORY_COLOR = {"unstable": "#d7301f", "marginal": "#fc8d59", "sudden_hardship": "#7a0177"}
OVERDUE_RING = "#000000"
SHARE_BREAKS = [(0.05, "#fef0d9", "share_0"), (0.10, "#fdcc8a", "share_1"), (0.20, "#fc8d59", "share_2"),
                (9.99, "#d7301f", "share_3")]
NO_DATA = "#e0e0e0"

VILLAGES = Popup((Field("name", "village"), Field("township_name", "township"), Field("population", "population"),
                  Field("mon_hh", "monitored_households"), Field("mon_people", "monitored_people"),
                  Field("share", "share", percent(1))), tip=("name",))
PER_NATURAL_VILLAGE = Popup((Field("name", "natural_village"), Field("village_name", "village"),
                             Field("n", "monitored_households"), Field("people", "monitored_people"),
                             Field("overdue_n", "overdue_visit")), tip=("name",))
HOUSEHOLDS = Popup((Field("id", "id"), Field("head_name", "head_name"),
                    Field("category", "category", coded("category")),
                    Field("state", "monitor_state", coded("case_state")),
                    Field("risk_types", "risk_types", coded("risk_type")), Field("members", "members"),
                    Field("support_contact", "support_contact"), Field("last_visit_on", "last_visit_on", day),
                    Field("nv_name", "natural_village")), tip=("head_name", "id"))


TILES = tiles.TileLayer(
    "risk_households",
    tiles.Look(HOUSEHOLDS, tiles.paint(
        radius=5, weight=1, fillOpacity=0.85, color=tiles.By("overdue", {True: OVERDUE_RING}, "#ffffff"),
        fillColor=tiles.By("category", CATEGORY_COLOR, "#999999"))),
    coarse=tiles.Look(PER_NATURAL_VILLAGE, tiles.paint(
        radius=tiles.Sized("n"), color="#7f0000", weight=1, fillColor="#d7301f", fillOpacity=0.7)))


def share_color(share) -> str:
    if share is None or share != share:
        return NO_DATA
    for top, color, _ in SHARE_BREAKS:
        if share < top:
            return color
    return SHARE_BREAKS[-1][1]


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    # villages shaded by the share monitored
    vil = db.query_df(conn, SQL("risk_villages"), p)
    vil["color"] = vil["share"].map(share_color)
    g = folium.FeatureGroup(name=t("layer_risk_share", lang), show=True)
    layer, n = VILLAGES.layer(vil, lang, keep=("color",), shift=shift, style=lambda ft: {
        "color": "#777777", "weight": 0.6, "fillColor": ft["properties"]["color"], "fillOpacity": 0.55})
    layer.add_to(g)
    res.add(g, n)
    res.legends.append(Legend(t("layer_risk_share", lang), [(c, t(k, lang), "box") for _, c, k in SHARE_BREAKS]
                              + [(NO_DATA, t("share_na", lang), "box")]))

    # the households themselves, or per natural village below the detail zoom: vector tiles
    g = folium.FeatureGroup(name=t("layer_risk", lang), show=True)
    tiles.add_to(g, TILES, f, lang, tiles.frame_of(shift))
    res.add_tiled(g)
    rows = [(c, label("category", k, lang), "circle") for k, c in CATEGORY_COLOR.items()]
    rows.append((OVERDUE_RING, t("overdue_visit", lang), "ring"))
    res.legends.append(Legend(t("layer_risk", lang), rows,
                              t("tiled_note", lang, zoom=settings.map_tile_detail_zoom)))
    return res
