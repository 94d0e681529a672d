"""Roads layer (道路): hardened vs not, natural villages by road status (gaps marked), and villages whose nearest
hardened road does not connect to the township seat; as vector tiles."""
from __future__ import annotations

import folium

from geo.i18n import t

from . import tiles
from .base import Filters, LayerResult, Legend
from .popup import Field, Popup, coded, number, yes_no

HARD = "#252525"
SOFT = "#bf812d"
CLASS_WEIGHT = {"county": 4, "township": 3, "village": 2.2, "group": 1.6, "path": 1}
NV_COLOR = {"gap": "#d7191c", "ok": "#1a9641", "not_required": "#abd9e9"}
DISCONNECTED = "#ff00ff"

ROADS = Popup((Field("id", "id"), Field("name", "name"), Field("surface", "surface", coded("road_surface")),
               Field("class", "class", coded("road_class")), Field("all_season", "all_season", yes_no),
               Field("bus", "bus", yes_no)), tip=())
NATURAL_VILLAGES = Popup((Field("id", "id"), Field("name", "natural_village"), Field("households", "households"),
                          Field("village_name", "village"), Field("required", "required", yes_no),
                          Field("has_hardened_road", "has_hardened_road", yes_no), Field("gap", "gap", yes_no),
                          Field("road_id", "layer_roads"), Field("road_distance_m", "road_distance_m", number(0)),
                          Field("connected_to_seat", "connected_to_seat", yes_no),
                          Field("network_km_to_seat", "network_km_to_seat", number(1))))


ROAD_PAINT = tiles.paint(color=tiles.By("hardened", {True: HARD}, SOFT), weight=tiles.By("class", CLASS_WEIGHT, 1.5),
                         dashArray=tiles.By("hardened", {False: "5 4"}, None), opacity=0.9)
NV_PAINT = tiles.paint(color=tiles.By("connected_to_seat", {False: DISCONNECTED}, "#ffffff"),
                       weight=tiles.By("connected_to_seat", {False: 3}, 1),
                       fillColor=tiles.By("state", NV_COLOR, "#999999"), fillOpacity=0.95, radius=6)
# below the detail zoom the tiles carry less of each record (a prefecture's zoom-10 tile holds thousands of each)
TILES_ROADS = tiles.TileLayer("roads", tiles.Look(ROADS, ROAD_PAINT),
                              coarse=tiles.Look(ROADS.brief(("surface", "class")), ROAD_PAINT),
                              parts=("township", "village"))
TILES_NV = tiles.TileLayer("nv_roads", tiles.Look(NATURAL_VILLAGES, NV_PAINT),
                           coarse=tiles.Look(NATURAL_VILLAGES.brief(("id", "name", "households", "village_name", "gap",
                                                                     "connected_to_seat")), NV_PAINT),
                           parts=("rule_set", "township", "village"))


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    frame = tiles.frame_of(shift)
    g = folium.FeatureGroup(name=t("layer_roads", lang), show=True)
    tiles.add_to(g, TILES_ROADS, f, lang, frame)
    res.add_tiled(g)
    res.legends.append(Legend(t("layer_roads", lang), [(HARD, t("hardened", lang), "line"),
                                                       (SOFT, t("not_hardened", lang), "dash")]))
    g = folium.FeatureGroup(name=t("layer_nv_roads", lang), show=True)
    tiles.add_to(g, TILES_NV, f, lang, frame)
    res.add_tiled(g)
    res.legends.append(Legend(t("layer_nv_roads", lang), [
        (NV_COLOR["gap"], t("road_gap", lang), "circle"), (NV_COLOR["ok"], t("road_ok", lang), "circle"),
        (NV_COLOR["not_required"], t("road_not_required", lang), "circle"),
        (DISCONNECTED, t("disconnected", lang), "ring")]))
    return res
