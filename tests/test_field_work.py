"""The offline field app's download (GET /api/v1/work) and token renewal (POST /api/v1/auth/renew), against a real
PostGIS: only the inspector's scope, positions and prefilled answers as the server's own forms compute them, the
forms the server validates with, outlines for the map; a renewed token works and its predecessor soon stops."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import inspections_world as w
from accounts import api as accounts_api
from accounts import sessions
from conftest import account_for, session_token
from inspections import api, fieldwork, forms
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


@pytest.fixture
def client(world, conn):
    tokens = {k: session_token(account_for(role, scope, login=k), "api") for k, (role, scope) in w.ACCOUNTS.items()}
    c = TestClient(Starlette(routes=[*api.routes(), *accounts_api.routes]))
    c.tokens = tokens
    return c


def work(client, who="insp", **headers):
    r = client.get("/api/v1/work", headers={"Authorization": f"Bearer {client.tokens[who]}", **headers})
    assert r.status_code == 200, r.text
    return r.json()


def test_work_holds_my_scope_with_positions_prefill_forms_and_outlines(client):
    body = work(client)
    assert body["inspector"]["scope_code"] == w.V1
    assert body["role_labels"]["village_monitor"] == ["村信息监测员/巡查员", "Village monitor / inspector"]
    by_id = {(t["target_kind"], t["target_id"]): t for t in body["targets"]}
    # V1's targets, and only V1's: H3 lies in the other township
    assert set(by_id) == {("household", "H1"), ("household", "H2"), ("house", "HS1"), ("water_source", "W1"),
                          ("asset", "A1"), ("relocation_site", "S1"), ("road", "R1")}
    assert body["targets_total"] == 7
    h1 = by_id[("household", "H1")]
    assert (h1["lon"], h1["lat"]) == pytest.approx(w.H1) and h1["village_code"] == w.V1
    # prefilled answers per form of the target's kind, as forms.prefill computes them from the record
    assert h1["prefill"] == {"household_visit": {"members": 4}}
    assert by_id[("house", "HS1")]["prefill"] == {"house_safety": {"grade": "D", "idle": "yes", "occupied": "no"}}
    assert by_id[("relocation_site", "S1")]["prefill"]["relocation_site"] == {
        "relocated_households": 40, "facilities_working": ["school", "clinic"]}
    assert by_id[("water_source", "W1")]["prefill"] == {"protection_zone_patrol": {},
                                                      "water_works_patrol": {"status": "working"}}
    assert by_id[("road", "R1")]["prefill"]["road_condition"] == {"surface": "gravel", "passable": "no"}
    # the road has no village code: it is the one whose polygon it touches, as a submission would be judged
    assert by_id[("road", "R1")]["village_code"] == w.V1
    # due checks point at targets of the bundle; H1 is monitored and last visited 2026-10-01
    tasks = {(t["kind"], t["target_id"]): t for t in body["tasks"]}
    assert ("household_visit", "H1") in tasks and tasks[("household_visit", "H1")]["last_on"] == "2026-10-01"
    assert all((t["target_kind"], t["target_id"]) in by_id for t in body["tasks"])
    # the seven forms, the same rows the server checks answers against
    assert sorted(body["forms"]) == forms.kinds() and len(body["forms"]) == 7
    assert body["forms"]["household_visit"] == json.loads(json.dumps(forms.load("household_visit").rows))
    assert body["settings"]["gps_max_accuracy_m"] == 50 and body["settings"]["target_radius_m"]["household"] == 100
    # outlines: my village polygon, the road set, my natural village; nothing of the other township
    feats = body["outlines"]["features"]
    layers = {(f["properties"]["layer"], f["properties"]["id"]) for f in feats}
    assert ("village", w.V1) in layers and ("natural_village", "NV1") in layers and ("road", "gravel") in layers
    assert ("village", w.V2) not in layers and ("natural_village", "NV2") not in layers
    village = next(f for f in feats if f["properties"]["id"] == w.V1)
    assert village["geometry"]["type"] in ("Polygon", "MultiPolygon") and village["properties"]["name"] == "一村"


def test_work_of_a_township_officer_and_of_another_township(client):
    mine = {t["target_id"] for t in work(client, "township")["targets"]}
    assert {"H1", "H2", "HS1", "W1"} <= mine and "H3" not in mine
    other = work(client, "other")
    assert {t["target_id"] for t in other["targets"]} == {"H3"}
    assert all(t["target_id"] == "H3" for t in other["tasks"])


def test_work_needs_a_token(client):
    assert client.get("/api/v1/work").status_code == 401
    assert client.get("/api/v1/work", headers={"Authorization": "Bearer dxa_nonsense"}).status_code == 401
    r = client.get("/api/v1/work", headers={"Authorization": f"Bearer {client.tokens['insp']}"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


def test_work_caps_targets_due_ones_first(client, monkeypatch):
    monkeypatch.setattr(fieldwork, "settings", fieldwork.settings.model_copy(update={"field_max_targets": 2}))
    body = work(client)
    assert body["targets_total"] == 7 and len(body["targets"]) == 2
    due = {(t["target_kind"], t["target_id"]) for t in body["tasks"]}
    assert len(due) >= 2 and {(t["target_kind"], t["target_id"]) for t in body["targets"]} <= due


def test_prefill_columns_come_from_the_forms():
    cols = fieldwork.prefill_columns()
    assert cols["household"] == ["members"] and cols["house"] == ["grade", "idle", "occupied"]
    assert cols["road"] == ["all_season", "surface"] and cols["water_source"] == ["status"]


def test_renewed_token_works_and_the_old_one_stops_after_the_grace(client, conn):
    old = client.tokens["insp"]
    r = client.post("/api/v1/auth/renew", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 200, r.text
    new = r.json()["token"]
    assert new != old and new.startswith("dxa_") and r.json()["user"]["login"] == "insp"
    assert r.json()["expires_in_s"] == 30 * 86400
    me = lambda tok: client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok}"}).status_code  # noqa
    assert me(new) == 200 and me(old) == 200          # within the grace the old one still works
    with conn.cursor() as cur:
        cur.execute("SELECT token_sha256, expires_at FROM user_sessions WHERE token_sha256 IN (%s, %s)",
                    (sessions.hash_token(old), sessions.hash_token(new)))
        exp = dict(cur.fetchall())
        now = datetime.now(timezone.utc)
        assert exp[sessions.hash_token(old)] < now + timedelta(minutes=61)
        assert exp[sessions.hash_token(new)] > now + timedelta(days=29)
        # after the grace: the old one is refused, the new one lives on
        assert sessions.user_for_token(cur, old, now=now + timedelta(minutes=61)) is None
        assert sessions.user_for_token(cur, new, now=now + timedelta(minutes=61)) is not None
    conn.rollback()
    assert client.post("/api/v1/auth/renew").status_code == 401
    assert client.post("/api/v1/auth/renew", headers={"Authorization": "Bearer dxa_nonsense"}).status_code == 401
    # a revoked token cannot be renewed
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {new}"})
    assert client.post("/api/v1/auth/renew", headers={"Authorization": f"Bearer {new}"}).status_code == 401
