"""Village services layer (村级公共服务): the facilities by kind, and each administrative village's services result
(green where every clause holds, red ringed where one fails, grey where nothing could be judged)."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import SQL, Filters, LayerResult, Legend, over_cap
from .popup import Field, Popup, coded, number, yes_no

KIND_COLOR = {"village_clinic": "#e31a1c", "township_health_centre": "#800026", "school": "#1f78b4",
              "kindergarten": "#6a3d9a", "bus_stop": "#ff7f00"}
RESULT = {"ok": "#1a9850", "fail": "#d73027", "unknown": "#969696"}

FACILITIES = Popup((Field("id", "id"), Field("name", "name"), Field("kind", "services.kind", coded("facility_kind")),
                    Field("doctors", "services.doctors", number(0)),
                    Field("qualified_doctors", "services.qualified_doctors", number(0)),
                    Field("village_name", "village")))
VILLAGES = Popup((Field("id", "id"), Field("village_name", "village"), Field("clinic_ok", "services.clinic_ok", yes_no),
                  Field("clinic_distance_m", "services.clinic_distance_m", number(0)),
                  Field("distance_basis", "services.distance_basis", coded("distance_basis")),
                  Field("bus_ok", "services.bus_ok", yes_no),
                  Field("kindergarten_ok", "services.kindergarten_ok", yes_no),
                  Field("failed", "services.failed")), tip=("village_name", "id"))


def _village_style(ft) -> dict:
    pr = ft["properties"]
    verdict = "fail" if pr["failed"] else "ok" if pr["clinic_ok"] is True or pr["bus_ok"] is True else "unknown"
    return {"color": RESULT[verdict], "weight": 3 if verdict == "fail" else 1, "fillColor": RESULT[verdict],
            "fillOpacity": 0.35, "radius": 10}


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    vil = db.query_df(conn, SQL("services_villages"), f.params())
    fac = db.query_df(conn, SQL("facilities"), f.params())
    g = folium.FeatureGroup(name=t("layer_services", lang), show=True)
    if not over_cap(vil):
        layer, n = VILLAGES.layer(vil, lang, keep=("failed", "clinic_ok", "bus_ok"), shift=shift,
                                  style=_village_style)
        layer.add_to(g)
        res.add(g, n)
    if not over_cap(fac):
        gf = folium.FeatureGroup(name=t("layer_facilities", lang), show=True)
        layer, n = FACILITIES.layer(fac, lang, keep=("kind",), shift=shift, style=lambda ft: {
            "color": "#ffffff", "weight": 1, "fillColor": KIND_COLOR.get(ft["properties"]["kind"], "#999999"),
            "fillOpacity": 0.95, "radius": 5})
        layer.add_to(gf)
        res.add(gf, n)
    rows = [(RESULT[k], t(f"services.result_{k}", lang), "ring") for k in RESULT]
    rows += [(c, label("facility_kind", k, lang), "circle") for k, c in KIND_COLOR.items()]
    res.legends.append(Legend(t("layer_services", lang), rows))
    return res
