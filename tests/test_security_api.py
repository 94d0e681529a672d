"""The field API and accounts attacked from outside: a flood of made-up tokens, a body sent before any token, a
stranger's password guesses, a must-change account asking for a token, an ODK key used elsewhere, an export fetched
without a session, cookies over HTTPS; each attack fails and the real user is unaffected."""
from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from accounts import api as accounts_api
from accounts import downloads, sessions, users
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import PASSWORD, VIL_A1, load_county, make_users
from conftest import session_token
from geo import db
from inspections import api as inspections_api

STRANGER, USER_ADDRESS = "203.0.113.9", "198.51.100.7"
NEW_PASSWORD = "a brand new password 7"


def app(per_minute: int = 1000):
    return Starlette(routes=[*accounts_api.routes, *downloads.routes, *inspections_api.routes()],
                     middleware=[Middleware(accounts_api.ApiLimits, per_minute=per_minute, max_body=1_000_000)])


def client_at(application, address: str) -> TestClient:
    return TestClient(application, client=(address, 40000))


@pytest.fixture
def county(db_url, conn):
    load_county(conn)
    return make_users(conn)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_flood_of_made_up_tokens_gets_429_from_its_address_and_no_one_else(county):
    application = app(per_minute=10)
    stranger, user = client_at(application, STRANGER), client_at(application, USER_ADDRESS)
    # the user signed in from the stranger's own address (a shared office NAT) before the flood
    mine = stranger.post("/api/v1/auth/token", json={"login": "mon_a1", "password": PASSWORD}).json()["token"]
    flood = [stranger.get("/api/v1/tasks", headers=bearer("dxa_" + secrets.token_urlsafe(32))).status_code
             for _ in range(12)]
    assert flood == [401] * 9 + [429] * 3          # 1 sign-in + 9 guesses = the address's 10 in the minute
    r = stranger.get("/api/v1/tasks", headers=bearer("dxa_" + secrets.token_urlsafe(32)))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # another address is not slowed, and a verified token counts on its own, whatever its address
    assert user.get("/api/v1/tasks", headers=bearer("dxa_made-up")).status_code == 401
    assert stranger.get("/api/v1/tasks", headers=bearer(mine)).status_code == 200
    assert user.get("/api/v1/auth/me", headers=bearer(mine)).json()["login"] == "mon_a1"


def test_the_body_is_not_read_before_the_caller_is_authenticated(county):
    """An unauthenticated POST of a large submission is answered 401 without a byte of its body read."""
    application = Starlette(routes=inspections_api.routes(),
                            middleware=[Middleware(accounts_api.ApiLimits, max_body=50_000_000)])
    reads, sent = [], []

    async def receive():
        reads.append(1)
        return {"type": "http.request", "body": b"x" * 1_000_000, "more_body": True}

    async def send(message):
        sent.append(message)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/inspections", "raw_path": b"/api/v1/inspections", "query_string": b"",
             "root_path": "", "client": (STRANGER, 1), "server": ("testserver", 80),
             "headers": [(b"content-type", b"multipart/form-data; boundary=x"),
                         (b"authorization", b"Bearer dxa_made-up")]}
    asyncio.run(application(scope, receive, send))
    assert sent[0]["status"] == 401 and reads == []


def test_a_strangers_failed_logins_do_not_lock_the_user_out_from_another_address(county):
    t = datetime.now(timezone.utc)
    n = 0
    while True:   # the stranger guesses until locked out, each try as soon as the last wait is over
        c = db.connect()
        try:
            users.authenticate(c, "mon_a1", "a wrong guess!", STRANGER, now=t)
        except users.LoginFailed:
            n += 1
        except users.LoginThrottled as err:
            if err.locked:
                break
            t += timedelta(seconds=err.retry_after + 0.01)
        finally:
            c.close()
    from geo.settings import settings
    assert n == settings.login_lockout_failures
    c = db.connect()
    try:
        with pytest.raises(users.LoginThrottled) as err:   # locked out: not even the right password is tried
            users.authenticate(c, "mon_a1", PASSWORD, STRANGER, now=t)
        assert err.value.locked
        # the real user, from their own address, at the same moment: signed in at once
        assert users.authenticate(c, "mon_a1", PASSWORD, USER_ADDRESS, now=t).login == "mon_a1"
        with c.cursor() as cur:   # and their success does not wipe the stranger's record
            cur.execute("SELECT count(*) FROM login_failures WHERE login = 'mon_a1' AND client = %s", (STRANGER,))
            assert cur.fetchone()[0] == n
    finally:
        c.close()
    # over the API, with the real clock: the stranger is slowed, the user is not
    application = app()
    stranger, user = client_at(application, STRANGER), client_at(application, USER_ADDRESS)
    codes = [stranger.post("/api/v1/auth/token", json={"login": "mon_b1", "password": "not it at all"}).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert user.post("/api/v1/auth/token", json={"login": "mon_b1", "password": PASSWORD}).status_code == 200


def test_a_must_change_account_gets_no_token_but_a_route_to_change_it(county, conn):
    with conn.cursor() as cur:
        fresh = users.create_user(cur, "fresh", PASSWORD, "village_monitor", VIL_A1, must_change_password=True)
        old = sessions.create(cur, fresh, sessions.API)       # a token made behind the rule's back
        odk = sessions.create(cur, fresh, sessions.ODK)
    conn.commit()
    http = client_at(app(), USER_ADDRESS)
    r = http.post("/api/v1/auth/token", json={"login": "fresh", "password": PASSWORD})
    assert r.status_code == 403 and r.json()["change_password"] == "/api/v1/auth/password"
    assert "token" not in r.json()
    assert http.get("/api/v1/auth/me", headers=bearer(old)).status_code == 401
    assert http.get(f"/api/v1/openrosa/key/{odk}/formList").status_code == 401
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM user_sessions WHERE user_id = %s", (fresh.id,))
        assert cur.fetchone()[0] == 2                          # no token was issued by the refused sign-in
    conn.commit()
    weak = http.post("/api/v1/auth/password", json={"login": "fresh", "password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    wrong = http.post("/api/v1/auth/password", json={"login": "fresh", "password": "not the password",
                                                     "new_password": NEW_PASSWORD})
    assert wrong.status_code == 401
    r = http.post("/api/v1/auth/password", json={"login": "fresh", "password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 200
    assert http.get("/api/v1/auth/me", headers=bearer(r.json()["token"])).json()["login"] == "fresh"
    assert http.post("/api/v1/auth/token", json={"login": "fresh", "password": NEW_PASSWORD}).status_code == 200
    assert http.get("/api/v1/auth/me", headers=bearer(old)).status_code == 401   # older than the change: dead


def test_the_command_line_issues_no_token_while_the_password_must_change(county, conn):
    import subprocess
    import sys

    from conftest import ROOT
    with conn.cursor() as cur:
        users.create_user(cur, "fresh", PASSWORD, "village_monitor", VIL_A1, must_change_password=True)
    conn.commit()

    def issue(*args):
        return subprocess.run([sys.executable, "-m", "accounts", "issue-token", "--login", "fresh", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
    for args in ((), ("--odk",)):
        r = issue(*args)
        assert r.returncode == 2 and "must change the password first" in r.stderr and r.stdout == ""
    with conn.cursor() as cur:
        cur.execute("UPDATE users SET must_change_password = false WHERE login = 'fresh'")
    conn.commit()
    key = issue("--odk").stdout.strip()
    assert key.startswith("dxo_")
    http = client_at(app(), USER_ADDRESS)
    assert http.get(f"/api/v1/openrosa/key/{key}/formList").status_code == 200
    assert http.get("/api/v1/auth/me", headers=bearer(key)).status_code == 401


def test_an_odk_key_opens_only_the_openrosa_routes_and_expires_sooner(county, conn):
    http = client_at(app(), USER_ADDRESS)
    api_token = http.post("/api/v1/auth/token", json={"login": "mon_a1", "password": PASSWORD}).json()["token"]
    got = http.post("/api/v1/auth/odk-key", headers=bearer(api_token)).json()
    key = got["key"]
    assert got["server_url"] == f"http://testserver/api/v1/openrosa/key/{key}"
    assert http.get(f"/api/v1/openrosa/key/{key}/formList").status_code == 200
    for path in ("/api/v1/tasks", "/api/v1/work", "/api/v1/auth/me"):
        assert http.get(path, headers=bearer(key)).status_code == 401, path
    assert http.post("/api/v1/auth/renew", headers=bearer(key)).status_code == 401
    assert http.post("/api/v1/auth/odk-key", headers=bearer(key)).status_code == 401
    # and the other way round: a bearer token is not an ODK key
    assert http.get(f"/api/v1/openrosa/key/{api_token}/formList").status_code == 401
    with conn.cursor() as cur:
        cur.execute("SELECT kind, expires_at - created_at FROM user_sessions WHERE token_sha256 = ANY(%s)",
                    ([sessions.hash_token(key), sessions.hash_token(api_token)],))
        life = dict(cur.fetchall())
    conn.commit()
    assert life["odk"] == timedelta(days=7) and life["odk"] < life["api"]


def test_an_export_is_streamed_only_with_the_users_session_and_recorded(county, conn):
    u = county["planner"]
    data = b"id,name\r\nh1,'=HYPERLINK(1)\r\n"
    link = downloads.prepare(u, "ledger", data, "农户.csv", "text/csv", "households", 1)
    http = client_at(app(), USER_ADDRESS)

    def logged():
        with conn.cursor() as cur:
            cur.execute("SELECT user_login, layer, rows, format, file_name FROM export_log ORDER BY id")
            rows = cur.fetchall()
        conn.commit()
        return rows
    r = http.get(link)                                          # no session
    assert r.status_code == 401 and logged() == []
    r = http.get(link, headers=bearer(session_token(u, "api")))  # a bearer token is not the browser's session
    assert r.status_code == 401 and logged() == []
    other = session_token(county["town_a"], "web")
    r = http.get(link, headers={"Cookie": f"{sessions.COOKIE}={other}"})        # another user's session
    assert r.status_code == 404 and logged() == []
    mine = session_token(u, "web")
    r = http.get(link, headers={"Cookie": f"{sessions.COOKIE}={mine}"})
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-disposition"] == "attachment; filename*=UTF-8''%E5%86%9C%E6%88%B7.csv"
    assert logged() == [("planner", "households", 1, "csv", "农户.csv")]
    r = http.get(link, headers={"Cookie": f"{sessions.SECURE_COOKIE}={mine}"})
    assert r.status_code == 200 and len(logged()) == 2          # every fetch is recorded
    assert http.get(downloads.PREFIX + "made-up", headers={"Cookie": f"{sessions.COOKIE}={mine}"}).status_code == 404


def test_the_session_cookie_is_secure_and_host_prefixed_over_https(county, monkeypatch):
    web = session_token(county["planner"], "web")
    plain = client_at(app(), USER_ADDRESS)
    cookie = plain.post("/api/v1/auth/session", json={"token": web}).headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={web};") and "Secure" not in cookie
    tls = TestClient(app(), base_url="https://dixian.example.gov.cn", client=(USER_ADDRESS, 1))
    cookie = tls.post("/api/v1/auth/session", json={"token": web}).headers["set-cookie"]
    assert cookie.startswith(f"__Host-dixian_session={web};")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie
    # a proxy that terminates TLS without saying so: the setting makes it Secure anyway
    monkeypatch.setattr(accounts_api, "settings", accounts_api.settings.model_copy(update={"secure_cookies": True}))
    cookie = plain.post("/api/v1/auth/session", json={"token": web}).headers["set-cookie"]
    assert cookie.startswith(f"__Host-dixian_session={web};") and "Secure" in cookie


def test_serving_defaults_to_loopback_and_believes_no_forwarded_headers(monkeypatch):
    from geo import cmd_serve
    from geo.settings import Settings
    monkeypatch.delenv("DIXIAN_HOST", raising=False)
    monkeypatch.delenv("DIXIAN_TRUSTED_PROXIES", raising=False)
    defaults = Settings()
    assert defaults.host == "127.0.0.1" and defaults.trusted_proxies == "" and not defaults.secure_cookies
    monkeypatch.setattr(cmd_serve, "settings", defaults)
    assert cmd_serve.uvicorn_args("127.0.0.1", 8501)[-1] == "--no-proxy-headers"   # X-Forwarded-* from anyone: ignored
    monkeypatch.setattr(cmd_serve, "settings", defaults.model_copy(update={"trusted_proxies": "127.0.0.1"}))
    assert cmd_serve.uvicorn_args("127.0.0.1", 8501)[-3:] == ["--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
