"""The field API's side of accounts: token login, bearer authentication, scoped reads through an endpoint, and the
request-rate and body-size limits."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from accounts import api, masking, scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import PASSWORD, load_county, make_users


async def households(request):
    """An endpoint written the way the field API's are: no filter of its own."""
    user = await api.authenticated(request)

    def read():
        with scoped.scoped_transaction(user) as c, c.cursor() as cur:
            cur.execute("SELECT id, phone FROM households_v ORDER BY id")
            return [dict(zip(("id", "phone"), r)) for r in cur.fetchall()]
    rows = await run_in_threadpool(read)
    return JSONResponse([masking.mask_record(r, user.role) for r in rows])


async def upload(request):
    return JSONResponse({"bytes": len(await request.body())})


@pytest.fixture
def client(db_url, conn):
    load_county(conn)
    make_users(conn)
    app = Starlette(routes=[*api.routes, Route("/api/v1/households", households),
                            Route("/api/v1/upload", upload, methods=["POST"])],
                    middleware=[Middleware(api.ApiLimits, per_minute=8, max_body=1000)])
    return TestClient(app)


def _token(client, login, password=PASSWORD):
    r = client.post("/api/v1/auth/token", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


def test_monitor_reads_only_their_village_through_the_api(client):
    mon = _token(client, "mon_a1")
    assert client.get("/api/v1/auth/me", headers=mon).json()["scope_code"] == "530427100201"
    got = client.get("/api/v1/households", headers=mon).json()
    assert got == [{"id": "h1", "phone": "13812345678"}, {"id": "h2", "phone": "13987654321"}]
    water = client.get("/api/v1/households", headers=_token(client, "water_a")).json()
    assert [r["phone"] for r in water] == ["138****5678", "139****4321", "137****2222"]
    assert client.get("/api/v1/households").status_code == 401
    assert client.get("/api/v1/households", headers={"Authorization": "Bearer dxa_forged"}).status_code == 401
    assert client.post("/api/v1/auth/logout", headers=mon).status_code == 200
    assert client.get("/api/v1/households", headers=mon).status_code == 401


def test_wrong_passwords_over_the_api_are_slowed(client):
    codes = [client.post("/api/v1/auth/token", json={"login": "mon_b1", "password": "not it at all"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = client.post("/api/v1/auth/token", json={"login": "mon_b1", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_request_rate_and_body_size_limits(client):
    mon = _token(client, "mon_a1")  # one request of the address's 8
    assert client.post("/api/v1/upload", content=b"x" * 1000, headers=mon).json() == {"bytes": 1000}
    assert client.post("/api/v1/upload", content=b"x" * 1001, headers=mon).status_code == 413

    def chunks():  # streamed, no Content-Length
        for _ in range(5):
            yield b"y" * 300
    assert client.post("/api/v1/upload", content=chunks(), headers=mon).status_code == 413
    statuses = [client.get("/api/v1/auth/me", headers=mon).status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]  # 3 uploads + 5 = 8 in the minute for this token


def test_browser_session_cookie_only_for_a_live_web_session_from_this_site(client, conn):
    """POST /api/v1/auth/session puts a live web session in an HttpOnly, SameSite=Strict cookie (a reload then stays
    signed in); an API token, a revoked or made-up session, or a request from another site get no cookie; DELETE
    drops it."""
    from accounts import sessions, users
    with conn.cursor() as cur:
        planner = users.find_user(cur, "planner")
        web = sessions.create(cur, planner, sessions.WEB)
        field = sessions.create(cur, planner, sessions.API)
        dead = sessions.create(cur, planner, sessions.WEB)
        sessions.revoke(cur, dead)
    conn.commit()
    r = client.post("/api/v1/auth/session", json={"token": web})
    assert r.status_code == 204
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}={web};") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Max-Age=43200" in cookie and "Path=/" in cookie
    for token in (field, dead, "dxs_made_up"):
        r = client.post("/api/v1/auth/session", json={"token": token})
        assert r.status_code == 401 and "set-cookie" not in r.headers
    assert client.post("/api/v1/auth/session", json={}).status_code == 400
    r = client.post("/api/v1/auth/session", json={"token": web}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "set-cookie" not in r.headers
    r = client.post("/api/v1/auth/session", json={"token": web}, headers={"Origin": "http://testserver"})
    assert r.status_code == 204
    r = client.delete("/api/v1/auth/session")
    assert r.status_code == 204 and f'{sessions.COOKIE}="";' in r.headers["set-cookie"]
