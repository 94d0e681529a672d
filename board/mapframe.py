"""The map on a page: a built map rendered once per set of filters into the strings streamlit-folium sends to the
browser (cached per data stamp and user), and shown so that a pan or zoom never reruns the page."""
from __future__ import annotations

import hashlib
import json
from contextlib import closing

import folium
import streamlit as st

from accounts.scoped import connect_as
from accounts.ui import require_login
from geo import db
from geo.settings import settings
from layers import mapview, vendor
from layers.base import Filters

# On a click the page learns only which object was clicked (its tooltip): no rerun on pan, zoom or layer switch.
RETURNED_OBJECTS = ["last_object_clicked_tooltip"]


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


def make_payload(url: str, f: Filters, layers: tuple, lang: str, basemap_key: str, user=None
                 ) -> tuple[dict, mapview.MapInfo]:
    """The map's payload read as `user` (row-level security) or, with no user, on the owner's connection."""
    with closing(connect_as(user, url) if user is not None else db.connect(url)) as conn:
        m, info = mapview.build_map(conn, f, layers, lang, basemap_key)
    return payload(m), info


@st.cache_data(ttl=settings.map_cache_ttl_s, max_entries=32, show_spinner=False)
def _cached(url, stamp, township, village, category, rule_set, layers, lang, basemap_key, who, _user):
    return make_payload(url, Filters(township, village, category, rule_set), layers, lang, basemap_key, _user)


def cached_payload(url: str, stamp: int, f: Filters, layers: tuple, lang: str, basemap_key: str, who: tuple):
    """make_payload as the signed-in user, cached per database, data stamp, filters and user (`who`:
    board.session.who(); st.cache_data: a rerun costs a dict lookup, and one user's cached map never serves another)."""
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
