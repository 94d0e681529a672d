"""Every bad input to the field API: 4xx naming the field, and nothing stored (no row, no photo file), checked
after each case on one shared database, which therefore stays empty throughout."""
import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import inspections_world as w
from conftest import account_for, session_token
from geo import db
from inspections import api, photos


@pytest.fixture(scope="module")
def shared(module_db_url, tmp_path_factory):
    """One county for every case here: the cases store nothing, so they can share it."""
    photo_dir = tmp_path_factory.mktemp("photos")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(photos, "settings", photos.settings.model_copy(update={"photo_dir": photo_dir}))
        conn = db.connect(module_db_url)
        w.load(conn)
        w.people(conn)
        token = session_token(account_for(*w.ACCOUNTS["insp"], login="insp", url=module_db_url), "api",
                              module_db_url)
        yield conn, TestClient(Starlette(routes=api.routes())), token, photo_dir
        conn.close()


def post(client, token, sub, photos=(), raw=None):
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    return client.post("/api/v1/inspections", headers={"Authorization": f"Bearer {token}"},
                       data={"submission": raw if raw is not None else json.dumps(sub)}, files=files or None)


BAD = [
    ("malformed JSON", None, "{not json", 400, "submission"),
    ("missing id", {"id": None}, None, 422, "id"),
    ("unknown kind", {"kind": "picnic"}, None, 422, "kind"),
    ("no target", {"target_id": ""}, None, 422, "target_id"),
    ("unknown target", {"target_id": "H999"}, None, 422, "target_id"),
    ("target outside scope", {"target_id": "H3"}, None, 403, "target_id"),
    ("no zone on time", {"started_at": "2026-11-23T10:00:00"}, None, 422, "started_at"),
    ("end before start", {"submitted_at": "2026-11-23T09:00:00+08:00"}, None, 422, "submitted_at"),
    ("latitude out of range", {"location": {"lon": 101.95, "lat": 95.0, "accuracy_m": 5}}, None, 422, "location.lat"),
    ("longitude not a number", {"location": {"lon": "east", "lat": 24.0}}, None, 422, "location.lon"),
    ("no location", {"location": None}, None, 422, "location"),
    ("answer missing", {"answers": {"members": 4}}, None, 422, "answers.food_clothing"),
    ("answer out of constraint", {"answers": {**w.household_answers(), "members": 99}}, None, 422, "answers.members"),
    ("answer of wrong type", {"answers": {**w.household_answers(), "medical": "maybe"}}, None, 422, "answers.medical"),
    ("unknown question", {"answers": {**w.household_answers(), "colour": "red"}}, None, 422, "answers.colour"),
]


@pytest.mark.parametrize("case,change,raw,status,field", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_field_and_stores_nothing(shared, case, change, raw, status, field):
    conn, client, token, photo_dir = shared
    sub = {**w.submission("H1", w.H1), **(change or {})}
    photo = w.jpeg(seed=3, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    r = post(client, token, sub, [("ok.jpg", photo)], raw=raw)
    assert r.status_code == status, r.text
    assert field in [p["field"] for p in r.json()["problems"]], r.json()
    assert set(w.counts(conn).values()) == {0}
    assert [p for p in photo_dir.rglob("*") if p.is_file()] == []
