"""Basemaps: a plain background (default) or locally served tiles, with OpenStreetMap, Tianditu (天地图, CGCS2000)
and Gaode (高德, GCJ-02) selectable. Overlays are shifted into a basemap's frame, never the data."""
from __future__ import annotations

from dataclasses import dataclass

import folium

from geo import i18n
from geo.settings import settings


@dataclass(frozen=True)
class Basemap:
    key: str                        # its name in the catalogue's [vocab.basemap]
    tiles: tuple[str, ...] = ()     # tile URL templates, drawn in order (base, then annotation)
    attribution: str = ""
    subdomains: str = "abc"
    frame: str = "wgs84"            # 'wgs84' (≈ CGCS2000 for a map) or 'gcj02'

    def label(self, lang: str) -> str:
        return i18n.label("basemap", self.key, lang)


PLAIN_BACKGROUND = "#eef2f3"


def available() -> dict[str, Basemap]:
    """The basemaps this installation can offer, the offline ones first."""
    out = {"plain": Basemap("plain")}
    if settings.local_tiles_url:
        out["local"] = Basemap("local", (settings.local_tiles_url,), settings.local_tiles_attribution)
    out["osm"] = Basemap("osm", ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",),
                         "&copy; OpenStreetMap contributors")
    if settings.tianditu_key:
        tk = settings.tianditu_key
        wmts = ("https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
                "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + tk)
        out["tianditu"] = Basemap("tianditu", (wmts % ("vec", "vec"), wmts % ("cva", "cva")),
                                  "&copy; 天地图 Tianditu", "01234567")
    out["gaode"] = Basemap("gaode", ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                                     "&x={x}&y={y}&z={z}",), "&copy; 高德地图 AutoNavi", "1234", frame="gcj02")
    return out


def get(key: str | None) -> Basemap:
    maps = available()
    return maps.get(key or "plain", maps["plain"])


def shift_for(basemap: Basemap):
    """The function that moves CGCS2000/WGS84 lon/lat arrays into the basemap's frame (None: no shift)."""
    if basemap.frame == "gcj02":
        from geo.frames import wgs84_to_gcj02   # written by the import capability, vectorised over numpy
        return wgs84_to_gcj02
    return None


def add_to(m: folium.Map, basemap: Basemap) -> None:
    """Put the basemap's tiles on the map (nothing for the plain background: the map's own colour shows)."""
    for url in basemap.tiles:
        folium.TileLayer(tiles=url, attr=basemap.attribution or basemap.label("en"), name=basemap.label("zh"),
                         subdomains=basemap.subdomains, max_zoom=18, overlay=False, control=False).add_to(m)


def shift_point(basemap: Basemap, latlon: tuple[float, float]) -> tuple[float, float]:
    """A (lat, lon) moved into the basemap's frame, for centring the map on a search hit."""
    shift = shift_for(basemap)
    if shift is None:
        return latlon
    x, y = shift([latlon[1]], [latlon[0]])
    return float(y[0]), float(x[0])
