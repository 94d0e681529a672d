"""Households layer (农户): every household as vector tiles, coloured by category and ringed when it fails the
water-fetch rule under the rule set; below the detail zoom, households counted per natural village and coloured by
their compliant share. A click on a household explains its check beside the map."""
from __future__ import annotations

import folium

from geo.i18n import label, t
from geo.settings import settings

from . import tiles
from .base import Filters, LayerResult, Legend
from .popup import Field, Popup, coded, percent, yes_no
from .risk import CATEGORY_COLOR
from .water import FAIL_COLOR, NV_SHARE

CATEGORY_FILL = {"general": "#bdbdbd", "exited": "#74add1", **CATEGORY_COLOR}

HOUSEHOLDS = Popup((Field("id", "id"), Field("head_name", "head_name"),
                    Field("category", "category", coded("category")),
                    Field("monitor_state", "monitor_state", coded("monitor_state")), Field("members", "members"),
                    Field("nv_name", "natural_village"), Field("compliant", "compliant", yes_no),
                    Field("clauses", "failed_clauses", coded("problem", ("；", "; ")))), tip=("head_name", "id"))
PER_NATURAL_VILLAGE = Popup((Field("name", "natural_village"), Field("village_name", "village"),
                             Field("n", "households"), Field("monitored", "monitored_households"),
                             Field("fail_n", "ind_water_fail_hh"), Field("share_ok", "compliant_share", percent(0))),
                            tip=("name",))

TILES = tiles.TileLayer(
    "households",
    tiles.Look(HOUSEHOLDS, tiles.paint(
        radius=4, fillOpacity=0.9, fillColor=tiles.By("category", CATEGORY_FILL, "#999999"),
        color=tiles.By("compliant", {False: FAIL_COLOR}, "#ffffff"), weight=tiles.By("compliant", {False: 2}, 0.8))),
    coarse=tiles.Look(PER_NATURAL_VILLAGE, tiles.paint(
        radius=tiles.Sized("n", 2, 10), color="#333333", weight=0.6, fillOpacity=0.8,
        fillColor=tiles.Steps("share_ok", tuple((top, c) for top, c, _ in NV_SHARE), "#e0e0e0"))))


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    g = folium.FeatureGroup(name=t("layer_households", lang), show=True)
    tiles.add_to(g, TILES, f, lang, tiles.frame_of(shift))
    res.add_tiled(g)
    rows = [(c, label("category", k, lang), "circle") for k, c in CATEGORY_FILL.items()]
    rows.append((FAIL_COLOR, t("layer_water_hh", lang), "ring"))
    rows += [(c, f"{t('compliant_share', lang)} {lbl}", "circle") for _, c, lbl in NV_SHARE]
    res.legends.append(Legend(t("layer_households", lang), rows,
                              t("tiled_note", lang, zoom=settings.map_tile_detail_zoom)))
    return res
