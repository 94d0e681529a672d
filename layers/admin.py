"""Administrative layer: township and village boundaries, and the seats of county, townships and villages."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import t

from .base import SQL, Filters, LayerResult, Legend, feature_collection
from .popup import Field, Popup

LINE = {"county": ("#000000", 3), "township": ("#4b4b4b", 2.2), "village": ("#9a9a9a", 1)}
SEAT = {"county": ("#b30000", 8), "township": ("#e34a33", 6), "village": ("#fc8d59", 4)}
SEATS = Popup((Field("name", "name"), Field("code", "code")), tip=("name",))


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    units = db.query_df(conn, SQL("admin_units"), p)
    fc = feature_collection(units, units[["level"]], shift)

    def style(feature):
        color, weight = LINE.get(feature["properties"]["level"], ("#9a9a9a", 1))
        return {"color": color, "weight": weight, "fill": False, "fillOpacity": 0}

    g = folium.FeatureGroup(name=t("layer_admin", lang), show=True)
    folium.GeoJson(fc, style_function=style, interactive=False).add_to(g)
    seats = db.query_df(conn, SQL("seats"), p)
    layer, n = SEATS.layer(seats, lang, keep=("level",), shift=shift, style=lambda ft: {
        "color": "#ffffff", "weight": 1.5, "fillOpacity": 1,
        "fillColor": SEAT.get(ft["properties"]["level"], SEAT["village"])[0],
        "radius": SEAT.get(ft["properties"]["level"], SEAT["village"])[1]})
    layer.add_to(g)
    res.add(g, len(fc["features"]) + n)
    res.legends.append(Legend(t("layer_admin", lang), [
        (LINE["township"][0], t("township_boundary", lang), "line"),
        (LINE["village"][0], t("village_boundary", lang), "line"),
        (SEAT["county"][0], t("county_seat", lang), "circle"),
        (SEAT["township"][0], t("township_seat", lang), "circle"),
        (SEAT["village"][0], t("village_seat", lang), "circle")]))
    return res
