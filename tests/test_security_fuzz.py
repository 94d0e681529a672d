"""Fuzzing within a bounded budget (part of `make test`): the field API driven from its own OpenAPI document by
schemathesis, and the import's validation on generated rows by hypothesis. Whatever comes in: no 5xx, no traceback,
and nothing stored from a refused request (no inspection row, no photo file; the import's tables unchanged). The two
crashes a first try found (a NUL character in target_id, an answer nested 5,000 arrays deep) are 4xx naming the
field."""
from __future__ import annotations

import csv
import json
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as budget
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

import inspections_world as w
from accounts import api as accounts_api
from conftest import account_for, session_token
from geo import db, importer
from inspections import api as inspections_api
from inspections import photos

from test_import import checksum

APP = Starlette(routes=[*accounts_api.routes, *inspections_api.routes()],
                middleware=[Middleware(accounts_api.ApiLimits, per_minute=1_000_000)])
# Signing out would end the fuzzing's own token; every other operation of the document is fuzzed.
SCHEMA = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP).exclude(path="/api/v1/auth/logout")
FUZZ = budget(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def county(module_db_url, tmp_path_factory):
    """The inspections' tiny county, an inspector's bearer token, and the photo store, shared by every case: the
    cases store only what the API accepts, which the check below accounts for."""
    photo_dir = tmp_path_factory.mktemp("photos")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(photos, "settings", photos.settings.model_copy(update={"photo_dir": photo_dir}))
        conn = db.connect(module_db_url)
        w.load(conn)
        w.people(conn)
        token = session_token(account_for(*w.ACCOUNTS["insp"], login="insp", url=module_db_url), "api",
                              module_db_url)
        yield conn, token, photo_dir
        conn.close()


def stored(conn, photo_dir) -> tuple:
    return tuple(w.counts(conn).values()), sorted(str(p) for p in photo_dir.rglob("*") if p.is_file())


def no_traceback(ctx, response, case):
    """A refusal says what is wrong; it never shows the server's insides."""
    assert "Traceback" not in response.text and 'File "/' not in response.text, response.text[:500]


@SCHEMA.parametrize()
@FUZZ
def test_the_field_api_from_its_openapi_document(case, county):
    conn, token, photo_dir = county
    before = stored(conn, photo_dir)
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error, no_traceback])
    if response.status_code >= 300:
        assert stored(conn, photo_dir) == before, (case.method, case.path, response.status_code)


def post_json(client, token, text: str):
    return client.post("/api/v1/inspections", content=text.encode(),
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def test_the_two_known_crashes_are_refusals_naming_the_field(county):
    conn, token, photo_dir = county
    client = TestClient(APP)
    before = stored(conn, photo_dir)
    r = post_json(client, token, json.dumps(w.submission("H1\x00; DROP TABLE inspections", w.H1)))
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == [{"field": "target_id", "message": "contains a NUL character"}]
    sub = json.dumps({**w.submission("H1", w.H1), "answers": {**w.household_answers(), "notes": "X"}})
    deep = sub.replace('"X"', "[" * 5000 + "]" * 5000)
    r = post_json(client, token, deep)
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == [{"field": "answers.notes", "message": "nested deeper than 16 levels"}]
    # the same as a multipart submission (what the field app sends), and a depth the parser still takes
    r = client.post("/api/v1/inspections", headers={"Authorization": f"Bearer {token}"}, data={"submission": deep})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "answers.notes"
    r = post_json(client, token, sub.replace('"X"', "[" * 40 + "]" * 40))
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "answers.notes"
    r = post_json(client, token, json.dumps({**w.submission("H1", w.H1), "answers": {"no\x00tes": "x"}}))
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "answers.no\x00tes"
    assert stored(conn, photo_dir) == before
    ok = post_json(client, token, json.dumps(w.submission("H1", w.H1)))   # and a good one still goes in
    assert ok.status_code == 201, ok.text


# --- the import's validation on generated rows ---------------------------------------------------------------------

# Text of any character, biased towards the ones that break writers and readers (NUL, line ends, quotes, triggers).
TEXT = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from("\x00\r\n\t\"',;=+-@\\")), max_size=12)
NAME = TEXT.map("名{}".format)   # never blank: names are free text, whatever they hold
NV_COLUMNS = ["id", "name", "households", "village_code", "lon", "lat", "note"]
HH_COLUMNS = ["id", "natural_village_id", "members", "category", "risk_types", "lon", "lat", "head_name"]
# Rows right in every checked field, with generated text in the free ones (names, an extra column), so that most
# examples reach the writer ...
FREE = st.lists(st.tuples(NAME, TEXT, NAME, st.floats(101.0, 102.5), st.floats(23.5, 24.5)), min_size=1,
                max_size=5)
# ... and, in some, one field of one row replaced by anything.
DAMAGE = st.one_of(st.none(), st.tuples(st.sampled_from(["natural_villages", "households"]), st.integers(0, 4),
                                        st.sampled_from(HH_COLUMNS + NV_COLUMNS), TEXT))


def rows(free, damage) -> tuple[list[dict], list[dict]]:
    nvs = [{"id": f"NV{i}", "name": name, "households": 30 + i, "village_code": "530427205201", "lon": lon,
            "lat": lat, "note": note} for i, (name, note, _, lon, lat) in enumerate(free)]
    hhs = [{"id": f"H{i}", "natural_village_id": f"NV{i}", "members": 3, "category": "脱贫户", "risk_types": "因病;因学",
            "lon": lon + 0.001, "lat": lat, "head_name": head} for i, (_, _, head, lon, lat) in enumerate(free)]
    if damage is not None:
        layer, i, column, value = damage
        target = nvs if layer == "natural_villages" else hhs
        if i < len(target) and column in target[i]:
            target[i][column] = value
    return nvs, hhs


def write_csv(path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, columns)
        out.writeheader()
        out.writerows(rows)


@budget(max_examples=30, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck))
@given(free=FREE, damage=DAMAGE)
def test_the_import_on_generated_rows_imports_or_refuses_with_lines(module_db_url, tmp_path_factory, free, damage):
    nvs, hhs = rows(free, damage)
    folder = tmp_path_factory.mktemp("rows")
    write_csv(folder / "natural_villages.csv", nvs, NV_COLUMNS)
    write_csv(folder / "households.csv", hhs, HH_COLUMNS)
    before = checksum(module_db_url)
    try:
        report = importer.run_import(folder, replace=True, url=module_db_url)
    except importer.ImportProblems as refused:
        assert refused.lines, "a refusal names its problems"
        assert all(":" in line and "Traceback" not in line for line in refused.lines)
        assert checksum(module_db_url) == before
    else:
        assert report.rows == {"natural_villages": len(nvs), "households": len(hhs)}
