"""Members, guarantee results and departments' list rows under row-level security (issue 14): each role sees the
households of its scope only, ID and phone numbers masked for the roles that do not need them, and no one writes
outside their scope."""
from __future__ import annotations

import psycopg2
import pytest

from accounts import scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import VIL_A1, VIL_B1, load_county, make_users


@pytest.fixture
def county(db_url, conn):
    load_county(conn)
    with conn.cursor() as cur:
        for mid, hh, idn, phone in [("m1", "h1", "530427199001011234", "13812345678"),
                                    ("m2", "h1", "530427201501015671", None),
                                    ("m4", "h4", "530427196604043456", "13633334444")]:
            cur.execute("INSERT INTO household_members (id, household_id, name, relation, sex, birth_date, id_number,"
                        " phone, insured) VALUES (%s, %s, %s, 'head', 'male', '1990-01-01', %s, %s, false)",
                        (mid, hh, "成员" + mid, idn, phone))
        cur.execute("INSERT INTO guarantee_results (rule_set, rule, member_id, household_id, village_code) VALUES "
                    "('longxian-2021', 'uninsured', 'm1', 'h1', %s), ('longxian-2021', 'uninsured', 'm4', 'h4', %s)",
                    (VIL_A1, VIL_B1))
        cur.execute("INSERT INTO dept_lists (kind, department, period) VALUES ('insurance', 'x', '2026-11') "
                    "RETURNING id")
        lid = cur.fetchone()[0]
        cur.execute("INSERT INTO dept_list_rows (list_id, row_no, id_number, member_id, household_id, village_code) "
                    "VALUES (%s, 2, '530427199001011234', 'm1', 'h1', %s), (%s, 3, '110101199001011237', NULL, NULL, "
                    "NULL)", (lid, VIL_A1, lid))
    conn.commit()
    return make_users(conn)


def rows(user, query, params=None):
    with scoped.scoped_transaction(user) as c, c.cursor() as cur:
        cur.execute(query, params)
        return sorted(cur.fetchall())


def test_members_follow_the_households_scope(county):
    assert rows(county["mon_a1"], "SELECT id FROM household_members") == [("m1",), ("m2",)]
    assert rows(county["mon_b1"], "SELECT id FROM household_members") == [("m4",)]
    assert rows(county["mon_a1"], "SELECT id FROM household_members_v WHERE household_id = 'h4'") == []
    assert rows(county["planner"], "SELECT id FROM household_members") == [("m1",), ("m2",), ("m4",)]
    assert rows(county["mon_a1"], "SELECT member_id FROM guarantee_results") == [("m1",)]
    assert rows(county["town_a"], "SELECT member_id FROM guarantee_results") == [("m1",)]


def test_id_and_phone_masked_by_role(county):
    water = county["water_a"]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        rows(water, "SELECT id_number FROM household_members")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        rows(water, "SELECT phone FROM household_members WHERE id = 'm1'")
    assert rows(water, "SELECT id, id_number, phone, name FROM household_members_v WHERE id = 'm1'") == [
        ("m1", "5304**********1234", "138****5678", "成员m1")]
    assert rows(county["viewer"], "SELECT id_number FROM household_members_v WHERE id = 'm4'") == [
        ("5304**********3456",)]
    assert rows(county["mon_a1"], "SELECT id_number, phone FROM household_members_v WHERE id = 'm1'") == [
        ("530427199001011234", "13812345678")]


def test_no_one_writes_outside_their_scope(county):
    mon = county["mon_a1"]
    assert rows(mon, "UPDATE household_members SET insured = true WHERE id = 'm4' RETURNING id") == []
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        rows(mon, "INSERT INTO household_members (id, household_id, name, relation, sex, birth_date, id_number) "
                  "VALUES ('x', 'h4', 'x', 'head', 'male', '1990-01-01', '1') RETURNING id")
    assert rows(mon, "UPDATE household_members SET insured = true WHERE id = 'm1' RETURNING id") == [("m1",)]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        rows(county["water_a"], "UPDATE household_members SET insured = true WHERE id = 'm1' RETURNING id")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        rows(county["planner"], "INSERT INTO guarantee_results (rule_set, rule, household_id, village_code) "
                                "VALUES ('x', 'uninsured', 'h1', %s) RETURNING rule", (VIL_A1,))


def test_unmatched_list_rows_only_county_wide(county):
    assert rows(county["planner"], "SELECT row_no FROM dept_list_rows") == [(2,), (3,)]
    assert rows(county["mon_a1"], "SELECT row_no FROM dept_list_rows") == [(2,)]
    assert rows(county["mon_b1"], "SELECT row_no FROM dept_list_rows") == []


def test_list_id_numbers_hidden_from_the_masked_roles(county):
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        rows(county["viewer"], "SELECT id_number FROM dept_list_rows")
    assert rows(county["viewer"], "SELECT row_no FROM dept_list_rows") == [(2,), (3,)]
