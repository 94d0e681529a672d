"""Housing layer (住房安全): houses by appraisal grade and renovation state, idle dangerous houses marked."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import SQL, Filters, LayerResult, Legend, count_radius, over_cap
from .popup import Field, Popup, coded, day, yes_no

GRADE_COLOR = {"A": "#1a9850", "B": "#91cf60", "C": "#fc8d59", "D": "#d73027"}
SAFE_COLOR = "#4575b4"      # C/D renovated to safe occupancy
IDLE_RING = "#000000"

PER_NATURAL_VILLAGE = Popup((Field("name", "natural_village"), Field("village_name", "village"),
                             Field("n", "ind_dangerous_houses"), Field("idle_n", "idle_dangerous")))
HOUSES = Popup((Field("id", "id"), Field("head_name", "head_name"), Field("grade", "grade", coded("house_grade")),
                Field("appraised_on", "appraised_on", day),
                Field("renovation_state", "renovation_state", coded("renovation_state")), Field("idle", "idle", yes_no),
                Field("village_name", "village")), tip=("head_name", "id"))


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
        layer, n = PER_NATURAL_VILLAGE.layer(agg, lang, keep=("n",), shift=shift, style=lambda ft: {
            "color": "#67000d", "weight": 1, "fillColor": GRADE_COLOR["D"], "fillOpacity": 0.7,
            "radius": count_radius(ft["properties"]["n"])})
    else:
        layer, n = HOUSES.layer(df, lang, keep=("grade", "renovation_state", "idle"), shift=shift, style=lambda ft: {
            "color": IDLE_RING if ft["properties"]["idle"] else "#ffffff",
            "weight": 2.5 if ft["properties"]["idle"] else 1,
            "fillColor": color(ft["properties"]), "fillOpacity": 0.9})
    layer.add_to(g)
    res.add(g, n)
    rows = [(c, label("house_grade", k, lang), "circle") for k, c in GRADE_COLOR.items()]
    rows.append((SAFE_COLOR, label("renovation_state", "safe_occupancy", lang), "circle"))
    rows.append((IDLE_RING, t("idle_dangerous", lang), "ring"))
    res.legends.append(Legend(t("layer_housing", lang), rows, t("aggregated_note", lang) if res.aggregated else None))
    return res
