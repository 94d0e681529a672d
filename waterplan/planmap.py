"""The emergency plan on a folium map for the water bureau's page: affected households (vulnerable and unserved
marked), drop points, truck routes, sources used and out; the map helper's basemaps (shifted where the basemap is
GCJ-02), legend control and locally served Leaflet assets (layers/); every tooltip escaped (names come from imported
files)."""
from __future__ import annotations

import html

import folium
import numpy as np

from geo.i18n import t
from layers import basemaps, vendor
from layers.base import Legend
from layers.legend import MapLegend
from layers.mapview import view_of

C_AFFECTED, C_VULNERABLE, C_UNSERVED = "#fdae61", "#d7191c", "#000000"
C_POINT, C_ROUTE, C_SOURCE, C_OUT = "#1a9850", "#2166ac", "#2166ac", "#b2182b"


def _shifted(shift, lon, lat):
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    if shift is None or len(lon) == 0:
        return lon, lat
    return shift(lon, lat)


def _icon(symbol: str, color: str, label: str) -> folium.DivIcon:
    """A symbol with a small label, drawn by Leaflet itself (no marker plugin to fetch)."""
    return folium.DivIcon(icon_size=(120, 20), icon_anchor=(8, 10), html=(
        f'<div style="white-space:nowrap;font:12px sans-serif"><span style="color:{color};font-size:18px;'
        f'text-shadow:0 0 2px #fff">{symbol}</span> <b>{html.escape(str(label))}</b></div>'))


def build(plan, failed_positions, lang: str = "zh", basemap_key: str = "plain") -> folium.Map:
    """The folium map of `plan`; failed_positions: DataFrame id, lon, lat of the sources out."""
    bm = basemaps.get(basemap_key)
    shift = basemaps.shift_for(bm)
    a, pts, src = plan.affected, plan.points, plan.sources
    used = src[src.load_m3_per_day > 0]
    lons = np.r_[a.lon.to_numpy(float), pts.lon.to_numpy(float) if len(pts) else [], used.lon.to_numpy(float),
                 failed_positions.lon.to_numpy(float)]
    lats = np.r_[a.lat.to_numpy(float), pts.lat.to_numpy(float) if len(pts) else [], used.lat.to_numpy(float),
                 failed_positions.lat.to_numpy(float)]
    lons, lats = _shifted(shift, lons, lats)
    b = [[float(np.nanmin(lats)), float(np.nanmin(lons))], [float(np.nanmax(lats)), float(np.nanmax(lons))]] \
        if len(lons) else None
    center, zoom = view_of(b)
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=True)
    m.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{basemaps.PLAIN_BACKGROUND};}}</style>"))
    basemaps.add_to(m, bm)

    g_routes = folium.FeatureGroup(name=t("plan.routes", lang))
    for r, leg in zip(plan.routes, plan.legs.itertuples()):
        x, y = _shifted(shift, *np.asarray(r.coords).T)
        folium.PolyLine(list(zip(y, x)), color=C_ROUTE, weight=3, opacity=0.8,
                        tooltip=html.escape(f"{leg.source_id} → {leg.delivery_point_id}: {leg.route_km:.2f} km, "
                                            f"{leg.m3_per_day:.2f} m³/d, {leg.trips_per_day} ×")).add_to(g_routes)
    g_routes.add_to(m)

    g_hh = folium.FeatureGroup(name=t("plan.affected", lang))
    served = set(plan.assignments.subject_id)
    x, y = _shifted(shift, a.lon, a.lat)
    for k, r in enumerate(a.itertuples()):
        is_served = r.subject_id in served
        color = C_VULNERABLE if r.vulnerable else C_AFFECTED
        tip = [f"{r.subject_id} {r.name or ''}", t("plan.people_n", lang, n=r.people), str(r.reason)]
        if not is_served:
            tip.append(t("plan.unreachable", lang))
        folium.CircleMarker([y[k], x[k]], radius=6 if r.vulnerable else 4, color=C_UNSERVED if not is_served else color,
                            weight=2 if not is_served else 1, fill=True, fill_color=color, fill_opacity=0.9,
                            tooltip=html.escape(" · ".join(tip))).add_to(g_hh)
    g_hh.add_to(m)

    g_pts = folium.FeatureGroup(name=t("plan.points", lang))
    if len(pts):
        x, y = _shifted(shift, pts.lon, pts.lat)
        for k, r in enumerate(pts.itertuples()):
            folium.Marker([y[k], x[k]], icon=_icon("■", C_POINT, r.id),
                          tooltip=html.escape(t("plan.tip_point", lang, id=r.id, households=r.households,
                                                m3=f"{r.m3_per_day:.2f}", trips=r.trips_per_day,
                                                source=r.source_id))).add_to(g_pts)
    g_pts.add_to(m)

    g_src = folium.FeatureGroup(name=t("plan.sources_used", lang))
    x, y = _shifted(shift, used.lon, used.lat)
    for k, r in enumerate(used.itertuples()):
        folium.Marker([y[k], x[k]], icon=_icon("▲", C_SOURCE, r.id),
                      tooltip=html.escape(t("plan.tip_source", lang, id=r.id, name=r.name or "",
                                            load=f"{r.load_m3_per_day:.2f}", spare=f"{r.spare_m3_per_day:.2f}"))
                      ).add_to(g_src)
    x, y = _shifted(shift, failed_positions.lon, failed_positions.lat)
    for k, r in enumerate(failed_positions.itertuples()):
        folium.CircleMarker([y[k], x[k]], radius=8, color="white", weight=1, fill=True, fill_color=C_OUT,
                            fill_opacity=1.0, tooltip=html.escape(f"{t('plan.failed', lang)}: {r.id}")
                            ).add_to(g_src)
    g_src.add_to(m)

    legends = [Legend(t("plan.title", lang), [(C_AFFECTED, t("plan.affected", lang), "circle"),
                                         (C_VULNERABLE, t("plan.vulnerable", lang), "circle"),
                                         (C_UNSERVED, t("plan.unserved", lang), "ring"),
                                         (C_POINT, t("plan.points", lang), "box"),
                                         (C_ROUTE, t("plan.routes", lang), "line"),
                                         (C_SOURCE, t("plan.sources_used", lang), "box"),
                                         (C_OUT, t("plan.failed", lang), "circle")])]
    MapLegend(legends, t("plan.title", lang)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    vendor.localize(m)
    return m
