"""Risk layer: monitored households by category (overdue visits ringed), and villages shaded by the share of their
population that is monitored."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import (SQL, Filters, Legend, LayerResult, circle_style, count_radius, feature_collection, fmt_date,
                   geojson_layer, labelled, labelled_list, over_cap, tip)

KEY = "risk"
CATEGORY_COLOR = {"unstable": "#d7301f", "marginal": "#fc8d59", "sudden_hardship": "#7a0177"}
OVERDUE_RING = "#000000"
SHARE_BREAKS = [(0.05, "#fef0d9", "share_0"), (0.10, "#fdcc8a", "share_1"), (0.20, "#fc8d59", "share_2"),
                (9.99, "#d7301f", "share_3")]
NO_DATA = "#e0e0e0"


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
    vil["share_txt"] = vil["share"].map(lambda s: "" if s is None or s != s else f"{100 * s:.1f}%")
    vil["color"] = vil["share"].map(share_color)
    fc = feature_collection(vil, ["code", "name", "township_name", "population", "mon_hh", "mon_people",
                                  "share_txt", "color"], shift)
    g = folium.FeatureGroup(name=t("layer_risk_share", lang), show=True)
    geojson_layer(fc, style=lambda ft: {"color": "#777777", "weight": 0.6, "fillColor": ft["properties"]["color"],
                                        "fillOpacity": 0.55},
                  fields=["name", "township_name", "population", "mon_hh", "mon_people", "share_txt"],
                  aliases=[t("village", lang), t("township", lang), t("population", lang),
                           t("monitored_households", lang), t("monitored_people", lang), t("share", lang)],
                  tooltip="name").add_to(g)
    res.add(g, len(fc["features"]))
    res.legends.append(Legend(t("layer_risk_share", lang),
                              [(c, t(k, lang), "box") for _, c, k in SHARE_BREAKS] + [(NO_DATA, t("share_na", lang), "box")]))

    # the households themselves, or per natural village when too many
    hh = db.query_df(conn, SQL("risk_households"), p)
    g = folium.FeatureGroup(name=t("layer_risk", lang), show=True)
    if over_cap(hh):
        res.aggregated = True
        agg = db.query_df(conn, SQL("risk_households_agg"), p)
        afc = feature_collection(agg, ["id", "name", "village_name", "n", "people", "overdue_n"], shift)
        geojson_layer(afc, style=lambda ft: {"color": "#7f0000", "weight": 1, "fillColor": "#d7301f",
                                             "fillOpacity": 0.7, "radius": count_radius(ft["properties"]["n"])},
                      fields=["name", "village_name", "n", "people", "overdue_n"],
                      aliases=[t("natural_village", lang), t("village", lang), t("monitored_households", lang),
                               t("monitored_people", lang), t("overdue_visit", lang)],
                      tooltip="name").add_to(g)
        res.add(g, len(afc["features"]))
    else:
        labelled(hh, "category", "category", lang)
        labelled(hh, "monitor_state", "monitor_state", lang)
        labelled_list(hh, "risk_types", "risk_type", lang)
        fmt_date(hh, "last_visit_on")
        hh["tip"] = tip(hh["head_name"], hh["id"])
        hfc = feature_collection(hh, ["id", "head_name", "category", "category_l", "monitor_state_l", "risk_types_l",
                                      "members", "support_contact", "last_visit_on", "nv_name", "overdue", "tip"], shift)
        style = circle_style(lambda pr: CATEGORY_COLOR.get(pr["category"], "#999999"),
                             lambda pr: OVERDUE_RING if pr["overdue"] else "#ffffff")
        geojson_layer(hfc, style=style,
                      fields=["id", "head_name", "category_l", "monitor_state_l", "risk_types_l", "members",
                              "support_contact", "last_visit_on", "nv_name"],
                      aliases=[t("id", lang), t("head_name", lang), t("category", lang), t("monitor_state", lang),
                               t("risk_types", lang), t("members", lang), t("support_contact", lang),
                               t("last_visit_on", lang), t("natural_village", lang)],
                      tooltip="tip").add_to(g)
        res.add(g, len(hfc["features"]))
    rows = [(c, label("category", k, lang), "circle") for k, c in CATEGORY_COLOR.items()]
    rows.append((OVERDUE_RING, t("overdue_visit", lang), "ring"))
    res.legends.append(Legend(t("layer_risk", lang), rows, t("aggregated_note", lang) if res.aggregated else None))
    return res
