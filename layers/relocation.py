"""Relocation layer (易地扶贫搬迁安置点): sites sized by relocated households, coloured by occupancy, with facilities
and the households without a worker employed."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import t

from .base import SQL, Filters, LayerResult, Legend, count_radius, over_cap
from .grid import grid_counts, grid_layer
from .popup import Field, Popup, coded, percent

OCC = [(0.5, "#f1eef6", "< 50%"), (0.8, "#bdc9e1", "50–80%"), (0.95, "#74a9cf", "80–95%"), (9.9, "#0570b0", "≥ 95%")]

SITES = Popup((Field("id", "id"), Field("name", "name"), Field("capacity_households", "capacity_households"),
               Field("relocated_households", "relocated_households"), Field("occupancy", "occupancy", percent(0)),
               Field("facilities", "facilities", coded("facility")), Field("without_worker", "without_worker"),
               Field("village_name", "village")))


def occ_color(v) -> str:
    if v is None or v != v:
        return "#e0e0e0"
    return next(c for top, c, _ in OCC if v < top)


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    g = folium.FeatureGroup(name=t("layer_relocation", lang), show=True)
    # sites are a handful per county (18 in the county demo); more than the cap would be a prefecture's worth
    df = db.query_df(conn, SQL("relocation_sites"), f.params())
    if over_cap(df):
        layer, n = grid_layer(grid_counts(db.query_df(conn, SQL("relocation_sites"), f.params(cap=10 ** 9))),
                              OCC[-1][1], lang, shift)
        layer.add_to(g)
        res.add(g, n)
        res.aggregated = True
        res.legends.append(Legend(t("layer_relocation", lang), [(OCC[-1][1], t("count", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    df["color"] = df["occupancy"].map(occ_color)
    layer, n = SITES.layer(df, lang, keep=("color", "without_worker", "relocated_households"), shift=shift,
                           style=lambda ft: {
                               "color": "#d7301f" if ft["properties"]["without_worker"] else "#08306b",
                               "weight": 2.5, "fillColor": ft["properties"]["color"], "fillOpacity": 0.9,
                               "radius": count_radius(ft["properties"]["relocated_households"], 7, 20)})
    layer.add_to(g)
    res.add(g, n)
    rows = [(c, f"{t('occupancy', lang)} {lbl}", "circle") for _, c, lbl in OCC]
    rows.append(("#d7301f", t("without_worker", lang), "ring"))
    res.legends.append(Legend(t("layer_relocation", lang), rows))
    return res
