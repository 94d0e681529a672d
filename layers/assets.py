"""Assets layer (扶贫项目资产): by type and maintenance state; assets not registered within 3 months ringed."""
from __future__ import annotations

import folium

from geo import db
from geo.i18n import label, t

from .base import SQL, Filters, LayerResult, Legend, over_cap
from .grid import grid_counts, grid_layer
from .popup import Field, Popup, coded, day, number

TYPE_COLOR = {"operating": "#1f78b4", "public_welfare": "#33a02c", "household": "#ff7f00"}
STATE_BORDER = {"good": "#ffffff", "needs_repair": "#fdae61", "broken": "#d7191c", "idle": "#636363"}
UNREGISTERED = "#e7298a"

ASSETS = Popup((Field("id", "id"), Field("name", "name"), Field("type", "type", coded("asset_type")),
                Field("maintenance_state", "maintenance_state", coded("maintenance_state")),
                Field("value_yuan", "value_yuan", number(0)), Field("accepted_on", "accepted_on", day),
                Field("registered_on", "registered_on", day), Field("owner", "owner"), Field("custodian", "custodian"),
                Field("village_name", "village")))


def style(ft) -> dict:
    pr = ft["properties"]
    ring = UNREGISTERED if pr["unregistered"] else STATE_BORDER.get(pr["maintenance_state"], "#ffffff")
    return {"color": ring, "weight": 3 if pr["unregistered"] else 2,
            "fillColor": TYPE_COLOR.get(pr["type"], "#999999"), "fillOpacity": 0.9, "radius": 6}


def build(conn, f: Filters, lang: str, shift=None) -> LayerResult:
    res = LayerResult()
    df = db.query_df(conn, SQL("assets"), f.params())
    g = folium.FeatureGroup(name=t("layer_assets", lang), show=True)
    if over_cap(df):
        res.aggregated = True
        layer, n = grid_layer(grid_counts(db.query_df(conn, SQL("assets"), f.params(cap=10 ** 9)), ("unregistered",)),
                              TYPE_COLOR["operating"], lang, shift, {"unregistered": "unregistered"})
        layer.add_to(g)
        res.add(g, n)
        res.legends.append(Legend(t("layer_assets", lang), [(TYPE_COLOR["operating"], t("count", lang), "circle")],
                                  t("aggregated_note", lang)))
        return res
    layer, n = ASSETS.layer(df, lang, keep=("type", "maintenance_state", "unregistered"), shift=shift, style=style)
    layer.add_to(g)
    res.add(g, n)
    rows = [(c, label("asset_type", k, lang), "circle") for k, c in TYPE_COLOR.items()]
    rows += [(c, label("maintenance_state", k, lang), "ring") for k, c in STATE_BORDER.items() if k != "good"]
    rows.append((UNREGISTERED, t("unregistered", lang), "ring"))
    res.legends.append(Legend(t("layer_assets", lang), rows))
    return res
