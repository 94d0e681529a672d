"""The field API's side of accounts: bearer-token authentication for Starlette routes, the token routes (sign in,
change a password that must be changed, renew, ODK key, sign out, me, the browser's session cookie), and a middleware
limiting request rate and body size under /api/.

The rate limit counts per client address until a token is verified: a made-up token is one more request of its
address, so a flood of them gets 429 from that address while other addresses go on; the requests of a token this
process has verified count per token. Bodies are never buffered before the route has authenticated the caller: the
middleware only counts the bytes as the route reads them, and the sign-in routes read a small body at most."""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict, deque
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

SIGN_IN_MAX_BYTES = 16 * 1024   # a sign-in body: a login and two passwords
CHANGE_PASSWORD = "/api/v1/auth/password"
ODK_PREFIX = "/api/v1/openrosa/key/"
_ODK_KEY = re.compile(r"(/api/v1/openrosa/key/)[^/?#]*")
_AUTH_HEADERS = {"WWW-Authenticate": "Bearer"}


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


class VerifiedTokens:
    """Hashes of the tokens this process verified lately (each kept `ttl_s`, at most `size` of them): the rate
    limiter counts their requests per token, every other request per address."""

    def __init__(self, ttl_s: float = 600, size: int = 100_000, clock=time.monotonic):
        self.ttl_s, self.size, self.clock = ttl_s, size, clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, token: str) -> None:
        key = sessions.hash_token(token)
        with self._lock:
            self._seen[key] = self.clock() + self.ttl_s
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def discard(self, token: str) -> None:
        with self._lock:
            self._seen.pop(sessions.hash_token(token), None)

    def __contains__(self, token_hash: str) -> bool:
        with self._lock:
            until = self._seen.get(token_hash)
            if until is not None and until < self.clock():
                del self._seen[token_hash]
                until = None
        return until is not None


verified = VerifiedTokens()


def user_of(token: str | None, kind: str | tuple[str, ...], *, must_change_ok: bool = False) -> User | None:
    """The user of a live token of `kind` (a short owner's-connection transaction; blocking), remembered as verified
    for the rate limiter; None for anything else (sessions.user_for_token)."""
    if not token:
        return None
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        user = sessions.user_for_token(cur, token, kind, must_change_ok=must_change_ok)
    if user is not None:
        verified.add(token)
    return user


def require_user(request: Request) -> User:
    """The user of the request's bearer token (an API token or a web session), or a 401 the client can act on."""
    user = user_of(sessions.bearer(request.headers.get("authorization")), sessions.BEARER)
    if user is None:
        raise HTTPException(401, "a valid bearer token is required / 需要有效的访问令牌", headers=_AUTH_HEADERS)
    return user


async def authenticated(request: Request) -> User:
    """require_user for async handlers: the database lookup runs in the thread pool, not on the event loop."""
    return await run_in_threadpool(require_user, request)


def _user_json(u: User) -> dict:
    return {"id": u.id, "login": u.login, "display_name": u.display_name, "role": u.role,
            "scope_code": u.scope_code}


def _token_json(user: User, secret: str, kind: str = sessions.API) -> dict:
    return {"token": secret, "token_type": "bearer", "user": _user_json(user),
            "expires_in_s": int(sessions.lifetime(kind).total_seconds())}


def _refusal(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status, headers=_AUTH_HEADERS if status == 401 else None)


async def _small_json(request: Request, *fields: str) -> dict | JSONResponse:
    """The JSON object of a sign-in body with `fields` as text (at most SIGN_IN_MAX_BYTES, read before any
    authentication because it is the authentication), or the 400/413 answer."""
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > SIGN_IN_MAX_BYTES:
            return _refusal(413, f"body over {SIGN_IN_MAX_BYTES} bytes / 上传内容过大")
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks))
        values = {f: body[f] for f in fields}
    except (ValueError, KeyError, TypeError, RecursionError):
        return _refusal(400, f"expected JSON with {', '.join(fields)}")
    if not all(isinstance(v, str) for v in values.values()):
        return _refusal(400, f"{', '.join(fields)}: expected text")
    return values


def _sign_in(login: str, password: str, client: str | None, new_password: str | None = None):
    """(user, API token) after checking the password (throttled; it commits the attempt's outcome itself) and, with
    `new_password`, changing it first. An account that must change its password gets no token: MustChange."""
    with db.pooled() as conn:
        user = users.authenticate(conn, login, password, client)
        with db.transaction(conn=conn), conn.cursor() as cur:
            if new_password is not None:
                if new_password == password:
                    raise users.AccountError("new_password: choose a password other than the current one "
                                             "/ 新密码不能与当前密码相同")
                user = users.change_password(cur, user.id, password, new_password)
            elif user.must_change_password:
                raise MustChange()
            secret = sessions.create(cur, user, sessions.API, client=client, label="field app")
    verified.add(secret)
    return user, secret


class MustChange(Exception):
    """The password is right but must be changed before any API token is issued."""


async def _signed_in(request: Request, *fields: str):
    body = await _small_json(request, *fields)
    if isinstance(body, Response):
        return body
    try:
        user, secret = await run_in_threadpool(_sign_in, body["login"], body["password"], client_address(request),
                                               body.get("new_password"))
    except users.LoginThrottled as err:
        return JSONResponse({"error": str(err), "retry_after": err.retry_after}, 429,
                            headers={"Retry-After": str(int(err.retry_after + 0.999))})
    except users.LoginFailed as err:
        return _refusal(401, str(err))
    except MustChange:
        return _refusal(403, "the password must be changed before the field app can sign in; change it with POST "
                             f"{CHANGE_PASSWORD} (login, password, new_password) or on the web page "
                             "/ 请先修改密码（网页或 " + CHANGE_PASSWORD + "）", change_password=CHANGE_PASSWORD)
    except users.AccountError as err:
        return _refusal(422, str(err), field="new_password")
    return JSONResponse(_token_json(user, secret))


async def token(request: Request):
    """POST {"login": …, "password": …} → a bearer token for the field app (403 while the password must change)."""
    return await _signed_in(request, "login", "password")


async def change_password(request: Request):
    """POST {"login", "password", "new_password"} → the password changed and a bearer token: the route a 403 from
    /auth/token points to."""
    return await _signed_in(request, "login", "password", "new_password")


def _renew(token: str | None, client: str | None):
    with db.transaction() as conn, conn.cursor() as cur:
        got = sessions.renew(cur, token, client=client)
    if got is not None:
        verified.add(got[1])
    return got


async def renew(request: Request):
    """POST with a live bearer token → a fresh one (the field app renews while online); the old one soon expires."""
    got = await run_in_threadpool(_renew, sessions.bearer(request.headers.get("authorization")), client_address(request))
    if got is None:
        return _refusal(401, "a valid bearer token is required / 需要有效的访问令牌")
    return JSONResponse(_token_json(*got))


def _odk_key(user: User, client: str | None) -> str:
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        return sessions.create(cur, user, sessions.ODK, client=client, label="ODK Collect")


async def odk_key(request: Request):
    """POST with a live bearer token → an ODK Collect key and the server URL to give Collect: it works only on the
    OpenRosa routes and expires after DIXIAN_ODK_KEY_DAYS."""
    user = await authenticated(request)
    key = await run_in_threadpool(_odk_key, user, client_address(request))
    base = str(request.base_url).rstrip("/")
    return JSONResponse({"key": key, "server_url": f"{base}{ODK_PREFIX}{key}", "user": _user_json(user),
                         "expires_in_s": int(sessions.lifetime(sessions.ODK).total_seconds())},
                        headers={"Cache-Control": "no-store"})


def _revoke(token: str) -> None:
    with db.transaction(pool=True) as conn, conn.cursor() as cur:
        sessions.revoke(cur, token)
    verified.discard(token)


async def logout(request: Request):
    await authenticated(request)
    await run_in_threadpool(_revoke, sessions.bearer(request.headers.get("authorization")))
    return JSONResponse({"status": "revoked"})


async def me(request: Request):
    return JSONResponse(_user_json(await authenticated(request)))


def _same_origin(request: Request) -> bool:
    """A browser's POST from this site's own pages: no Origin header (not a browser), or one naming this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("x-forwarded-host", request.headers.get("host"))


def secure(request: Request) -> bool:
    """Whether the browser reached us over HTTPS: the request's own scheme (the forwarded one when a trusted proxy
    says so, DIXIAN_TRUSTED_PROXIES) or DIXIAN_SECURE_COOKIES for a proxy that does not say."""
    return settings.secure_cookies or request.url.scheme == "https"


def cookie_name(request: Request) -> str:
    return sessions.SECURE_COOKIE if secure(request) else sessions.COOKIE


async def browser_session(request: Request):
    """POST {"token": …}: the web page hands its live session to the browser, kept in an HttpOnly, SameSite=Strict
    cookie so that a reload (or a phone reopening the tab) stays signed in; over HTTPS it is Secure and named with
    the __Host- prefix. DELETE: the cookie is dropped (signing out revokes the session itself). Only a live web
    session is accepted, and only from this site's own pages."""
    if not _same_origin(request):
        return JSONResponse({"error": "cross-site request refused / 拒绝跨站请求"}, 403)
    if request.method == "DELETE":
        resp = Response(status_code=204)
        resp.delete_cookie(sessions.COOKIE, path="/")
        resp.delete_cookie(sessions.SECURE_COOKIE, path="/", secure=True)
        return resp
    body = await _small_json(request, "token")
    if isinstance(body, Response):
        return body
    if await run_in_threadpool(lambda: user_of(body["token"], sessions.WEB, must_change_ok=True)) is None:
        return JSONResponse({"error": "not a live web session / 会话无效或已过期"}, 401)
    resp = Response(status_code=204)
    resp.set_cookie(cookie_name(request), body["token"], path="/", httponly=True, samesite="strict",
                    secure=secure(request), max_age=int(sessions.lifetime(sessions.WEB).total_seconds()))
    return resp


_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}
_SIGN_IN = {"type": "object", "required": ["login", "password"], "additionalProperties": False,
            "properties": {"login": {"type": "string"}, "password": {"type": "string"}}}
_TOKEN = {"200": {"description": "{token, token_type, user, expires_in_s}"},
          "401": {"description": "no valid token / wrong login or password", **_ERROR},
          "429": {"description": "too many failed sign-ins from this client: Retry-After", **_ERROR}}
# The routes above as an OpenAPI document's paths (inspections.api serves the document, /api/v1/openapi.json).
OPENAPI_PATHS = {
    "/api/v1/auth/token": {"post": {
        "summary": "Sign in: a bearer token for the field app", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _SIGN_IN}}},
        "responses": {**_TOKEN, "400": {"description": "not JSON with login and password", **_ERROR},
                      "403": {"description": "the password must be changed first: change_password names the route",
                              **_ERROR},
                      "413": {"description": "body too large", **_ERROR}}}},
    CHANGE_PASSWORD: {"post": {
        "summary": "Change the password (one that must be changed, or any) and get a bearer token", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            **_SIGN_IN, "required": ["login", "password", "new_password"],
            "properties": {**_SIGN_IN["properties"], "new_password": {"type": "string"}}}}}},
        "responses": {**_TOKEN, "400": {"description": "not JSON with login, password and new_password", **_ERROR},
                      "422": {"description": "the new password is refused (policy)", **_ERROR}}}},
    "/api/v1/auth/renew": {"post": {"summary": "A fresh bearer token for a live one", "responses": _TOKEN}},
    "/api/v1/auth/odk-key": {"post": {
        "summary": "An ODK Collect key (OpenRosa routes only, expires sooner) and the server URL to give Collect",
        "responses": {"200": {"description": "{key, server_url, user, expires_in_s}"},
                      "401": {"description": "no valid token", **_ERROR}}}},
    "/api/v1/auth/me": {"get": {"summary": "The signed-in account", "responses": {
        "200": {"description": "{id, login, display_name, role, scope_code}"},
        "401": {"description": "no valid token", **_ERROR}}}},
    "/api/v1/auth/logout": {"post": {"summary": "Revoke this bearer token", "responses": {
        "200": {"description": "revoked"}, "401": {"description": "no valid token", **_ERROR}}}},
}

routes = [Route("/api/v1/auth/token", token, methods=["POST"]),
          Route(CHANGE_PASSWORD, change_password, methods=["POST"]),
          Route("/api/v1/auth/logout", logout, methods=["POST"]),
          Route("/api/v1/auth/renew", renew, methods=["POST"]),
          Route("/api/v1/auth/odk-key", odk_key, methods=["POST"]),
          Route("/api/v1/auth/me", me),
          Route("/api/v1/auth/session", browser_session, methods=["POST", "DELETE"])]


class BodyTooLarge(Exception):
    """A body passed the limit while a route was reading it."""


class ApiLimits:
    """ASGI middleware for paths under `prefix`: at most `per_minute` requests in any 60 s per verified token, or per
    client address for a request without one (no token, or one this process has not verified: a guess), answered
    429 with Retry-After beyond; bodies over `max_body` bytes answered 413, whether declared in Content-Length or
    streamed (counted as the route reads them, so nothing is read for a route that refuses the caller first). The
    request counts are per process, in memory."""

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
        if tok is None and scope["path"].startswith(ODK_PREFIX):
            tok = scope["path"][len(ODK_PREFIX):].split("/", 1)[0]
        if tok and sessions.hash_token(tok) in verified:
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
        too_large = {"error": f"body over {self.max_body} bytes / 上传内容过大"}
        if declared > self.max_body:
            return await _json(send, 413, too_large)
        seen, started = 0, False

        async def bounded():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded, watched)
        except BodyTooLarge:
            if not started:
                await _json(send, 413, too_large)


async def _json(send, status: int, payload: dict, extra_headers=()):
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *extra_headers]})
    await send({"type": "http.response.body", "body": body})


def redact_keys(text: str) -> str:
    """A path or log line with any ODK key replaced by '…'."""
    return _ODK_KEY.sub(r"\1…", text)


class RedactKeys:
    """A logging filter for uvicorn's access log: the ODK key in an OpenRosa URL never reaches the log."""

    def filter(self, record) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_keys(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_keys(record.msg)
        return True
