"""The field API's side of accounts: bearer-token authentication for Starlette routes, token login/logout/me
routes, and a middleware limiting request rate and body size under /api/."""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from geo import db
from geo.settings import settings

from . import sessions, users
from .users import User


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def require_user(request: Request) -> User:
    """The user of the request's bearer token, or a 401 the client can act on."""
    user = sessions.user_for_request(request, kind=None)
    if user is None:
        raise HTTPException(401, "a valid bearer token is required / 需要有效的访问令牌",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


def _user_json(u: User) -> dict:
    return {"id": u.id, "login": u.login, "display_name": u.display_name, "role": u.role,
            "scope_code": u.scope_code}


def _issue_token(login: str, password: str, client: str | None):
    """(user, secret) or raises LoginFailed / LoginThrottled; blocking (argon2, database), so run off the loop."""
    with db.pooled() as conn:
        user = users.authenticate(conn, login, password, client)  # commits the attempt's outcome itself
        with db.transaction(conn=conn), conn.cursor() as cur:
            secret = sessions.create(cur, user, sessions.API, client=client, label="field app")
        return user, secret


def _revoke(token: str | None) -> None:
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        sessions.revoke(cur, token)


async def authenticated(request: Request) -> User:
    """require_user for async handlers: the database lookup runs in the thread pool, not on the event loop."""
    return await run_in_threadpool(require_user, request)


async def token(request: Request):
    """POST {"login": …, "password": …} → a bearer token for the field app."""
    try:
        body = await request.json()
        login, password = str(body["login"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "expected JSON with login and password"}, 400)
    try:
        user, secret = await run_in_threadpool(_issue_token, login, password, client_address(request))
    except users.LoginThrottled as err:
        return JSONResponse({"error": str(err), "retry_after": err.retry_after}, 429,
                            headers={"Retry-After": str(int(err.retry_after + 0.999))})
    except users.LoginFailed as err:
        return JSONResponse({"error": str(err)}, 401)
    return JSONResponse({"token": secret, "token_type": "bearer", "user": _user_json(user),
                         "expires_in_s": int(sessions.lifetime(sessions.API).total_seconds())})


def _renew(token: str | None, client: str | None):
    with db.transaction() as conn, conn.cursor() as cur:
        return sessions.renew(cur, token, client=client)


async def renew(request: Request):
    """POST with a live bearer token → a fresh one (the field app renews while online); the old one soon expires."""
    got = await run_in_threadpool(_renew, sessions.bearer(request.headers.get("authorization")), client_address(request))
    if got is None:
        return JSONResponse({"error": "a valid bearer token is required / 需要有效的访问令牌"}, 401,
                            headers={"WWW-Authenticate": "Bearer"})
    user, secret = got
    return JSONResponse({"token": secret, "token_type": "bearer", "user": _user_json(user),
                         "expires_in_s": int(sessions.lifetime(sessions.API).total_seconds())})


async def logout(request: Request):
    await authenticated(request)
    await run_in_threadpool(_revoke, sessions.bearer(request.headers.get("authorization")))
    return JSONResponse({"status": "revoked"})


async def me(request: Request):
    return JSONResponse(_user_json(await authenticated(request)))


def _web_user(token: str | None) -> User | None:
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        return sessions.user_for_token(cur, token, sessions.WEB)


def _same_origin(request: Request) -> bool:
    """A browser's POST from this site's own pages: no Origin header (not a browser), or one naming this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("x-forwarded-host", request.headers.get("host"))


async def browser_session(request: Request):
    """POST {"token": …}: the web page hands its live session to the browser, kept in an HttpOnly cookie so that a
    reload (or a phone reopening the tab) stays signed in; DELETE: the cookie is dropped (signing out revokes the
    session itself). Only a live web session is accepted, and only from this site's own pages."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-site request refused / 拒绝跨站请求"}, 403)
    if request.method == "DELETE":
        resp = Response(status_code=204)
        resp.delete_cookie(sessions.COOKIE, path="/")
        return resp
    try:
        secret = str((await request.json())["token"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "expected JSON with token"}, 400)
    if await run_in_threadpool(_web_user, secret) is None:
        return JSONResponse({"error": "not a live web session / 会话无效或已过期"}, 401)
    resp = Response(status_code=204)
    resp.set_cookie(sessions.COOKIE, secret, max_age=int(sessions.lifetime(sessions.WEB).total_seconds()),
                    path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


routes = [Route("/api/v1/auth/token", token, methods=["POST"]),
          Route("/api/v1/auth/logout", logout, methods=["POST"]),
          Route("/api/v1/auth/renew", renew, methods=["POST"]),
          Route("/api/v1/auth/me", me),
          Route("/api/v1/auth/session", browser_session, methods=["POST", "DELETE"])]


class ApiLimits:
    """ASGI middleware for paths under `prefix`: at most `per_minute` requests per token (or client address when
    there is none) in any 60 s, answered 429 with Retry-After beyond; bodies over `max_body` bytes answered 413,
    whether declared in Content-Length or streamed. The request count is per process, in memory."""

    def __init__(self, app, prefix: str = "/api/", per_minute: int | None = None, max_body: int | None = None,
                 clock=time.monotonic):
        self.app, self.prefix, self.clock = app, prefix, clock
        self.per_minute = per_minute or settings.api_requests_per_minute
        self.max_body = max_body or settings.api_max_body_bytes
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _key(self, scope) -> str:
        headers = dict(scope.get("headers") or [])
        tok = sessions.bearer(headers.get(b"authorization", b"").decode("latin-1"))
        if tok:
            return "t:" + sessions.hash_token(tok)
        client = scope.get("client")
        return "a:" + (client[0] if client else "?")

    def _retry_after(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return 60 - (now - q[0])
            q.append(now)
            if len(self._hits) > 100_000:  # forget idle keys rather than grow without bound
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                    del self._hits[k]
            return 0.0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            return await self.app(scope, receive, send)
        wait = self._retry_after(self._key(scope))
        if wait > 0:
            return await _json(send, 429, {"error": "too many requests / 请求过于频繁"},
                               [(b"retry-after", str(int(wait + 0.999)).encode())])
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_body:
            return await _json(send, 413, {"error": f"body over {self.max_body} bytes / 上传内容过大"})
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        # Read the body here, up to the limit, then replay it: a streamed body over the limit never reaches a route.
        chunks, seen, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                return await _json(send, 413, {"error": f"body over {self.max_body} bytes / 上传内容过大"})
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _json(send, status: int, payload: dict, extra_headers=()):
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *extra_headers]})
    await send({"type": "http.response.body", "body": body})
