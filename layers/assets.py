"""Assets layer (扶贫项目资产): by type and maintenance state; assets not registered within 3 months ringed."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import (SQL, Filters, Legend, LayerResult, feature_collection, fmt_date, fmt_num, geojson_layer, grid_counts,
                   grid_layer, labelled, over_cap, tip)

KEY = "assets"
TYPE_COLOR = {"operating": "#1f78b4", "public_welfare": "#33a02c", "household": "#ff7f00"}
STATE_BORDER = {"good": "#ffffff", "needs_repair": "#fdae61", "broken": "#d7191c", "idle": "#636363"}
UNREGISTERED = "#e7298a"


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    df = db.query_df(conn, SQL("assets"), f.params())
    g = folium.FeatureGroup(name=t("layer_assets", lang), show=True)
    if over_cap(df):
        res.aggregated = True
        layer, n = grid_layer(grid_counts(db.query_df(conn, SQL("assets"), f.params(cap=10 ** 9)), ("unregistered",)),
                              TYPE_COLOR["operating"], lang, shift, {"unregistered": t("unregistered", lang)})
        layer.add_to(g)
        res.add(g, n)
        res.legends.append(Legend(t("layer_assets", lang), [(TYPE_COLOR["operating"], t("count", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    labelled(df, "type", "asset_type", lang)
    labelled(df, "maintenance_state", "maintenance_state", lang)
    fmt_num(df, "value_yuan")
    fmt_date(df, "accepted_on")
    fmt_date(df, "registered_on")
    df["tip"] = tip(df["name"], df["id"])
    fc = feature_collection(df, ["id", "name", "type", "maintenance_state", "unregistered", "type_l",
                                 "maintenance_state_l", "value_yuan", "accepted_on", "registered_on", "owner",
                                 "custodian", "village_name", "tip"], shift)

    def style(ft):
        pr = ft["properties"]
        ring = UNREGISTERED if pr["unregistered"] else STATE_BORDER.get(pr["maintenance_state"], "#ffffff")
        return {"color": ring, "weight": 3 if pr["unregistered"] else 2,
                "fillColor": TYPE_COLOR.get(pr["type"], "#999999"), "fillOpacity": 0.9, "radius": 6}

    geojson_layer(fc, style=style,
                  fields=["id", "name", "type_l", "maintenance_state_l", "value_yuan", "accepted_on", "registered_on",
                          "owner", "custodian", "village_name"],
                  aliases=[t("id", lang), t("name", lang), t("type", lang), t("maintenance_state", lang),
                           t("value_yuan", lang), t("accepted_on", lang), t("registered_on", lang),
                           t("owner", lang), t("custodian", lang), t("village", lang)], tooltip="tip").add_to(g)
    res.add(g, len(fc["features"]))
    rows = [(c, label("asset_type", k, lang), "circle") for k, c in TYPE_COLOR.items()]
    rows += [(c, label("maintenance_state", k, lang), "ring") for k, c in STATE_BORDER.items() if k != "good"]
    rows.append((UNREGISTERED, t("unregistered", lang), "ring"))
    res.legends.append(Legend(t("layer_assets", lang), rows))
    return res
