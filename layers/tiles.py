"""Vector tiles of the planner's map: a tiled layer declared once (its SQL file, popup and paint), its tile made by
PostGIS (ST_AsMVT) on the caller's connection, so row-level security decides what it holds, and the description the
browser draws it from (static/map/dixian-tiles.js, on Leaflet.VectorGrid)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import urlencode

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo import db
from geo.settings import settings

from . import vendor
from .base import SQL, Filters
from .popup import Popup

EXTENT, BUFFER = 4096, 256   # tile units per side; margin kept beyond the edge (16 px: a circle cut at it shows whole)
MAX_ZOOM = 22
PREFIX = "/tiles"


# --- paint: Leaflet path options, each a value or a rule over a feature's properties -------------------------------

@dataclass(frozen=True)
class By:
    """The option's value for each value of a property (true/false, a code), else `default`."""
    prop: str
    values: dict
    default: object = None

    def client(self):
        return {"by": self.prop, "values": {json.dumps(k) if isinstance(k, bool) else str(k): v
                                            for k, v in self.values.items()}, "default": self.default}


@dataclass(frozen=True)
class Steps:
    """The value of the first step whose bound the property's number is below; `missing` when it has none."""
    prop: str
    steps: tuple   # ((upper bound, value), ...) ascending
    missing: object = None

    def client(self):
        return {"steps": self.prop, "bounds": [b for b, _ in self.steps], "values": [v for _, v in self.steps],
                "missing": self.missing}


@dataclass(frozen=True)
class Sized:
    """A circle's radius growing with a count (area with the count): min(hi, lo + sqrt(n)), as layers.base does."""
    prop: str
    lo: float = 5
    hi: float = 18

    def client(self):
        return {"sized": self.prop, "lo": self.lo, "hi": self.hi}


def paint(**options) -> dict:
    """Leaflet path options (color, weight, fillColor, fillOpacity, radius, dashArray, opacity) as the browser reads
    them: constants as they are, rules (By, Steps, Sized) as their description."""
    return {k: (v.client() if hasattr(v, "client") else v) for k, v in options.items()}


# --- a tiled layer -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Look:
    """How a tiled layer's features show: their popup and tooltip, and their paint."""
    popup: Popup
    paint: dict


@dataclass(frozen=True)
class TileLayer:
    """A layer served as vector tiles at /tiles/NAME/z/x/y.pbf, made by layers/sql/tile_NAME.sql. From the detail
    zoom (settings.map_tile_detail_zoom) its features look `fine`; below it they look `coarse` (the SQL's aggregate,
    per natural village), or the layer is not drawn at all when it has no coarse look."""
    name: str
    fine: Look
    coarse: Look | None = None
    detail_only: bool = False   # without a coarse look: drawn only from the detail zoom (else `fine` at every zoom)
    parts: tuple[str, ...] = ("rule_set", "category", "township", "village")   # the filters its SQL reads

    @property
    def min_zoom(self) -> int:
        return settings.map_tile_detail_zoom if self.detail_only else 0

    def url(self, f: Filters, frame: str = "wgs84") -> str:
        """The tile URL template for these filters (only those the layer reads, so that filter sets giving the same
        tile share it) and the basemap's frame (gcj02: drawn shifted onto Gaode's tiles)."""
        q = {k: getattr(f, k) for k in self.parts if getattr(f, k) is not None}
        if frame != "wgs84":
            q["frame"] = frame
        return f"{PREFIX}/{self.name}/{{z}}/{{x}}/{{y}}.pbf" + (f"?{urlencode(q)}" if q else "")

    def client(self, f: Filters, lang: str, title: str, frame: str = "wgs84") -> dict:
        """What the browser needs to draw the layer: its tile URL, zooms, and its looks."""
        def look(lk: Look | None):
            return None if lk is None else {"popup": lk.popup.client(lang), "paint": lk.paint}
        return {"name": self.name, "title": title, "url": self.url(f, frame), "minZoom": self.min_zoom,
                "detail": settings.map_tile_detail_zoom, "fine": look(self.fine),
                "coarse": look(self.coarse or (None if self.detail_only else self.fine))}


FRAMES = ("wgs84", "gcj02")


def frame_of(shift) -> str:
    """The frame a layer's `shift` draws in: the basemaps shift only to GCJ-02 (layers/basemaps.py)."""
    return "wgs84" if shift is None else "gcj02"
_R = 6378137.0


def frame_offset(frame: str, z: int, x: int, y: int) -> tuple[float, float]:
    """Web Mercator metres to add to the data's positions for a basemap in `frame`, taken at the tile's centre (GCJ-02's
    offset changes by a few metres over a tile of zoom 10, under a pixel there)."""
    if frame == "wgs84":
        return 0.0, 0.0
    from geo.frames import wgs84_to_gcj02
    lon = (x + 0.5) / 2 ** z * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2 ** z))))
    glon, glat = (float(v[0]) for v in wgs84_to_gcj02([lon], [lat]))

    def merc(lo, la):
        return _R * math.radians(lo), _R * math.log(math.tan(math.pi / 4 + math.radians(la) / 2))
    (mx, my), (gx, gy) = merc(lon, lat), merc(glon, glat)
    return gx - mx, gy - my


def selection(z: int, x: int, y: int, dx: float = 0.0, dy: float = 0.0) -> dict:
    """The Web Mercator box (x0, y0, x1, y1) whose points a tile draws: the tile with its buffer, less the frame's
    offset. Given to the SQL as numbers, not computed in it, so that the planner estimates the rows it holds from the
    columns' statistics: with a guess it planned a subquery per row, 3 s for a prefecture's tile at zoom 10."""
    size = 2 * math.pi * _R / 2 ** z
    margin = size * BUFFER / EXTENT
    left, top = -math.pi * _R + x * size, math.pi * _R - y * size
    return {"x0": left - margin - dx, "x1": left + size + margin - dx,
            "y0": top - size - margin - dy, "y1": top + margin - dy}


def tile(conn, layer: TileLayer, z: int, x: int, y: int, f: Filters, frame: str = "wgs84") -> bytes:
    """The tile's bytes (empty when it holds nothing) as `conn` reads the tables: run on the user's connection, it
    holds only what the user may see. JIT is off for it: row-level security's subplans push the planner's cost
    estimates past the JIT threshold, and compiling costs far more than the tile."""
    dx, dy = frame_offset(frame, z, x, y)
    with conn.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute(SQL(f"tile_{layer.name}"), f.params(z=z, x=x, y=y, detail=settings.map_tile_detail_zoom,
                                                        extent=EXTENT, buffer=BUFFER, dx=dx, dy=dy,
                                                        **selection(z, x, y, dx, dy)))
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile (x, y) of zoom z holding a longitude and latitude."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def covering(west: float, south: float, east: float, north: float, z: int) -> list[tuple[int, int, int]]:
    """The tiles (z, x, y) of zoom z that a view of these bounds asks for."""
    (x0, y0), (x1, y1) = tile_of(west, north, z), tile_of(east, south, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


# --- on the folium map ---------------------------------------------------------------------------------------------

class TiledOverlay(MacroElement):
    """A tiled layer inside a folium FeatureGroup (so the layer control switches it): the browser fetches only the
    tiles in view, with the page's session cookie, and draws, hovers and clicks them itself."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.dixianTiles({{ this.spec|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, spec: dict):
        super().__init__()
        self._name = "DixianTiles"
        self.spec = spec
        self.default_js = [("vectorgrid", vendor.VECTORGRID), ("dixian_tiles", vendor.TILES_JS)]


def add_to(group: folium.FeatureGroup, layer: TileLayer, f: Filters, lang: str, frame: str = "wgs84"
           ) -> TiledOverlay:
    """Put `layer`'s tiles in `group` (a switchable overlay of the map)."""
    overlay = TiledOverlay(layer.client(f, lang, group.layer_name, frame))
    overlay.add_to(group)
    return overlay
