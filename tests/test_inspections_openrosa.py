"""ODK Collect's route in: geopoints from real OpenRosa instances; our own form's instance submitted through the
OpenRosa endpoint lands as the same inspection (flags, idempotency) as the JSON API's."""
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import inspections_world as w
from conftest import DATA, account_for, session_token
from inspections import api, openrosa
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def test_geopoint_from_a_real_central_instance():
    xml = (DATA / "odk-xlsform" / "instance_multiEntityFarm_one.xml").read_bytes()
    form_id, values = openrosa.read_instance(xml)
    assert form_id == "multiEntityFarm" and values["instanceID"] == "uuid:fccb4433-27cc-487c-9d4c-98786a20c5b6"
    assert openrosa.parse_geopoint(values["location"]) == {"lat": 36.999194, "lon": -121.333626, "altitude_m": 0.0,
                                                           "accuracy_m": 0.0}
    with pytest.raises(openrosa.BadInstance):  # not one of our forms
        openrosa.to_submission(xml)
    assert openrosa.parse_geopoint("39.306938 -76.60869 11 22")["accuracy_m"] == 22.0
    with pytest.raises(openrosa.BadInstance):
        openrosa.parse_geopoint("north east")
    with pytest.raises(openrosa.BadInstance):
        openrosa.read_instance(b"<data><unclosed></data>")


INSTANCE = """<?xml version="1.0"?>
<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="household_visit" version="2026112301">
  <start>2026-11-23T10:00:00.000+08:00</start><end>2026-11-23T10:20:00.000+08:00</end>
  <target_id>H1</target_id><members>4</members><food_clothing>yes</food_clothing><education>yes</education>
  <medical>yes</medical><housing>yes</housing><drinking_water>no</drinking_water><income_per_capita/>
  <new_risks>water illness</new_risks><result>fail</result><notes/>
  <location>24.05 101.95 1520 6.5</location><photo>1700000000000.jpg</photo>
  <meta><instanceID>uuid:2f0c3b7e-8d4a-4c55-9a1e-0c6f1f5e7a11</instanceID></meta>
</data>"""


def test_collect_submission_through_openrosa(world, conn):
    insp = account_for(*w.ACCOUNTS["insp"], login="insp")
    token = session_token(insp, "odk")   # an account's ODK Collect key (the OpenRosa routes only)
    bearer = {"Authorization": f"Bearer {session_token(insp, 'api')}"}   # the same account on the JSON API
    client = TestClient(Starlette(routes=api.routes()))
    base = f"/api/v1/openrosa/key/{token}"
    listing = client.get(f"{base}/formList")
    assert listing.status_code == 200 and listing.headers["x-openrosa-version"] == "1.0"
    assert listing.text.count("<xform>") == 7 and f"{base}/forms/household_visit.xml" in listing.text
    assert "<h:html" in client.get(f"{base}/forms/household_visit.xml").text
    assert client.head(f"{base}/submission").status_code == 204
    photo = w.jpeg(seed=21, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    files = {"xml_submission_file": ("submission.xml", INSTANCE.encode(), "text/xml"),
             "1700000000000.jpg": ("1700000000000.jpg", photo, "image/jpeg")}
    r = client.post(f"{base}/submission", files=files)
    assert r.status_code == 201, r.text
    assert "已保存" in r.text and "<OpenRosaResponse" in r.text
    rec = client.get("/api/v1/inspections/2f0c3b7e-8d4a-4c55-9a1e-0c6f1f5e7a11",
                     headers=bearer).json()
    assert (rec["result"], rec["lat"], rec["lon"], rec["accuracy_m"]) == ("fail", 24.05, 101.95, 6.5)
    assert rec["answers"]["new_risks"] == ["water", "illness"] and rec["answers"]["members"] == 4
    assert len(rec["photos"]) == 1 and rec["flags"] == []
    assert client.post(f"{base}/submission", files=files).status_code == 200   # Collect retried: same record
    assert w.counts(conn)["inspections"] == 1
    bad = INSTANCE.replace("<members>4</members>", "<members>99</members>").replace("2f0c3b7e", "3f0c3b7e")
    r = client.post(f"{base}/submission", files={"xml_submission_file": ("s.xml", bad.encode(), "text/xml")})
    assert r.status_code == 400 and "answers.members" in r.text and w.counts(conn)["inspections"] == 1
    assert client.get("/api/v1/openrosa/key/dx_nope/formList").status_code == 401
