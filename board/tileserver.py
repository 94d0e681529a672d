"""The map's vector tiles over HTTP, served by the app's own process: GET /tiles/{layer}/{z}/{x}/{y}.pbf read as the
signed-in user (the page's session cookie, or a bearer token) under row-level security, and kept in memory per data
stamp and user, so a tile made for one user is never handed to another."""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accounts import sessions
from accounts.scoped import pooled_as
from geo import db, i18n
from geo.settings import settings
from layers import mapview, tiles
from layers.base import Filters

from . import session

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
_CODE = re.compile(r"[0-9]{12}")


class TileCache:
    """Tiles made, by key, within a byte budget; the least recently used go first. The key names the database, the
    user (id, role, scope) and the data stamp, so a tile is only ever found again by the user it was made for, on the
    same data."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self._tiles: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            if key in self._tiles:
                self.size -= len(self._tiles.pop(key))
            self._tiles[key] = data
            self.size += len(data)
            while self.size > self.max_bytes and self._tiles:
                self.size -= len(self._tiles.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._tiles)


CACHE = TileCache(settings.map_tile_cache_mb * 2 ** 20)


class BadRequest(ValueError):
    """A tile request's parameter out of its range: the message names it."""


def filters(query) -> tuple[Filters, str]:
    """The map's filters and the basemap's frame from a tile URL's query, each checked (else BadRequest)."""
    township, village, category = query.get("township"), query.get("village"), query.get("category")
    rule_set, frame = query.get("rule_set"), query.get("frame", "wgs84")
    for name, code in (("township", township), ("village", village)):
        if code is not None and not _CODE.fullmatch(code):
            raise BadRequest(f"{name}: expected a 12-digit code")
    if category is not None and category not in i18n.vocabulary("category"):
        raise BadRequest(f"category: expected one of {', '.join(i18n.vocabulary('category'))}")
    if rule_set is not None and not 0 < len(rule_set) <= 100:
        raise BadRequest("rule_set: expected a rule set's name")
    if frame not in tiles.FRAMES:
        raise BadRequest(f"frame: expected one of {', '.join(tiles.FRAMES)}")
    return Filters(township, village, category, rule_set), frame


def credentials(request: Request) -> tuple[str | None, str | None]:
    """The request's token and the kinds of session it may be: a bearer token (an API token or a web session, as the
    field API takes them), else the page's session cookie (a web session only)."""
    token = sessions.bearer(request.headers.get("authorization"))
    if token:
        return token, sessions.BEARER
    return sessions.cookie_token(request.cookies), sessions.WEB


def signed_in(token: str | None, kind: str | tuple[str, ...]):
    """(user, data stamp) for a live token, else (None, None); one short transaction on the owner's connection."""
    if not token:
        return None, None
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        user = sessions.user_for_token(cur, token, kind)
        return (user, session.stamp(conn)) if user is not None else (None, None)


def serve(token, kind, layer: tiles.TileLayer, z: int, x: int, y: int, f: Filters, frame: str,
          if_none_match: str | None) -> tuple[int, bytes, str | None]:
    """(status, bytes, etag) of one tile request: 401 without a live session; 304 when the client holds this very
    tile; else the tile from the cache or made on a pooled connection that is the user while borrowed."""
    user, stamp = signed_in(token, kind)
    if user is None:
        return 401, b"", None
    key = (settings.url, session.who(user), stamp, layer.name, z, x, y, *(getattr(f, p) for p in layer.parts), frame)
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'
    if if_none_match == etag:
        return 304, b"", etag
    data = CACHE.get(key)
    if data is None:
        with pooled_as(user) as conn:
            data = tiles.tile(conn, layer, z, x, y, f, frame)
        CACHE.put(key, data)
    return 200, data, etag


def _unauthorized() -> JSONResponse:
    return JSONResponse({"error": i18n.both("tile_sign_in", " / ")}, 401, headers={"WWW-Authenticate": "Bearer"})


async def tile(request: Request):
    p = request.path_params
    layer = mapview.TILES.get(p["layer"])
    if layer is None or not tiles.valid_tile(p["z"], p["x"], p["y"]):
        return JSONResponse({"error": i18n.both("tile_unknown", " / ")}, 404)
    try:
        f, frame = filters(request.query_params)
    except BadRequest as err:
        return JSONResponse({"error": str(err)}, 400)
    token, kind = credentials(request)
    status, data, etag = await run_in_threadpool(serve, token, kind, layer, p["z"], p["x"], p["y"], f, frame,
                                                 request.headers.get("if-none-match"))
    if status == 401:
        return _unauthorized()
    # private: never kept by a shared cache; no-cache: the browser asks again each time, and the ETag (which names
    # the user and the data stamp) answers 304 when its copy is still this user's tile of this data
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie, Authorization"}
    if status == 304:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=MEDIA_TYPE, headers=headers)


async def whoami(request: Request):
    """204 once the request carries a live session: the map's script waits for the page's cookie before it asks for
    tiles (right after signing in the page may still be handing its session to the browser)."""
    user, _ = await run_in_threadpool(signed_in, *credentials(request))
    return _unauthorized() if user is None else Response(status_code=204)


routes = [Route(f"{tiles.PREFIX}/session", whoami),
          Route(tiles.PREFIX + "/{layer:str}/{z:int}/{x:int}/{y:int}.pbf", tile)]
