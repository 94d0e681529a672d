"""The planner's map: assemble the chosen layers on the chosen basemap, render it once per set of filters into the
strings streamlit-folium sends to the browser (cached), and show it so that a pan or zoom never reruns the page."""
from __future__ import annotations

import hashlib
import json
import time
from contextlib import closing
from dataclasses import dataclass, field

import folium
import folium.template
import numpy as np
import streamlit as st

from geo import db
from geo.settings import settings

from . import admin, assets, basemaps, housing, inspections, relocation, risk, roads, vendor, water
from .base import Filters, default_rule_set, query
from .i18n import t
from .legend import MapLegend

# Folium writes every property through Jinja's tojson, which escapes each Chinese character as \\uXXXX; the
# component's own JSON then escapes the backslash again (7 bytes a character on the wire instead of 6). Folium's
# templates share one environment: ask it for plain UTF-8 JSON (still HTML-safe: <, >, & and ' stay escaped).
folium.template.Template("").environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}

# Drawing order: areas first, points last (on top).
LAYERS = {
    "admin": admin, "risk": risk, "roads": roads, "water": water, "housing": housing, "assets": assets,
    "relocation": relocation, "inspections": inspections,
}
LAYER_TITLES = {"admin": "layer_admin", "risk": "layer_risk", "roads": "layer_roads", "water": "layer_water",
                "housing": "layer_housing", "assets": "layer_assets", "relocation": "layer_relocation",
                "inspections": "layer_inspections"}
DEFAULT_LAYERS = ("admin", "risk", "water", "roads")
# On a click the page learns only which object was clicked (its tooltip): no rerun on pan, zoom or layer switch.
RETURNED_OBJECTS = ["last_object_clicked_tooltip"]


@dataclass
class MapInfo:
    features: dict[str, int] = field(default_factory=dict)    # overlay name -> features sent to the browser
    aggregated: list[str] = field(default_factory=list)        # layer keys drawn as aggregates
    unavailable: dict[str, str] = field(default_factory=dict)  # layer key -> why it could not be drawn
    rule_set: str | None = None
    build_s: float = 0.0
    layer_s: dict[str, float] = field(default_factory=dict)   # layer key -> seconds to query and draw it


def bounds(conn, f: Filters):
    row = query(conn, "extent", f.params()).iloc[0].tolist()
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
            info.unavailable[key] = f"{t(LAYER_TITLES[key], lang)}: {err.name} not installed"
            continue
        for g in res.groups:
            g.add_to(m)
        legends.extend(res.legends)
        info.features.update(res.features)
        if res.aggregated:
            info.aggregated.append(key)
        info.layer_s[key] = round(time.perf_counter() - t0, 2)
    MapLegend(legends, t("legend", lang)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    vendor.localize(m)
    info.build_s = time.perf_counter() - started
    return m, info


def payload(m: folium.Map) -> dict:
    """What st_folium would send to its component for this map: the rendered script, header and links. Computed
    here once per filter set so that a rerun only re-sends cached strings. Mirrors streamlit_folium.st_folium
    (streamlit-folium 0.27.4, pinned; tests/test_app_pages.py fails if that changes under us)."""
    import streamlit_folium as sf
    m.get_root().render()      # renders the map and its children once; st_folium renders the map a second time
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    css, js = [], []

    def walk(el):
        yield el
        for child in getattr(el, "_children", {}).values():
            yield from walk(child)

    for el in walk(m):
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    css, js = list(dict.fromkeys(css)), list(dict.fromkeys(js))
    for link in css + js:
        if not link.startswith("/"):
            raise vendor.NotVendored(f"{link} would be fetched from the internet")
    try:
        b = m.get_bounds()
    except AttributeError:
        b = [[None, None], [None, None]]
    return {"script": script, "header": header, "html": html, "id": sf.get_full_id(m), "css_links": css,
            "js_links": js, "bounds": b, "zoom": m.options.get("zoom"),
            # what the browser receives for the map: the component's arguments as Streamlit serialises them
            "bytes": len(json.dumps({"script": script, "header": header, "html": html, "css_links": css,
                                     "js_links": js}))}


def data_stamp(conn) -> int:
    return int(query(conn, "data_stamp", {}).iloc[0, 0])


def make_payload(url: str, f: Filters, layers: tuple, lang: str, basemap_key: str, user=None) -> tuple[dict, MapInfo]:
    """The map's payload read as `user` (row-level security) or, with no user, on the owner's connection."""
    from accounts.scoped import connect_as
    with closing(connect_as(user, url) if user is not None else db.connect(url)) as conn:
        m, info = build_map(conn, f, layers, lang, basemap_key)
    return payload(m), info


@st.cache_data(ttl=settings.map_cache_ttl_s, max_entries=32, show_spinner=False)
def _cached(url, stamp, township, village, category, rule_set, layers, lang, basemap_key, who, _user):
    return make_payload(url, Filters(township, village, category, rule_set), layers, lang, basemap_key, _user)


def cached_payload(url: str, stamp: int, f: Filters, layers: tuple, lang: str, basemap_key: str, who: tuple):
    """make_payload as the signed-in user, cached per database, data stamp, filters and user (`who`: layers.ui.who();
    st.cache_data: a rerun costs a dict lookup, and one user's cached map never serves another)."""
    from accounts.ui import require_login
    user = require_login()
    if (user.id, user.role, user.scope_code) != tuple(who):
        raise PermissionError("the signed-in user changed; reload the page")
    return _cached(url, stamp, f.township, f.village, f.category, f.rule_set, tuple(layers), lang, basemap_key,
                   tuple(who), user)


def show(p: dict, *, key: str = "planner_map", height: int = 640, center=None, zoom=None) -> dict:
    """Show a cached payload in the streamlit-folium component; returns the clicked object's tooltip, if any."""
    import streamlit_folium as sf

    defaults = {"last_object_clicked_tooltip": None}
    hash_key = hashlib.sha256((p["script"] + key).encode()).hexdigest()
    return sf._component_func(
        script=p["script"], header=p["header"], html=p["html"], id=p["id"], key=hash_key, height=height,
        width=None, returned_objects=RETURNED_OBJECTS, default=defaults, zoom=zoom, center=center,
        feature_group=None, return_on_hover=False, layer_control=None, pixelated=False, css_links=p["css_links"],
        js_links=p["js_links"], on_change=None, wrap_longitude=False) or defaults
