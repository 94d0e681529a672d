"""Signals that propose cases: a household visit submitted through the field API raises them at once (new risks, an
income under the rule set's line), the water check's failures, occupied dangerous houses and a department's list
raise theirs set-based; raising again adds nothing; a signal is taken by a proposal, the household's others attached;
the village dismisses one with a reason."""
from __future__ import annotations

import json
import uuid

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from accounts import sessions
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from geo import db
from inspections import api as inspections_api
from monitoring import api, cases, machine, signals
from monitoring.machine import Refused
from monitoring_world import NATURAL_VILLAGES, photo_dir, world  # noqa: F401 (fixtures)

H1 = NATURAL_VILLAGES["NV1"][1:]   # H1 stands at its natural village's point


@pytest.fixture
def client(world):
    """The field API (inspections and monitoring) as the world's people, each with a real bearer token."""
    with world.owner.cursor() as cur:
        tokens = {login: sessions.create(cur, u, sessions.API) for login, u in world.people.items()}
    world.owner.commit()
    c = TestClient(Starlette(routes=[*api.routes(), *inspections_api.routes()]))
    c.bearer = lambda who: {"Authorization": f"Bearer {tokens[who]}"}
    return c


def visit(answers: dict, target: str = "H1", at=H1) -> dict:
    base = {"members": 4, "food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
            "drinking_water": "yes"}
    return {"id": str(uuid.uuid4()), "kind": "household_visit", "target_id": target,
            "started_at": "2026-11-23T10:00:00+08:00", "submitted_at": "2026-11-23T10:20:00+08:00",
            "location": {"lon": at[0], "lat": at[1], "accuracy_m": 6}, "answers": {**base, **answers}}


def signal_rows(w, household: str) -> list[tuple]:
    rows = db.query_rows(w.owner, "SELECT source, rule, risk_types, state, detail FROM mon_signals "
                                  "WHERE household_id = %s ORDER BY rule, id", (household,))
    w.owner.rollback()
    return rows


def test_a_visit_through_the_field_api_raises_its_signals(world, client):
    w = world
    sub = visit({"drinking_water": "no", "medical": "no", "new_risks": ["water", "labour"],
                 "income_per_capita": 4800})
    r = client.post("/api/v1/inspections", headers=client.bearer("vm1"), json=sub)
    assert r.status_code == 201, r.text
    rows = signal_rows(w, "H1")
    assert [(s, rule, risks, state) for s, rule, risks, state, _ in rows] == [
        ("visit", "income_below_line", [], "open"),
        ("visit", "visit_new_risk", ["labour_shortage", "water"], "open")]
    income = rows[0][4]
    assert (income["income_per_capita"], income["line"], income["inspection"]) == (4800, 6000, sub["id"])
    # the same submission again stores nothing and raises nothing; raising every source again adds nothing
    assert client.post("/api/v1/inspections", headers=client.bearer("vm1"), json=sub).status_code == 200
    assert signals.raise_signals(w.owner, ["visit"]) == {"visit": 0}
    assert len(signal_rows(w, "H1")) == 2
    # a visit that finds nothing wrong, or an income over the line, raises nothing
    ok = client.post("/api/v1/inspections", headers=client.bearer("vm1"),
                     json=visit({"income_per_capita": 6000}, target="H2"))
    assert ok.status_code == 201 and signal_rows(w, "H2") == []
    # the village sees them through the API; another village does not
    listed = client.get("/api/v1/monitoring/signals", headers=client.bearer("vm2")).json()["signals"]
    assert {s["rule"] for s in listed} == {"income_below_line", "visit_new_risk"}
    assert client.get("/api/v1/monitoring/signals", headers=client.bearer("vm_other")).json()["signals"] == []
    # proposed from the signals through the API: found by screening, their risks, both taken
    ids = [s["id"] for s in listed]
    r = client.post("/api/v1/monitoring/cases", headers=client.bearer("vm1"),
                    json={"household_id": "H1", "category": "marginal", "signal_ids": ids,
                          "reason": "走访发现饮水和劳动力问题", "income_per_capita": 4800})
    assert r.status_code == 201, r.text
    case = w.case(r.json()["case_id"])
    assert (case["state"], case["found_by"], case["risk_types"]) == \
        ("proposed", "screening", ["labour_shortage", "water"])
    assert {state for *_, state, _ in signal_rows(w, "H1")} == {"taken"}
    # a later visit of the household, while its case is open, attaches its signal to the case
    client.post("/api/v1/inspections", headers=client.bearer("vm2"),
                json=visit({"education": "no", "new_risks": ["education"]}))
    assert [(rule, risks, state) for _, rule, risks, state, _ in signal_rows(w, "H1")] == [
        ("income_below_line", [], "taken"), ("visit_new_risk", ["labour_shortage", "water"], "taken"),
        ("visit_new_risk", ["education"], "attached")]


def test_water_houses_and_departments_raise_signals_for_the_households_the_rule_set_names(world):
    w = world
    with w.owner.cursor() as cur:
        cur.execute("""INSERT INTO water_results (rule_set, rule_version, subject, subject_id, natural_village_id,
                           people, source_id, horizontal_m, vertical_m, round_trip_min, distance_basis, compliant,
                           failed_clauses)
                       VALUES ('longxian-2021', 1, 'household', 'H2', 'NV1', 3, 'W1', 950, 30, 26, 'straight', false,
                               '{horizontal,time}'),
                              ('longxian-2021', 1, 'household', 'H1', 'NV1', 4, 'W1', 950, 30, 26, 'straight', false,
                               '{horizontal,time}'),
                              ('national-2018', 1, 'household', 'H3', 'NV1', 2, 'W1', 950, 30, 26, 'straight', false,
                               '{time}')""")
        cur.execute("""INSERT INTO houses (id, household_id, grade, renovation_state, occupied, geom, geom_m)
                       SELECT 'HS' || id, id, g, 'under_way', o, geom, geom_m FROM households h
                       JOIN (VALUES ('H2', 'D', true), ('H4', 'C', true), ('H3', 'D', false)) v(hid, g, o)
                         ON v.hid = h.id""")
    w.owner.commit()
    made = signals.raise_signals(w.owner)
    # water: H2 is an exited household (H1 is general; H3 failed under another rule set); houses: H2's D house and
    # H4's C house (H4 has an open case: attached), not H3's empty one
    assert made == {"visit": 0, "water_check": 1, "house": 2, "department_alert": 0}
    assert [(s, r, risks, st) for s, r, risks, st, _ in signal_rows(w, "H2")] == [
        ("house", "occupied_dangerous_house", ["housing"], "open"),
        ("water_check", "water_fail", ["water"], "open")]
    assert [st for *_, st, _ in signal_rows(w, "H4")] == ["attached"]
    assert signal_rows(w, "H2")[1][4]["failed_clauses"] == ["horizontal", "time"]
    top = db.query_value(w.owner, "SELECT max(id) FROM mon_signals")
    assert signals.raise_signals(w.owner) == {"visit": 0, "water_check": 0, "house": 0, "department_alert": 0}
    w.owner.commit()
    assert db.query_value(w.owner, "SELECT nextval('mon_signals_id_seq')") == top + 1   # raising again spent no id
    w.owner.rollback()
    # a department's list: whole or not at all, then its signals, once
    bad = pd.DataFrame({"department": ["县民政局"] * 2, "ref": ["a", "b"], "household_id": ["H3", "H404"],
                        "rule": ["dibao_applied"] * 2})
    with pytest.raises(signals.BadAlerts, match="H404"):
        signals.department_alerts(w.owner, bad)
    assert db.query_value(w.owner, "SELECT count(*) FROM mon_department_alerts") == 0
    w.owner.rollback()
    good = pd.DataFrame({"department": ["县民政局"], "ref": ["2026-11-01"], "household_id": ["H3"],
                         "rule": ["dibao_applied"], "risk_types": [["labour_shortage"]],
                         "detail": [{"applied_on": "2026-11-01"}]})
    assert signals.department_alerts(w.owner, good, "民政低保申请名单") == 1
    assert signals.department_alerts(w.owner, good, "民政低保申请名单") == 0
    (source, rule, risks, state, detail), = signal_rows(w, "H3")
    assert (source, rule, risks, state, detail["department"], detail["list"], detail["applied_on"]) == \
        ("department_alert", "dibao_applied", ["labour_shortage"], "open", "县民政局", "民政低保申请名单",
         "2026-11-01")
    words = signals.describe(source, rule, detail, "zh")
    assert words == "部门预警 · 县民政局预警：申请低保"


def test_the_village_dismisses_a_signal_with_a_reason(world):
    w = world
    signals.department_alerts(w.owner, pd.DataFrame({"department": ["县医疗保障局"], "ref": ["x1"],
                                                     "household_id": ["H1"], "rule": ["medical_cost_high"]}))
    (sid,), = db.query_rows(w.owner, "SELECT id FROM mon_signals")
    w.owner.rollback()
    for who, code in (("cp", "role"), ("vm_other", "out_of_scope")):
        with pytest.raises(Refused) as err:
            machine.dismiss_signal(w[who], sid, "x")
        assert err.value.code == code
    with pytest.raises(Refused, match="reason"):
        machine.dismiss_signal(w["vm1"], sid, " ")
    machine.dismiss_signal(w["vm1"], sid, "医疗费用已由大病保险报销，不影响基本生活")
    assert cases.open_signals(w["vm1"]).empty
    with pytest.raises(Refused) as err:
        machine.propose(w["vm1"], "H1", "marginal", [], None, None, None, [sid])
    assert err.value.code == "signal_not_open"


def test_field_api_lists_proposes_records_consent_and_steps(world, client):
    w = world
    a = client.bearer
    assert client.get("/api/v1/monitoring/cases").status_code == 401
    r = client.post("/api/v1/monitoring/cases", headers=a("vm1"), json={"household_id": "H2", "category": "poor"})
    assert r.status_code == 422 and {p["field"] for p in r.json()["problems"]} == {"category", "found_by"}
    r = client.post("/api/v1/monitoring/cases", headers=a("vm_other"),
                    json={"household_id": "H2", "category": "marginal", "found_by": "self_declaration"})
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = client.post("/api/v1/monitoring/cases", headers=a("vm1"),
                    json={"household_id": "H2", "category": "unstable", "found_by": "self_declaration",
                          "risk_types": ["illness"], "support_contact": "王干部"})
    assert r.status_code == 201 and r.headers["location"].endswith(f"/cases/{r.json()['case_id']}")
    cid = r.json()["case_id"]
    again = client.post("/api/v1/monitoring/cases", headers=a("vm2"),
                        json={"household_id": "H2", "category": "unstable", "found_by": "screening"})
    assert again.status_code == 409 and again.json()["detail"]["case"] == cid
    # waiting on vm2 (the village's assessment), not on its proposer
    waiting = client.get("/api/v1/monitoring/cases?waiting=true", headers=a("vm2")).json()["cases"]
    assert [(c["case_id"], c["steps"]) for c in waiting] == [(cid, [{"action": "assess", "to": "village_assessed"}])]
    assert client.get("/api/v1/monitoring/cases?waiting=1", headers=a("vm1")).json()["cases"] == []
    own = client.post(f"/api/v1/monitoring/cases/{cid}/transitions", headers=a("vm1"), json={"to": "village_assessed"})
    assert own.status_code == 403 and own.json()["code"] == "own_proposal"
    assert "自己" in own.json()["problems"][0]["message"]
    ok = client.post(f"/api/v1/monitoring/cases/{cid}/transitions", headers=a("vm2"), json={"to": "village_assessed"})
    assert ok.status_code == 200 and ok.json() == {"case_id": cid, "state": "village_assessed"}
    bad = client.post(f"/api/v1/monitoring/cases/{cid}/consent", headers=a("vm1"), json={"consent_on": "soon"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "consent_on"
    r = client.post(f"/api/v1/monitoring/cases/{cid}/consent", headers=a("vm1"),
                    json={"consent_on": str(w.today)})
    assert r.status_code == 200 and w.case(cid)["consent_on"] == w.today
    one = client.get(f"/api/v1/monitoring/cases/{cid}", headers=a("to1")).json()
    assert one["state"] == "village_assessed" and [s["action"] for s in one["log"]] == ["propose", "assess",
                                                                                        "consent"]
    assert one["steps"] == [{"action": "notice", "to": "notice", "level": "village", "open": True, "refusal": None},
                            {"action": "return", "to": "returned", "level": "village", "open": True,
                             "refusal": None}]
    assert client.get(f"/api/v1/monitoring/cases/{cid}", headers=a("vm_other")).status_code == 404
    listed = client.get("/api/v1/monitoring/cases?state=village_assessed", headers=a("cp")).json()["cases"]
    assert [c["case_id"] for c in listed] == [cid] and listed[0]["head_name"] == "户主H2"
    assert client.get("/api/v1/monitoring/cases?state=nope", headers=a("cp")).status_code == 422


def test_openapi_lists_monitoring_and_inspection_paths(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/monitoring/cases", "/api/v1/monitoring/cases/{id}/consent",
            "/api/v1/monitoring/cases/{id}/transitions", "/api/v1/monitoring/signals",
            "/api/v1/inspections", "/api/v1/tasks"} <= set(doc["paths"])
    assert doc["paths"]["/api/v1/monitoring/cases"]["post"]["requestBody"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Proposal"}
    assert "Proposal" in doc["components"]["schemas"] and "Submission" in doc["components"]["schemas"]
    json.dumps(doc)
