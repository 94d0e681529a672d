"""The audit trail (statement-level triggers over transition tables) and the export log: recorded with who, when,
before and after; append-only for the app role and even for the owner."""
from __future__ import annotations

import time

import psycopg2
import pytest

from accounts import audit, scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import load_county, make_users
from geo import db


@pytest.fixture
def county(db_url, conn):
    load_county(conn)
    return make_users(conn)


def test_a_change_is_recorded_with_who_before_and_after(county, conn):
    mon = county["mon_a1"]
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        cur.execute("UPDATE households SET members = 6, phone = '13800000000' WHERE id = 'h1'")
        cur.execute("UPDATE households SET members = members WHERE id = 'h2'")  # no change: no audit row
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        rows = audit.recent_changes(cur, table="households", row_key="h1")
        assert len(audit.recent_changes(cur, table="households", row_key="h2")) == 1  # its INSERT only
    change = rows[0]
    assert (change["op"], change["user_id"], change["user_login"]) == ("UPDATE", mon.id, "mon_a1")
    assert change["before"]["members"] == 1 and change["after"]["members"] == 6
    # phones and ID numbers are kept as keyed hashes (issue 12): a change shows, the number does not
    assert change["before"]["phone"].startswith("hmac:") and change["after"]["phone"].startswith("hmac:")
    assert change["before"]["phone"] != change["after"]["phone"] and "1380" not in str(change)
    assert "geom_m" not in change["after"] and change["after"]["geom"].startswith("SRID=4490;POINT(101.9")
    assert rows[1]["op"] == "INSERT" and rows[1]["user_id"] is None  # loaded by the owner's connection
    # non-admins read nothing of the log
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        assert audit.recent_changes(cur) == []


def test_the_app_role_cannot_change_the_log(county, conn):
    for user in (county["admin"], county["mon_a1"], county["water_a"]):
        for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET after = NULL", "TRUNCATE audit_log",
                          "INSERT INTO audit_log (table_name, op) VALUES ('households', 'DELETE')",
                          "DELETE FROM export_log"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
                with scoped.scoped_transaction(user) as c, c.cursor() as cur:
                    cur.execute(statement)
    # not even the owner: the log is append-only by trigger
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET after = NULL", "TRUNCATE audit_log"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="append-only"):
            with conn.cursor() as cur:
                cur.execute(statement)
        conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM audit_log WHERE table_name = 'households'")
        assert cur.fetchone()[0] == 4


def test_deletes_truncates_and_rule_sets_are_recorded(county, conn):
    with conn.cursor() as cur:   # the rows before this job (the migrations' own changes among them)
        cur.execute("SELECT coalesce(max(id), 0) FROM audit_log")
        before = cur.fetchone()[0]
    conn.commit()
    with db.transaction() as c, c.cursor() as cur:
        db.set_actor(cur, "import:测试")
        cur.execute("DELETE FROM houses WHERE id = 'house-h4'")
        cur.execute("UPDATE rule_sets SET settings = settings || '{\"max_horizontal_m\": 1000}' "
                    "WHERE name = 'national-2018'")
        cur.execute("TRUNCATE roads")
    with conn.cursor() as cur:
        cur.execute("SELECT table_name, op, row_key, user_login, before->>'grade', "
                    "after->'settings'->>'max_horizontal_m' FROM audit_log WHERE table_name <> 'households' "
                    "AND op <> 'INSERT' AND id > %s ORDER BY id", (before,))
        assert cur.fetchall() == [("houses", "DELETE", "house-h4", "import:测试", "C", None),
                                  ("rule_sets", "UPDATE", "national-2018:1", "import:测试", None, "1000"),
                                  ("roads", "TRUNCATE", None, "import:测试", None, None)]


def test_a_bulk_copy_is_audited_by_one_statement(county, conn):
    """20k households by COPY: one audit row each, written set-based (no per-row trigger calls)."""
    n = 20_000
    rows = ((f"b{i}", "nv1", "SRID=4490;POINT(101.9 24)", "POINT(500000 2655000)") for i in range(n))
    t = time.perf_counter()
    with conn.cursor() as cur:
        db.copy_rows(cur, "households", ["id", "natural_village_id", "geom", "geom_m"], rows)
    conn.commit()
    took = time.perf_counter() - t
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT row_key) FROM audit_log WHERE table_name = 'households' "
                    "AND op = 'INSERT' AND row_key LIKE 'b%'")
        assert cur.fetchone() == (n, n)
    assert took < 20, f"COPY of {n} audited rows took {took:.1f} s"


def test_exports_are_recorded_as_plain_text(county, conn):
    water = county["water_a"]
    evil = "../../etc/passwd'; DROP TABLE households; --.xlsx"
    with scoped.scoped_transaction(water) as c:
        audit.record_export(c, water, "households", 3, "xlsx", file_name=evil)
    with db.transaction() as c:  # the command line: no app user
        audit.record_export(c, None, "water_sources", 3, "gpkg")
    # a user cannot record an export in another's name
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        with scoped.scoped_transaction(water) as c:
            audit.record_export(c, county["planner"], "households", 1, "csv")
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        got = audit.recent_exports(cur)
    assert [(r["user_login"], r["layer"], r["rows"], r["format"], r["masked"], r["file_name"]) for r in got] == [
        (None, "water_sources", 3, "gpkg", False, None), ("water_a", "households", 3, "xlsx", True, evil)]
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('households') IS NOT NULL")
        assert cur.fetchone()[0]


def test_the_export_reader_as_a_user_is_scoped_and_masked(county):
    """geo.export.read_layer on a connection as the user: rows in scope only; a masked role gets no ID or phone
    column at all (information_schema lists only columns it may read), and mask_frame masks what remains."""
    from accounts import masking
    from geo.export import read_layer
    for who, expected, has_personal in (("mon_a1", ["h1", "h2"], True), ("water_a", ["h1", "h2", "h3"], False)):
        c = scoped.connect_as(county[who])
        try:
            frame = masking.mask_frame(read_layer(c, "households"), county[who].role)
            audit.record_export(c, county[who], "households", len(frame), "csv", "户.csv")
            c.commit()
        finally:
            c.close()
        assert sorted(frame["id"]) == expected
        assert ("id_number" in frame.columns) == has_personal and ("phone" in frame.columns) == has_personal
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        assert [(r["user_login"], r["rows"], r["masked"]) for r in audit.recent_exports(cur)] == [
            ("water_a", 3, True), ("mon_a1", 2, False)]


def test_a_bulk_load_may_be_summarised_by_the_owner_only(county, conn):
    rows = [(f"s{i}", "nv1", "SRID=4490;POINT(101.9 24)", "POINT(500000 2655000)") for i in range(500)]
    with db.transaction() as c, c.cursor() as cur:
        db.set_actor(cur, "import:县.gpkg", bulk=True)
        db.copy_rows(cur, "households", ["id", "natural_village_id", "geom", "geom_m"], rows)
        cur.execute("DELETE FROM households WHERE id LIKE 's1%%'")
    with conn.cursor() as cur:
        cur.execute("SELECT op, row_key, user_login, before, after FROM audit_log WHERE user_login LIKE 'import:%%' "
                    "ORDER BY id")
        assert cur.fetchall() == [("INSERT", None, "import:县.gpkg", None, {"rows": 500, "summary": True}),
                                  ("DELETE", None, "import:县.gpkg", {"rows": 111, "summary": True}, None)]
    # an app role asking for the same is still recorded row by row
    mon = county["mon_a1"]
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        cur.execute("SELECT set_config('dixian.audit_bulk', 'summary', true)")
        cur.execute("DELETE FROM households WHERE id IN ('s0', 's2', 's3')")
        assert cur.rowcount == 3
    with conn.cursor() as cur:
        cur.execute("SELECT row_key FROM audit_log WHERE user_id = %s AND op = 'DELETE' ORDER BY row_key", (mon.id,))
        assert [r[0] for r in cur.fetchall()] == ["s0", "s2", "s3"]
