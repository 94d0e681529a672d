"""One ledger (一本账) in a real PostGIS: a failing field inspection appears in the rectification list and a later
pass closes it; a finding of an audit entered by hand is refused on bad input, shown under its source and overdue
filters, and closed only with evidence and a reviewer; the findings follow the user's scope under row-level security."""
from datetime import date, timedelta

import psycopg2
import pytest

import inspections_world as w
from accounts import scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import VIL_A1, VIL_B1, load_county, make_users
from board import rectification
from inspections import records
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def submit(conn, who, ok, day):
    return records.submit(conn, who, w.submission("H1", w.H1, start=f"2026-11-{day}T10:00:00+08:00",
                                                  end=f"2026-11-{day}T10:20:00+08:00",
                                                  answers=w.household_answers(ok)), []).id


def test_inspection_failure_is_in_the_ledger_and_a_later_pass_closes_it(conn, world):
    failed = submit(conn, world["insp"], False, 23)
    items = rectification.items(conn)
    row = items[items.kind == "inspection"].iloc[0]
    assert (row.source, row.category, row.subject_id, row.problem, row.detail, row.village_name) == (
        "inspection", "household_visit", "household:H1", "inspection_fail", failed, "一村")
    assert row.opened_on == date(2026, 11, 23) and row.due_on == date(2026, 11, 23) + timedelta(days=30)
    assert len(rectification.items(conn, source="inspection")) == 1
    assert rectification.items(conn, source="audit").empty
    assert len(rectification.items(conn, township=w.T1)) == 1 and rectification.items(conn, township=w.T2).empty
    passed = submit(conn, world["insp2"], True, 25)
    assert rectification.items(conn, source="inspection").empty            # closed: off the open list
    done = rectification.items(conn, source="inspection", show_closed=True).iloc[0]
    assert (done.closed_on, done.closed_by, done.evidence, done.reviewer) == (
        date(2026, 11, 25), passed, f"inspection {passed}", "王监测员")
    table = rectification.labelled(rectification.items(conn, show_closed=True), "zh")
    assert table.iloc[0]["来源"] == "实地巡查" and table.iloc[0]["问题"] == "实地巡查不合格"


def test_hand_entered_finding_is_refused_on_bad_input_and_closed_with_evidence(conn, world):
    due = date.today() + timedelta(days=60)
    bad = [(dict(source="rumour"), "source"), (dict(category="  "), "category"), (dict(owner=""), "owner"),
           (dict(due_on=date(2020, 1, 1)), "due"), (dict(village_code="530427999999"), "village"),
           (dict(detail="x" * 501), "detail")]
    for change, field in bad:
        args = dict(source="audit", category="资金拨付滞后", owner="县财政局", due_on=due, village_code=w.V1) | change
        with pytest.raises(rectification.LedgerError) as err:
            rectification.enter(conn, **args)
        assert err.value.field == field
    assert db_count(conn) == 0                                               # nothing written
    number = rectification.enter(conn, "audit", "资金拨付滞后", "县财政局", due, w.V1, "=HYPERLINK(\"x\")")
    late = rectification.enter(conn, "supervision", "饮水工程未验收", "县水务局", date(2026, 11, 1),
                               opened_on=date(2026, 10, 1))                # county-level, overdue
    assert (number, late) == ("F000001", "F000002")
    audit = rectification.items(conn, source="audit")
    assert list(audit.subject_id) == [number] and audit.iloc[0].owner == "县财政局"
    assert list(rectification.items(conn, overdue_only=True).subject_id) == [late]
    assert list(rectification.items(conn, kind="finding").subject_id) == [late, number]   # by deadline
    for evidence, reviewer, field in [("", "县纪委 张", "evidence"), ("审计整改报告 2026-12号", " ", "reviewer")]:
        with pytest.raises(rectification.LedgerError) as err:
            rectification.close(conn, number, evidence, reviewer)
        assert err.value.field == field
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):   # the table refuses it too
        cur.execute("UPDATE rectification_items SET closed_on = current_date WHERE subject_id = %s", (number,))
    conn.rollback()
    assert rectification.close(conn, number, "审计整改报告 2026-12号", "县审计局 张") is True
    assert rectification.close(conn, number, "again", "again") is False        # closed once
    done = rectification.items(conn, source="audit", show_closed=True).iloc[0]
    assert (done.closed_on, done.evidence, done.reviewer) == (date.today(), "审计整改报告 2026-12号", "县审计局 张")
    assert rectification.items(conn, source="audit").empty
    # the checks' refresh leaves hand-entered findings alone
    rectification.refresh(conn)
    assert list(rectification.items(conn, kind="finding").subject_id) == [late]


def db_count(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM rectification_items")
        n = cur.fetchone()[0]
    conn.rollback()
    return n


def test_findings_follow_scope_under_row_level_security(db_url, conn):
    load_county(conn)
    with conn.cursor() as cur:
        for code, parent in [(VIL_A1, "530427100000"), (VIL_B1, "530427200000")]:
            cur.execute("INSERT INTO admin_units (code, level, name, parent_code) VALUES (%s, 'village', %s, %s)",
                        (code, "村" + code[-3:], parent))
    conn.commit()
    people = make_users(conn)
    due = date.today() + timedelta(days=10)
    a1 = rectification.enter(conn, "tour", "驻村工作队脱岗", "一村村委会", due, VIL_A1)
    b1 = rectification.enter(conn, "tour", "监测户漏报", "二村村委会", due, VIL_B1)
    county = rectification.enter(conn, "audit", "项目资产未确权", "县农业农村局", due)

    def seen(key):
        c = scoped.connect_as(people[key], db_url)
        try:
            return sorted(rectification.items(c).subject_id)
        finally:
            c.close()

    assert seen("mon_a1") == [a1] and seen("mon_b1") == [b1] and seen("town_a") == [a1]
    assert seen("planner") == sorted([a1, b1, county])
    c = scoped.connect_as(people["town_a"], db_url)
    try:
        with pytest.raises(rectification.LedgerError) as err:       # another township's village
            rectification.enter(c, "tour", "x", "y", due, VIL_B1)
        assert err.value.key == "ledger.out_of_scope"
        assert rectification.close(c, b1, "照片", "乡干部") is False  # not theirs to close
        assert rectification.close(c, a1, "照片", "乡干部") is True
    finally:
        c.close()
    assert db_count(conn) == 3
