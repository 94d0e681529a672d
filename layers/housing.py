"""Housing layer (住房安全): houses by appraisal grade and renovation state, idle dangerous houses marked."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t, yes_no

from .base import (SQL, Filters, Legend, LayerResult, count_radius, feature_collection, fmt_date, geojson_layer,
                   labelled, over_cap, tip)

KEY = "housing"
GRADE_COLOR = {"A": "#1a9850", "B": "#91cf60", "C": "#fc8d59", "D": "#d73027"}
SAFE_COLOR = "#4575b4"      # C/D renovated to safe occupancy
IDLE_RING = "#000000"


def color(p) -> str:
    if p["grade"] in ("C", "D") and p["renovation_state"] == "safe_occupancy":
        return SAFE_COLOR
    return GRADE_COLOR.get(p["grade"], "#bbbbbb")


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    p = f.params()
    g = folium.FeatureGroup(name=t("layer_housing", lang), show=True)
    df = db.query_df(conn, SQL("houses"), p)
    if over_cap(df):
        res.aggregated = True
        agg = db.query_df(conn, SQL("houses_agg"), p)
        agg["tip"] = tip(agg["name"], agg["id"])
        fc = feature_collection(agg, ["name", "village_name", "n", "idle_n", "tip"], shift)
        geojson_layer(fc, style=lambda ft: {"color": "#67000d", "weight": 1, "fillColor": GRADE_COLOR["D"],
                                            "fillOpacity": 0.7, "radius": count_radius(ft["properties"]["n"])},
                      fields=["name", "village_name", "n", "idle_n"],
                      aliases=[t("natural_village", lang), t("village", lang), t("ind_dangerous_houses", lang),
                               t("idle_dangerous", lang)], tooltip="tip").add_to(g)
    else:
        labelled(df, "grade", "house_grade", lang)
        labelled(df, "renovation_state", "renovation_state", lang)
        df["idle_l"] = df["idle"].map(lambda v: yes_no(v, lang))
        fmt_date(df, "appraised_on")
        df["tip"] = tip(df["head_name"], df["id"])
        fc = feature_collection(df, ["id", "grade", "renovation_state", "idle", "grade_l", "renovation_state_l",
                                     "idle_l", "appraised_on", "head_name", "village_name", "tip"], shift)
        geojson_layer(fc, style=lambda ft: {"color": IDLE_RING if ft["properties"]["idle"] else "#ffffff",
                                            "weight": 2.5 if ft["properties"]["idle"] else 1,
                                            "fillColor": color(ft["properties"]), "fillOpacity": 0.9},
                      fields=["id", "head_name", "grade_l", "appraised_on", "renovation_state_l", "idle_l",
                              "village_name"],
                      aliases=[t("id", lang), t("head_name", lang), t("grade", lang), t("appraised_on", lang),
                               t("renovation_state", lang), t("idle", lang), t("village", lang)],
                      tooltip="tip").add_to(g)
    res.add(g, len(fc["features"]))
    rows = [(c, label("house_grade", k, lang), "circle") for k, c in GRADE_COLOR.items()]
    rows.append((SAFE_COLOR, label("renovation_state", "safe_occupancy", lang), "circle"))
    rows.append((IDLE_RING, t("idle_dangerous", lang), "ring"))
    res.legends.append(Legend(t("layer_housing", lang), rows, t("aggregated_note", lang) if res.aggregated else None))
    return res
