"""The two review chains in the real PostGIS: every step taken by the right role in scope, and refused to a wrong role,
to someone out of scope and to the proposer reviewing their own proposal; consent before a notice, the notice's
window, objections, the minimum support time (89 days refused, 90 allowed), a measure before elimination; the log
append-only and the app's roles unable to move a case except through the step functions."""
from __future__ import annotations

from datetime import timedelta

import psycopg2
import pytest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from monitoring import machine, measures, notices, spotcheck
from monitoring.machine import Refused
from monitoring_world import V1, photo_dir, world  # noqa: F401 (fixtures)


def refused(code: str, fn, *args):
    with pytest.raises(Refused) as err:
        fn(*args)
    assert err.value.code == code, (code, err.value.detail)
    return err.value


# Each step: the state it starts from, where it goes, the right person, wrong roles, someone of the right role out of
# scope, and — for a review a proposer's role could take — the proposer (a township officer may propose; a county
# planner never does, so the county's steps have no own proposal to refuse).
STEPS = [
    ("proposed", "village_assessed", "vm2", ["cp", "viewer", "water"], "vm_other", "vm1"),
    ("notice", "township_reviewed", "to2", ["vm2", "cp"], "to_other", "to1"),
    ("township_reviewed", "identified", "cp", ["to2", "vm2", "admin"], "cp_other", None),
    ("identified", "elimination_proposed", "vm1", ["cp", "viewer"], "vm_other", None),
    ("elimination_proposed", "elimination_village_assessed", "vm2", ["cp", "water"], "vm_b", "vm1"),
    ("elimination_village_assessed", "elimination_township_reviewed", "to2", ["vm2", "cp"], "to_other", "to1"),
    ("elimination_spot_check", "elimination_confirmed", "cp", ["to2", "vm2"], "cp_other", None),
    ("elimination_notice", "eliminated", "cp", ["to2", "vm2"], "cp_other", None),
]


def build(w, start: str, proposer: str | None) -> int:
    """A case brought to `start` through the real steps, proposed (or its elimination proposed) by `proposer`."""
    first = proposer if start in ("proposed", "notice") and proposer else "vm1"
    cid = machine.propose(w[first], "H1", "marginal", ["illness"], "screening", "走访发现")
    if start == "proposed":
        return cid
    machine.step(w["vm2"], cid, "village_assessed")
    machine.record_consent(w["vm1"], cid, w.today)
    w.owner_shift("UPDATE mon_cases SET state_since = state_since - interval '5 days' WHERE id = %s", (cid,))
    notices.post(w["vm2"], "identification", V1, [cid], w.today - timedelta(days=5))
    if start == "notice":
        return cid
    machine.step(w["to1"], cid, "township_reviewed")
    if start == "township_reviewed":
        return cid
    machine.step(w["cp"], cid, "identified")
    w.owner_shift("UPDATE mon_cases SET identified_on = identified_on - 100 WHERE id = %s", (cid,))
    measures.add(w["vm1"], measures.Measure(cid, "medical", w.today - timedelta(days=100), ("illness",)))
    if start == "identified":
        return cid
    machine.step(w[proposer or "vm1"], cid, "elimination_proposed")
    if start == "elimination_proposed":
        return cid
    machine.step(w["vm2"], cid, "elimination_village_assessed")
    if start == "elimination_village_assessed":
        return cid
    machine.step(w["to2"], cid, "elimination_township_reviewed")
    spotcheck.draw(w["cp"], 7, V1, 1.0)            # every case of the pool sampled
    if start == "elimination_spot_check":
        return cid
    machine.step(w["cp"], cid, "elimination_confirmed")
    notices.post(w["vm2"], "elimination", V1, [cid], w.today)
    w.owner_shift("UPDATE mon_notices SET posted_on = posted_on - 5")   # the window passes
    return cid


@pytest.mark.parametrize("start,to,right,wrong,outside,own", STEPS, ids=[s[1] for s in STEPS])
def test_each_step_by_its_role_in_scope_never_by_its_proposer(world, start, to, right, wrong, outside, own):
    w = world
    cid = build(w, start, own)
    assert w.state(cid) == start
    for who in wrong:
        refused("role", machine.step, w[who], cid, to)
    refused("out_of_scope", machine.step, w[outside], cid, to)
    if own:
        refused("own_proposal", machine.step, w[own], cid, to)
    assert w.state(cid) == start                  # nothing moved by the refusals
    logged = len(_rows(w.owner, "SELECT id FROM mon_case_log WHERE case_id = %s", (cid,)))
    assert machine.step(w[right], cid, to) == to
    log = w.last_log(cid)
    assert (log["actor_login"], log["actor_role"], log["from_state"], log["to_state"], log["actor_id"]) == \
        (right, w.people[right].role, start, to, w.people[right].id)
    assert len(_rows(w.owner, "SELECT id FROM mon_case_log WHERE case_id = %s", (cid,))) == logged + 1


def test_a_person_reviews_at_one_level_of_a_round(world):
    w = world
    cid = w.proposed()
    machine.step(w["to1"], cid, "village_assessed")           # a township officer at the village's assessment
    machine.record_consent(w["vm1"], cid, w.today)
    w.owner_shift("UPDATE mon_cases SET state_since = state_since - interval '5 days' WHERE id = %s", (cid,))
    notices.post(w["vm2"], "identification", V1, [cid], w.today - timedelta(days=5))
    err = refused("other_level", machine.step, w["to1"], cid, "township_reviewed")
    assert "village" in err.words("en") and "乡镇" in err.words("zh")
    machine.step(w["to2"], cid, "township_reviewed")            # another officer of the township reviews


def test_notice_needs_consent_and_its_window_closed(world):
    w = world
    cid = w.assessed()
    refused("no_consent", notices.post, w["vm2"], "identification", V1, [cid], w.today)
    refused("bad_date", machine.record_consent, w["vm1"], cid, w.today + timedelta(days=1))
    machine.record_consent(w["vm1"], cid, w.today)
    refused("notice_date", notices.post, w["vm2"], "identification", V1, [cid], w.today - timedelta(days=1))
    nid = notices.post(w["vm2"], "identification", V1, [cid], w.today)
    err = refused("notice_open", machine.step, w["to1"], cid, "township_reviewed")
    assert err.detail["closes_on"] == str(w.today + timedelta(days=5))
    w.owner_shift("UPDATE mon_notices SET posted_on = posted_on - 4 WHERE id = %s", (nid,))   # 4 days on
    refused("notice_open", machine.step, w["to1"], cid, "township_reviewed")
    w.owner_shift("UPDATE mon_notices SET posted_on = posted_on - 1 WHERE id = %s", (nid,))   # 5 days: closed
    assert machine.step(w["to1"], cid, "township_reviewed") == "township_reviewed"


def test_a_notice_lists_one_village_and_only_cases_ready_for_it(world):
    w = world
    a = w.on_notice("H1")
    b = w.assessed("H2")
    machine.record_consent(w["vm1"], b, w.today)
    c = w.proposed("H5", by="to1")                             # another village of the township, ready too
    machine.step(w["vm_b"], c, "village_assessed")
    machine.record_consent(w["vm_b"], c, w.today)
    refused("no_step", notices.post, w["vm2"], "identification", V1, [a, b], w.today)   # a is on notice already
    refused("notice_village", notices.post, w["to1"], "identification", V1, [b, c], w.today)
    refused("empty_notice", notices.post, w["vm2"], "identification", V1, [], w.today)
    nid = notices.post(w["vm2"], "identification", V1, [b], w.today)
    assert w.state(b) == "notice" and w.state(c) == "village_assessed" and nid > 0


def test_objection_returns_the_case_and_must_be_answered_before_it_moves_on(world):
    w = world
    cid = w.on_notice()
    nid = int(notices.listing(w["vm1"])["id"].iloc[0])
    refused("role", notices.object_to, w["cp"], nid, cid, w.today, "phone", "家里买了车")
    refused("reason_required", notices.object_to, w["vm1"], nid, cid, w.today, "phone", "  ")
    oid = notices.object_to(w["vm1"], nid, cid, w.today, "phone", "反映该户新购小汽车")
    assert w.state(cid) == "returned"
    assert w.last_log(cid)["reason"] == f"#{oid}: 反映该户新购小汽车"
    refused("objection_open", machine.step, w["vm1"], cid, "proposed")      # resubmit waits for the answer
    refused("role", notices.resolve, w["cp"], oid, "x")
    notices.resolve(w["vm2"], oid, "经核实，车辆为亲属借用")
    refused("objection_resolved", notices.resolve, w["vm2"], oid, "again")
    assert machine.step(w["vm1"], cid, "proposed") == "proposed"
    case = w.case(cid)
    assert case["round"] == 2
    refused("reason_required", machine.step, w["vm2"], cid, "returned")
    assert machine.step(w["vm2"], cid, "returned", "收入超过监测线") == "returned"
    assert machine.step(w["vm1"], cid, "not_included", "不符合条件") == "not_included"
    # closed: the household may be proposed again, as a new case
    assert w.proposed() != cid


def test_an_objection_to_an_elimination_puts_the_case_back_under_support(world):
    w = world
    cid = w.elimination_reviewed()
    spotcheck.draw(w["cp"], 1, V1, 1.0)
    machine.step(w["cp"], cid, "elimination_confirmed")
    nid = notices.post(w["vm2"], "elimination", V1, [cid], w.today)
    notices.object_to(w["vm1"], nid, cid, w.today, "letter", "该户仍有大额医疗支出")
    case = w.case(cid)
    assert case["state"] == "identified" and case["elimination_proposed_on"] is None


def test_minimum_support_time_89_days_refused_90_allowed(world):
    w = world
    cid = w.identified(supported_days=89)
    err = refused("min_support", machine.step, w["vm1"], cid, "elimination_proposed")
    assert (err.detail["days"], err.detail["min"]) == (89, 90)
    assert err.detail["earliest"] == str(w.today + timedelta(days=1))
    w.owner_shift("UPDATE mon_cases SET identified_on = identified_on - 1 WHERE id = %s", (cid,))
    assert machine.step(w["vm1"], cid, "elimination_proposed") == "elimination_proposed"


def test_elimination_needs_a_measure_that_has_been_in_effect(world):
    w = world
    cid = w.identified(supported_days=120, measure=False)
    mid = measures.add(w["vm1"], measures.Measure(cid, "employment", w.today + timedelta(days=3), ("illness",),
                                                  state="planned"))
    refused("no_measure", machine.step, w["vm1"], cid, "elimination_proposed")
    measures.set_state(w["vm1"], mid, "in_effect")
    refused("no_measure", machine.step, w["vm1"], cid, "elimination_proposed")   # it starts in three days
    measures.add(w["vm1"], measures.Measure(cid, "medical", w.today - timedelta(days=30), ("illness",)))
    assert machine.step(w["vm1"], cid, "elimination_proposed") == "elimination_proposed"


def test_the_support_contacts_account_alone_proposes_its_elimination(world):
    w = world
    cid = w.identified(supported_days=100)
    with w["vm2"].cursor() as cur:   # the case names its support contact's account
        cur.execute("UPDATE mon_cases SET support_user_id = %s WHERE id = %s", (w.people["vm2"].id, cid))
    w["vm2"].commit()
    refused("support_contact_only", machine.step, w["vm1"], cid, "elimination_proposed")
    assert machine.step(w["vm2"], cid, "elimination_proposed") == "elimination_proposed"


def test_every_return_needs_a_reason_and_goes_back(world):
    w = world
    for build_, who, to in [(w.proposed, "vm2", "returned"), (w.assessed, "vm2", "returned"),
                            (lambda h: w.on_notice(h, 5), "to1", "returned"), (w.reviewed, "cp", "returned")]:
        cid = build_("H2")
        refused("reason_required", machine.step, w[who], cid, to)
        assert machine.step(w[who], cid, to, "材料不全") == to
        machine.step(w["vm1"], cid, "not_included", "撤回")
    cid = w.elimination_proposed("H3")
    assert machine.step(w["vm2"], cid, "identified", "收入尚不稳定") == "identified"
    assert w.case(cid)["elimination_proposed_on"] is None


def test_confirmation_and_elimination_follow_the_household(world):
    w = world
    cid = w.identified("H3", supported_days=100)
    hh = lambda: w.owner.cursor()  # noqa: E731
    with hh() as cur:   # confirmed today (the support time was moved back on the case alone)
        cur.execute("SELECT category, monitor_state, identified_on, risk_types FROM households WHERE id = 'H3'")
        assert cur.fetchone() == ("marginal", "identified", w.today, ["illness"])
    machine.step(w["vm1"], cid, "elimination_proposed")
    machine.step(w["vm2"], cid, "elimination_village_assessed")
    machine.step(w["to1"], cid, "elimination_township_reviewed")
    check, sampled = spotcheck.draw(w["cp"], 11, V1, 0.5)
    assert sampled == [cid]                                   # one case: ceil(0.5 × 1) = 1
    machine.step(w["cp"], cid, "elimination_confirmed")
    nid = notices.post(w["vm2"], "elimination", V1, [cid], w.today)
    refused("notice_open", machine.step, w["cp"], cid, "eliminated")
    w.owner_shift("UPDATE mon_notices SET posted_on = posted_on - 5 WHERE id = %s", (nid,))
    machine.step(w["cp"], cid, "eliminated")
    with hh() as cur:
        cur.execute("SELECT monitor_state, risk_eliminated_on FROM households WHERE id = 'H3'")
        assert cur.fetchone() == ("risk_eliminated", w.today)
        cur.execute("SELECT result FROM mon_spot_check_items WHERE spot_check_id = %s", (check,))
        assert cur.fetchone() == ("pass",)
    w.owner.rollback()


def test_one_open_case_per_household_history_kept(world):
    w = world
    cid = w.proposed("H1")
    refused("open_case", w.proposed, "H1", "vm2")
    refused("no_household", w.proposed, "H999", "vm1")
    refused("out_of_scope", w.proposed, "H6", "vm1")           # another township's household
    machine.step(w["vm2"], cid, "returned", "重复申报")
    machine.step(w["vm1"], cid, "not_included", "撤回")
    again = w.proposed("H1")
    with w.owner.cursor() as cur:
        cur.execute("SELECT id, state FROM mon_cases WHERE household_id = 'H1' ORDER BY id")
        assert cur.fetchall() == [(cid, "not_included"), (again, "proposed")]
    w.owner.rollback()


def test_the_log_is_append_only_and_the_app_cannot_write_cases_or_the_log(world):
    w = world
    cid = w.proposed()
    app = w["vm1"]
    for sql in ("UPDATE mon_cases SET state = 'identified' WHERE id = %s",
                "INSERT INTO mon_case_log (case_id, action, to_state, round) VALUES (%s, 'confirm', 'identified', 1)",
                "DELETE FROM mon_case_log WHERE case_id = %s",
                "UPDATE mon_cases SET consent_on = current_date WHERE id = %s",
                "INSERT INTO mon_signals (household_id, source, rule, ref) SELECT 'H1', 'visit', 'x', %s::text"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with app.cursor() as cur:
                cur.execute(sql, (cid,))
        app.rollback()
    with app.cursor() as cur:            # what a case holds besides its state: its risks and support contact
        cur.execute("UPDATE mon_cases SET risk_types = '{illness,disability}' WHERE id = %s", (cid,))
        assert cur.rowcount == 1
    app.commit()
    for sql in ("UPDATE mon_case_log SET reason = 'x'", "DELETE FROM mon_case_log", "TRUNCATE mon_case_log"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
            with w.owner.cursor() as cur:
                cur.execute(sql)
        w.owner.rollback()
    # the owner's connection has no identity: every step refuses it
    refused("no_identity", machine.step, w.owner, cid, "village_assessed")


def test_functions_pin_their_search_path_and_are_not_public(world):
    with world.owner.cursor() as cur:
        cur.execute("""SELECT p.proname, p.proconfig, has_function_privilege('public', p.oid, 'EXECUTE'),
                              has_function_privilege('dixian_app', p.oid, 'EXECUTE')
                       FROM pg_proc p WHERE p.prosecdef AND p.proname LIKE 'mon\\_%'
                       AND p.pronamespace = current_schema()::regnamespace""")
        rows = cur.fetchall()
    world.owner.rollback()
    assert len(rows) >= 12
    for name, config, public, app in rows:
        assert config == ["search_path=dixian, pg_catalog, pg_temp"], name
        assert not public, name
    granted = {n for n, _, _, app in rows if app}
    assert {"mon_propose", "mon_transition", "mon_record_consent", "mon_post_notice", "mon_object",
            "mon_draw"} <= granted
    assert "mon_signals_after_inspections" not in granted


def test_cases_follow_the_household_scope_and_hide_names_from_roles_without_personal_data(world):
    w = world
    cid = w.proposed("H1")
    w.proposed("H5", by="vm_b")
    ids = lambda who: sorted(c for (c,) in _rows(w[who], "SELECT id FROM mon_cases_v"))  # noqa: E731
    assert ids("vm1") == [1, cid] and ids("vm_b") == [cid + 1]       # case 1: H4, imported in V1
    assert ids("to_other") == [2]                                     # H7's, eliminated, in township 2
    assert ids("cp") == [1, 2, cid, cid + 1] and ids("cp_other") == []
    names = dict(_rows(w["viewer"], "SELECT household_id, head_name FROM mon_cases_v"))
    assert names["H1"] == "户***" and dict(_rows(w["vm1"], "SELECT household_id, head_name FROM mon_cases_v"))[
        "H1"] == "户主H1"
    assert _rows(w["vm1"], "SELECT count(*) FROM mon_case_log WHERE case_id = %s", (cid + 1,)) == [(0,)]


def _rows(conn, sql, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        out = cur.fetchall()
    conn.rollback()
    return out
