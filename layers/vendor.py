"""Offline safety: every script, stylesheet, font and icon the map needs is served by the app itself from
static/vendor (Streamlit's static serving, /app/static/vendor/…). The CDN links folium and its plugins carry are
rewritten to those local copies, and a link with no local copy is an error, never a silent fetch."""
from __future__ import annotations

import re

STATIC = "/app/static/vendor"

LOCAL = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": f"{STATIC}/leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": f"{STATIC}/leaflet/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": f"{STATIC}/jquery/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        f"{STATIC}/bootstrap/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": f"{STATIC}/bootstrap/bootstrap.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        f"{STATIC}/awesome-markers/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        f"{STATIC}/awesome-markers/leaflet.awesome-markers.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        f"{STATIC}/fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css":
        f"{STATIC}/folium/leaflet.awesome.rotate.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        f"{STATIC}/markercluster/leaflet.markercluster.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        f"{STATIC}/markercluster/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        f"{STATIC}/markercluster/MarkerCluster.Default.css",
}
# Vector tiles (layers/tiles.py): Leaflet.VectorGrid (npm leaflet.vectorgrid, bundled with pbf and vector-tile) and the
# app's own script that draws, hovers and clicks the tiled layers.
VECTORGRID = f"{STATIC}/vectorgrid/Leaflet.VectorGrid.bundled.min.js"
TILES_JS = "/app/static/map/dixian-tiles.js"
# Bootstrap 3's glyphicons serve only awesome-markers' 'glyphicon' prefix, which the layers never use.
DROP = {"https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css"}


class NotVendored(RuntimeError):
    """A map element wants a file from the internet that static/vendor does not hold."""


def _walk(el):
    yield el
    for child in getattr(el, "_children", {}).values():
        yield from _walk(child)


def _local(url: str) -> str:
    if url.startswith("/"):
        return url
    if url in LOCAL:
        return LOCAL[url]
    raise NotVendored(f"{url} is not vendored: add the package to static/vendor/package.json, run "
                      f"static/vendor/copy.sh, and map the URL in layers/vendor.py LOCAL")


def localize(m) -> None:
    """Point every JS/CSS link of the map's elements at the app's own copies (instance attributes: folium's
    class-level lists stay as they are for anyone else)."""
    for el in _walk(m.get_root()):
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(el, attr, [(name, _local(url)) for name, url in links if url not in DROP])


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)


def external_links(html: str) -> list[str]:
    """Script/stylesheet/link URLs in rendered HTML that would leave the machine."""
    return [html[m.start():m.start() + 120] for m in _EXTERNAL.finditer(html)]
