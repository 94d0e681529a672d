"""The review chain's every transition, its refusals, the append-only audit log, and rectification items."""
import psycopg2
import pytest

import inspections_world as w
from inspections import records, workflow
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def submit(conn, who, target="H1", ok=True, start="2026-11-23T10:00:00+08:00", end="2026-11-23T10:20:00+08:00"):
    where = {"H1": w.H1, "H2": w.H2}[target]
    return records.submit(conn, who, w.submission(target, where, start=start, end=end,
                                                  answers=w.household_answers(ok)), []).id


def state(conn, iid):
    with conn.cursor() as cur:
        cur.execute("SELECT review_state FROM inspections WHERE id = %s", (iid,))
        s = cur.fetchone()[0]
    conn.rollback()
    return s


def log_rows(conn, iid):
    with conn.cursor() as cur:
        cur.execute("""SELECT actor_id, actor_role, from_state, to_state, reason FROM review_log
                       WHERE inspection_id = %s ORDER BY id""", (iid,))
        rows = cur.fetchall()
    conn.rollback()
    return rows


def test_forward_chain_to_county_confirmed(conn, world):
    iid = submit(conn, world["insp"])
    assert workflow.transition(conn, iid, world["village"], "village_verified") == "village_verified"
    assert workflow.transition(conn, iid, world["township"], "township_reviewed") == "township_reviewed"
    assert workflow.transition(conn, iid, world["county"], "county_confirmed") == "county_confirmed"
    assert state(conn, iid) == "county_confirmed"
    assert log_rows(conn, iid) == [
        (world["insp"].id, "inspector", None, "submitted", None),
        (world["village"].id, "village", "submitted", "village_verified", None),
        (world["township"].id, "township", "village_verified", "township_reviewed", None),
        (world["county"].id, "county", "township_reviewed", "county_confirmed", None)]
    with pytest.raises(workflow.WorkflowError):  # confirmed is final
        workflow.transition(conn, iid, world["county"], "returned", "late doubt")


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_return_with_reason_at_each_step_then_resubmit(conn, world, steps):
    iid = submit(conn, world["insp"])
    chain = [("village", "village_verified"), ("township", "township_reviewed"), ("county", "county_confirmed")]
    for who, to in chain[:steps]:
        workflow.transition(conn, iid, world[who], to)
    returner = world[chain[steps][0]]
    with pytest.raises(workflow.WorkflowError) as err:
        workflow.transition(conn, iid, returner, "returned", "  ")
    assert err.value.status == 422
    workflow.transition(conn, iid, returner, "returned", "照片不清楚 / photo unclear")
    assert state(conn, iid) == "returned"
    last = log_rows(conn, iid)[-1]
    assert last == (returner.id, returner.role, ([None] + [t for _, t in chain])[steps] or "submitted", "returned",
                    "照片不清楚 / photo unclear")
    with pytest.raises(workflow.WorkflowError):  # only the author resubmits
        workflow.transition(conn, iid, world["insp2"], "submitted", "fixed")
    workflow.transition(conn, iid, world["insp"], "submitted", "重拍照片 / photo retaken")
    assert state(conn, iid) == "submitted" and len(log_rows(conn, iid)) == steps + 3


def test_refusals_by_role_scope_and_authorship(conn, world):
    iid = submit(conn, world["insp"])
    for who, to in [("insp2", "village_verified"), ("township", "township_reviewed"),
                    ("county", "county_confirmed")]:
        with pytest.raises(workflow.WorkflowError):  # an inspector cannot verify; no skipping steps
            workflow.transition(conn, iid, world[who], to)
    with pytest.raises(workflow.WorkflowError) as err:
        workflow.transition(conn, iid, world["other"], "village_verified")
    assert err.value.status == 403  # another township's reviewer
    own = submit(conn, world["village"], "H2")
    with pytest.raises(workflow.WorkflowError):  # nobody verifies their own check
        workflow.transition(conn, own, world["village"], "village_verified")
    assert state(conn, iid) == "submitted" and len(log_rows(conn, iid)) == 1


def test_audit_log_is_append_only(conn, world):
    iid = submit(conn, world["insp"])
    workflow.transition(conn, iid, world["village"], "village_verified")
    for statement in ("UPDATE review_log SET reason = 'rewritten'", "DELETE FROM review_log",
                      "TRUNCATE review_log"):
        with conn.cursor() as cur, pytest.raises(psycopg2.Error) as err:
            cur.execute(statement)
        conn.rollback()
        assert "append-only" in str(err.value)
    assert len(log_rows(conn, iid)) == 2


def test_failing_check_opens_rectification_and_later_pass_closes_it(conn, world):
    def items():
        with conn.cursor() as cur:
            cur.execute("SELECT target_id, kind, opened_by::text, closed_by::text FROM rectifications ORDER BY id")
            rows = cur.fetchall()
        conn.rollback()
        return rows

    fail1 = submit(conn, world["insp"], ok=False)
    assert items() == [("H1", "household_visit", fail1, None)]
    submit(conn, world["insp"], ok=False, start="2026-11-24T10:00:00+08:00", end="2026-11-24T10:20:00+08:00")
    assert len(items()) == 1  # still the one open item
    # a pass dated before the failure (synced late from an offline phone) does not close it
    submit(conn, world["insp2"], ok=True, start="2026-11-22T10:00:00+08:00", end="2026-11-22T10:20:00+08:00")
    assert items()[0][3] is None
    fixed = submit(conn, world["insp"], ok=True, start="2026-11-25T10:00:00+08:00", end="2026-11-25T10:20:00+08:00")
    assert items() == [("H1", "household_visit", fail1, fixed)]
    with conn.cursor() as cur:
        assert workflow.open_rectifications(cur, "530427") == []
    fail3 = submit(conn, world["insp"], ok=False, start="2026-11-26T10:00:00+08:00", end="2026-11-26T10:20:00+08:00")
    with conn.cursor() as cur:
        assert [r["opened_by"] for r in workflow.open_rectifications(cur, "530427205")] == [fail3]
