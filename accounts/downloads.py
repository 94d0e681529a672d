"""Downloads through one authenticated route: a page prepares a file for its signed-in user (a ledger's workbook, a
plan, a printed map) and links to /api/v1/exports/TICKET; the route takes the browser's web session, checks that the
ticket was prepared for that user, records the export in export_log and then streams the file. Without a session the
answer is 401, with another user's session 404; a ticket lives DIXIAN_DOWNLOAD_MINUTES in this process's memory."""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from geo.settings import settings

from . import audit, sessions
from .api import user_of
from .scoped import scoped_transaction
from .users import User

PREFIX = "/api/v1/exports/"
CHUNK = 64 * 1024
_MAX_PER_USER = 32


@dataclass(frozen=True)
class Prepared:
    """A file made for one user, waiting to be fetched."""
    user_id: int
    slot: str
    data: bytes
    file_name: str
    mime: str
    layer: str
    rows: int
    fmt: str
    expires: float


class Store:
    """Prepared files by ticket; a page's rerun replaces its own slot's file under the same ticket."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._items: dict[str, Prepared] = {}
        self._lock = threading.Lock()

    def put(self, user: User, slot: str, data: bytes, file_name: str, mime: str, layer: str, rows: int,
            fmt: str) -> str:
        now = self.clock()
        with self._lock:
            for t in [t for t, p in self._items.items() if p.expires < now]:
                del self._items[t]
            mine = sorted((p.expires, t) for t, p in self._items.items() if p.user_id == user.id)
            ticket = next((t for t, p in self._items.items() if p.user_id == user.id and p.slot == slot), None)
            if ticket is None:
                ticket = secrets.token_urlsafe(24)
                for _, old in mine[:max(0, len(mine) - _MAX_PER_USER + 1)]:
                    del self._items[old]
            self._items[ticket] = Prepared(user.id, slot, data, file_name, mime, layer, rows, fmt,
                                           now + 60 * settings.download_minutes)
        return ticket

    def get(self, ticket: str) -> Prepared | None:
        with self._lock:
            item = self._items.get(ticket)
        return item if item is not None and item.expires >= self.clock() else None


store = Store()


def prepare(user: User, slot: str, data: bytes, file_name: str, mime: str, layer: str, rows: int,
            fmt: str | None = None) -> str:
    """Keep `data` for `user` and return the link that downloads it (recorded when fetched). `slot` names the
    page's download, so each rerun of the page replaces its file under the same link."""
    fmt = fmt or PurePath(file_name).suffix.lstrip(".").lower()
    return PREFIX + store.put(user, slot, data, file_name, mime, layer, rows, fmt)


def _session(request: Request) -> str | None:
    return sessions.cookie_token(request.cookies)


def _record(user: User, item: Prepared) -> None:
    with scoped_transaction(user) as conn:
        audit.record_export(conn, user, item.layer, item.rows, item.fmt, item.file_name)


async def download(request: Request):
    """GET with the browser's session cookie: the prepared file, recorded in export_log first."""
    user = await run_in_threadpool(user_of, _session(request), sessions.WEB)
    if user is None:
        return JSONResponse({"error": "sign in first: downloads need the web session / 请先登录"}, 401)
    item = store.get(request.path_params["ticket"])
    if item is None or item.user_id != user.id:
        return JSONResponse({"error": "no such download (expired, or prepared for someone else) / 下载已失效"}, 404)
    await run_in_threadpool(_record, user, item)
    name = quote(item.file_name)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}", "Cache-Control": "no-store",
               "Content-Length": str(len(item.data)), "X-Content-Type-Options": "nosniff"}

    async def chunks():
        for i in range(0, len(item.data), CHUNK):
            yield item.data[i:i + CHUNK]
    return StreamingResponse(chunks(), media_type=item.mime, headers=headers)


routes = [Route(PREFIX + "{ticket}", download, methods=["GET"])]
