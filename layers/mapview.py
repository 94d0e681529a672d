"""The planner's map assembled: the chosen layers as switchable overlays on the chosen basemap, with the legend and
the layer control, and the view (centre and zoom) that fits the data."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import folium
import folium.template
import numpy as np

from geo import db
from geo.i18n import t

from . import (admin, assets, basemaps, households, housing, inspections, relocation, risk, roads, services, vendor,
               water)
from .base import SQL, Filters, default_rule_set
from .legend import MapLegend

# Folium writes every property through Jinja's tojson, which escapes each Chinese character as \\uXXXX; the
# component's own JSON then escapes the backslash again (7 bytes a character on the wire instead of 6). Folium's
# templates share one environment: ask it for plain UTF-8 JSON (still HTML-safe: <, >, & and ' stay escaped).
folium.template.Template("").environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

# Drawing order: areas first, points last (on top); of the tiled layers, every household under the monitored and
# the failing ones.
LAYERS = {
    "admin": admin, "roads": roads, "households": households, "risk": risk, "water": water, "housing": housing,
    "assets": assets, "relocation": relocation, "inspections": inspections, "services": services,
}
LAYER_TITLES = {"admin": "layer_admin", "risk": "layer_risk", "roads": "layer_roads", "water": "layer_water",
                "households": "layer_households", "housing": "layer_housing", "assets": "layer_assets",
                "relocation": "layer_relocation", "inspections": "layer_inspections", "services": "layer_services"}
DEFAULT_LAYERS = ("admin", "risk", "water", "roads", "households")
# Every layer served as vector tiles, by the name in its URL (board/tileserver.py serves them).
TILES = {t.name: t for t in (households.TILES, risk.TILES, water.TILES_SOURCES, water.TILES_NV, water.TILES_FAILING,
                             roads.TILES_ROADS, roads.TILES_NV)}


@dataclass
class MapInfo:
    features: dict[str, int] = field(default_factory=dict)    # overlay name -> features sent to the browser
    aggregated: list[str] = field(default_factory=list)        # layer keys drawn as aggregates
    tiled: list[str] = field(default_factory=list)             # overlay names drawn from vector tiles
    unavailable: dict[str, str] = field(default_factory=dict)  # layer key -> why it could not be drawn
    rule_set: str | None = None
    build_s: float = 0.0
    layer_s: dict[str, float] = field(default_factory=dict)   # layer key -> seconds to query and draw it


def bounds(conn, f: Filters):
    row = db.query_rows(conn, SQL("extent"), f.params())[0]
    if any(v is None or v != v for v in row):
        return None
    x0, y0, x1, y1 = row
    return [[y0, x0], [y1, x1]]


def view_of(b, width_px: int = 900, height_px: int = 620) -> tuple[list[float], int]:
    """Centre and zoom that fit bounds [[s, w], [n, e]] into a map of about the page's size (set on the map itself:
    Leaflet's fitBounds runs before the component's frame has its height and would zoom to the maximum)."""
    if not b:
        return [25.0, 102.0], 8
    (s, w), (n, e) = b
    lat = (s + n) / 2
    dlon = max(e - w, 1e-4)
    dlat = max((n - s) / max(np.cos(np.radians(lat)), 0.1), 1e-4)
    z = min(np.log2(width_px * 360 / (256 * dlon)), np.log2(height_px * 360 / (256 * dlat)))
    return [lat, (w + e) / 2], int(max(4, min(17, np.floor(z))))


def build_map(conn, f: Filters, layers, lang: str = "zh", basemap_key: str = "plain") -> tuple[folium.Map, MapInfo]:
    """The folium map with every chosen layer as switchable overlays, a legend and a layer control."""
    started = time.perf_counter()
    info = MapInfo()
    if f.rule_set is None:
        f = Filters(f.township, f.village, f.category, default_rule_set(conn))
    info.rule_set = f.rule_set
    bm = basemaps.get(basemap_key)
    shift = basemaps.shift_for(bm)
    b = bounds(conn, f)
    if b and shift is not None:
        (x0, x1), (y0, y1) = shift([b[0][1], b[1][1]], [b[0][0], b[1][0]])
        b = [[y0, x0], [y1, x1]]
    center, zoom = view_of(b)
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=True,
                   zoom_control=True)
    m.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{basemaps.PLAIN_BACKGROUND};}}"
        ".leaflet-popup-content{font-size:12px}.leaflet-popup-content table{margin:0}</style>"))
    basemaps.add_to(m, bm)
    legends = []
    for key in LAYERS:
        if key not in layers:
            continue
        t0 = time.perf_counter()
        try:
            res = LAYERS[key].build(conn, f, lang, shift)
        except ModuleNotFoundError as err:
            info.unavailable[key] = t("layer_missing", lang, layer=t(LAYER_TITLES[key], lang), module=err.name)
            continue
        for g in res.groups:
            g.add_to(m)
        legends.extend(res.legends)
        info.features.update(res.features)
        info.tiled.extend(res.tiled)
        if res.aggregated:
            info.aggregated.append(key)
        info.layer_s[key] = round(time.perf_counter() - t0, 2)
    MapLegend(legends, t("legend", lang)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    vendor.localize(m)
    info.build_s = time.perf_counter() - started
    return m, info
