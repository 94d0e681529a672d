"""The field API: tokens, submission (201, then 200 for the same UUID, also when two arrive at once), reading,
review, tasks near a point, the OpenAPI document; every bad input answered 4xx naming the field, nothing stored."""
import json
import threading

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import inspections_world as w
from accounts import sessions
from conftest import DATA, account_for, session_token
from inspections import api
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)

NOKIA = (DATA / "exif-photos" / "HMD_Nokia_8.3_5G.jpg").read_bytes()


@pytest.fixture
def client(world, conn):
    """The API as the world's people signed in as accounts (real users, real bearer tokens)."""
    tokens = {k: session_token(account_for(role, scope, login=k), "api") for k, (role, scope) in w.ACCOUNTS.items()}
    c = TestClient(Starlette(routes=api.routes()))
    c.tokens = tokens
    return c


def hdr(client, who="insp"):
    return {"Authorization": f"Bearer {client.tokens[who]}"}


def post(client, sub, photos=(), who="insp", raw=None):
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    return client.post("/api/v1/inspections", headers=hdr(client, who),
                       data={"submission": raw if raw is not None else json.dumps(sub)}, files=files or None)


def photo_files(photo_dir):
    return sorted(p for p in photo_dir.rglob("*") if p.is_file()) if photo_dir.exists() else []


def test_token_is_required_and_stored_hashed(client, conn):
    sub = w.submission("H1", w.H1)
    r = client.post("/api/v1/inspections", data={"submission": json.dumps(sub)})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.post("/api/v1/inspections", data={"submission": json.dumps(sub)},
                    headers={"Authorization": "Bearer dx_wrong"})
    assert r.status_code == 401
    with conn.cursor() as cur:
        cur.execute("SELECT token_sha256 FROM user_sessions")
        hashes = {r[0] for r in cur.fetchall()}
        assert client.tokens["insp"] not in hashes and sessions.hash_token(client.tokens["insp"]) in hashes
        assert sessions.revoke(cur, client.tokens["insp"])
    conn.commit()
    assert post(client, sub).status_code == 401
    assert w.counts(conn)["inspections"] == 0


def test_submit_then_retry_gives_the_same_record(client, conn, photo_dir):
    sub = w.submission("H1", w.H1)
    photo = w.jpeg(seed=1, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    r1 = post(client, sub, [("IMG_1.jpg", photo), ("IMG_2.jpg", NOKIA)])
    assert r1.status_code == 201, r1.text
    body = r1.json()
    assert body["id"] == sub["id"] and body["created"] is True and body["result"] == "pass"
    assert {f["code"] for f in body["flags"]} == {"photo_far_from_target", "photo_time_outside_visit"}
    r2 = post(client, sub, [("IMG_1.jpg", photo), ("IMG_2.jpg", NOKIA)])
    assert r2.status_code == 200 and r2.json()["id"] == sub["id"] and r2.json()["created"] is False
    assert r2.json()["flags"] == body["flags"]
    assert w.counts(conn)["inspections"] == 1 and w.counts(conn)["inspection_photos"] == 2
    assert w.counts(conn)["review_log"] == 1
    # photos stored content-addressed, never under the uploaded names
    import hashlib
    files = photo_files(photo_dir)
    assert {f"{p.parent.name}{p.name}" for p in files} == {hashlib.sha256(photo).hexdigest(),
                                                            hashlib.sha256(NOKIA).hexdigest()}
    got = client.get(f"/api/v1/inspections/{sub['id']}", headers=hdr(client, "township"))
    assert got.status_code == 200
    rec = got.json()
    assert rec["target_id"] == "H1" and rec["review_state"] == "submitted" and len(rec["photos"]) == 2
    assert rec["history"][0]["to"] == "submitted" and rec["answers"]["members"] == 4
    assert client.get(f"/api/v1/inspections/{sub['id']}", headers=hdr(client, "other")).status_code == 403
    assert client.get("/api/v1/inspections/not-a-uuid", headers=hdr(client)).status_code == 404
    # another inspector reusing the UUID is refused, not merged
    assert post(client, sub, who="insp2").status_code == 409


def test_concurrent_posts_of_one_uuid_make_one_record(client, conn):
    sub = w.submission("H1", w.H1)
    photo = w.jpeg(seed=2, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    barrier = threading.Barrier(4)
    results = []

    def go():
        barrier.wait()
        results.append(post(client, sub, [("a.jpg", photo)]))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 200, 201], [r.text for r in results]
    assert {r.json()["id"] for r in results} == {sub["id"]}
    c = w.counts(conn)
    assert c["inspections"] == 1 and c["inspection_photos"] == 1 and c["review_log"] == 1


def test_concurrent_submits_at_the_database(world, db_url):
    """Two connections racing on one UUID below the API: the unique key and ON CONFLICT keep one row."""
    from geo import db
    from inspections import records
    sub = w.submission("H2", w.H2)
    barrier = threading.Barrier(2)
    out = []

    def go():
        conn = db.connect(db_url)
        barrier.wait()
        out.append(records.submit(conn, world["insp"], sub, []))
        conn.close()

    ts = [threading.Thread(target=go) for _ in range(2)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert sorted(r.created for r in out) == [False, True] and {r.id for r in out} == {sub["id"]}


def test_photo_that_is_not_an_image_stores_nothing(client, conn, photo_dir):
    good = w.jpeg(seed=4, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    r = post(client, w.submission("H1", w.H1), [("ok.jpg", good), ("virus.jpg", b"MZ\x90\x00not a picture")])
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "photos[1] (virus.jpg)"
    assert set(w.counts(conn).values()) == {0} and photo_files(photo_dir) == []


def test_oversize_upload_is_413_and_stores_nothing(client, conn, photo_dir, monkeypatch):
    monkeypatch.setattr(api, "settings", api.settings.model_copy(update={"upload_max_bytes": 1_000_000}))
    r = post(client, w.submission("H1", w.H1), [("big.jpg", NOKIA)])  # 2.2 MB
    assert r.status_code == 413 and r.json()["problems"][0]["field"] == "body"
    assert set(w.counts(conn).values()) == {0} and photo_files(photo_dir) == []
    # without a Content-Length the stream is counted as it arrives
    def chunks():
        yield b"x" * 600_000
        yield b"x" * 600_000
    r = client.post("/api/v1/inspections", headers={**hdr(client), "Content-Type": "application/json"},
                    content=chunks())
    assert r.status_code == 413


def test_json_body_without_photos(client, conn):
    sub = w.submission("H2", w.H2)
    r = client.post("/api/v1/inspections", headers=hdr(client), json=sub)
    assert r.status_code == 201 and {f["code"] for f in r.json()["flags"]} == {"no_photo"}
    assert client.post("/api/v1/inspections", headers={**hdr(client), "Content-Type": "text/plain"},
                       content=b"hi").status_code == 415


def test_review_through_the_api(client):
    sub = w.submission("H1", w.H1, answers=w.household_answers(ok=False))
    assert post(client, sub).json()["result"] == "fail"
    url = f"/api/v1/inspections/{sub['id']}/transitions"
    assert client.post(url, headers=hdr(client), json={"to": "village_verified"}).status_code == 409  # own check
    assert client.post(url, headers=hdr(client, "township"), json={"to": "township_reviewed"}).status_code == 409
    r = client.post(url, headers=hdr(client, "village"), json={"to": "village_verified"})
    assert r.status_code == 200 and r.json()["review_state"] == "village_verified"
    r = client.post(url, headers=hdr(client, "township"), json={"to": "returned"})
    assert r.status_code == 422  # a return needs its reason
    assert client.post(url, headers=hdr(client, "other"), json={"to": "township_reviewed"}).status_code == 403


def test_tasks_near_a_point(client):
    r = client.get("/api/v1/tasks", params={"near": f"{w.W1[0]},{w.W1[1]}"}, headers=hdr(client))
    assert r.status_code == 200
    tasks = r.json()
    assert tasks[0]["target_id"] == "W1" and tasks[0]["distance_m"] == 0
    assert [t["distance_m"] for t in tasks] == sorted(t["distance_m"] for t in tasks)
    assert "H3" not in {t["target_id"] for t in tasks}  # another township's household
    assert client.get("/api/v1/tasks", params={"near": "east,north"}, headers=hdr(client)).status_code == 422


def test_openapi_and_forms(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/v1/inspections" in doc["paths"]
    assert set(doc["paths"]["/api/v1/inspections"]["post"]["responses"]) >= {"200", "201", "413", "422"}
    xml = client.get("/api/v1/forms/water_works_patrol", params={"format": "xform"})
    assert xml.status_code == 200 and "<h:html" in xml.text and 'type="geopoint"' in xml.text


def test_server_app_serves_the_api():
    import server
    paths = {getattr(r, "path", None) for r in api.routes()}
    assert "/api/v1/inspections" in paths and "/api/v1/openapi.json" in paths
    assert server.app is not None
