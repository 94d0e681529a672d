"""Relocation layer (易地扶贫搬迁安置点): sites sized by relocated households, coloured by occupancy, with facilities
and the households without a worker employed."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import t

from .base import (SQL, Filters, Legend, LayerResult, count_radius, feature_collection, geojson_layer, grid_counts,
                   grid_layer, labelled_list, over_cap, tip)

KEY = "relocation"
OCC = [(0.5, "#f1eef6", "< 50%"), (0.8, "#bdc9e1", "50–80%"), (0.95, "#74a9cf", "80–95%"), (9.9, "#0570b0", "≥ 95%")]


def occ_color(v) -> str:
    if v is None or v != v:
        return "#e0e0e0"
    return next(c for top, c, _ in OCC if v < top)


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    # sites are a handful per county (18 in the county demo); more than the cap would be a prefecture's worth
    df = db.query_df(conn, SQL("relocation_sites"), f.params())
    if over_cap(df):
        g = folium.FeatureGroup(name=t("layer_relocation", lang), show=True)
        layer, n = grid_layer(grid_counts(db.query_df(conn, SQL("relocation_sites"), f.params(cap=10 ** 9))), OCC[-1][1], lang,
                              shift, {})
        layer.add_to(g)
        res.add(g, n)
        res.aggregated = True
        res.legends.append(Legend(t("layer_relocation", lang), [(OCC[-1][1], t("count", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    labelled_list(df, "facilities", "facility", lang)
    df["occ_txt"] = df["occupancy"].map(lambda v: "" if v is None or v != v else f"{100 * v:.0f}%")
    df["color"] = df["occupancy"].map(occ_color)
    df["tip"] = tip(df["name"], df["id"])
    fc = feature_collection(df, ["id", "name", "capacity_households", "relocated_households", "occ_txt",
                                 "facilities_l", "without_worker", "village_name", "color", "tip"], shift)
    g = folium.FeatureGroup(name=t("layer_relocation", lang), show=True)
    geojson_layer(fc, style=lambda ft: {"color": "#d7301f" if ft["properties"]["without_worker"] else "#08306b",
                                        "weight": 2.5, "fillColor": ft["properties"]["color"], "fillOpacity": 0.9,
                                        "radius": count_radius(ft["properties"]["relocated_households"], 7, 20)},
                  fields=["id", "name", "capacity_households", "relocated_households", "occ_txt", "facilities_l",
                          "without_worker", "village_name"],
                  aliases=[t("id", lang), t("name", lang), t("capacity_households", lang),
                           t("relocated_households", lang), t("occupancy", lang), t("facilities", lang),
                           t("without_worker", lang), t("village", lang)], tooltip="tip").add_to(g)
    res.add(g, len(fc["features"]))
    rows = [(c, f"{t('occupancy', lang)} {lbl}", "circle") for _, c, lbl in OCC]
    rows.append(("#d7301f", t("without_worker", lang), "ring"))
    res.legends.append(Legend(t("layer_relocation", lang), rows))
    return res
