"""water_results partitioned by result label (migration 700): a whole run replaces only its label's partition;
the partitions cannot be read around the parent's row-level security; rows of a label with no partition of its own
(a writer inserting directly) land in the default partition and a whole run of that label takes them over."""
from __future__ import annotations

import psycopg2
import pytest
from psycopg2 import sql

from accounts import scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import load_county, make_users
from geo import db
from geo.checks import water, water_write
from geo.checks.rules import load_rules

import checks_scenario as sc

NV = [{"id": "nv1", "households": 40, "population": 120, "village_code": "530427205001", "dx": 0, "dy": 0}]
PARTS = """SELECT c.relname, c.relrowsecurity, c.relacl::text, pg_get_expr(c.relpartbound, c.oid) AS bound
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'water_results'::regclass ORDER BY 1"""


def _load(conn):
    sc.load(conn, villages=NV, dem=sc.dem_tif(lambda x, y: 1000.0 + 0 * x),
            households=[{"id": f"h{k}", "natural_village_id": "nv1", "members": 3, "dx": 100.0 * k, "dy": 0}
                        for k in range(30)],
            sources=[{"id": "s1", "status": "working", "dx": 0, "dy": 0},
                     {"id": "s2", "status": "working", "dx": 2500, "dy": 0}])
    conn.commit()


def _rows(conn, label):
    return db.query_df(conn, "SELECT subject_id, source_id, compliant FROM water_results WHERE rule_set = %(l)s "
                             "ORDER BY subject_id", {"l": label})


def test_a_run_replaces_only_its_own_partition(conn):
    _load(conn)
    a, b = load_rules(conn, "longxian-2021"), load_rules(conn, "national-2018")
    water.check_water(conn, a); conn.commit()
    first = _rows(conn, water.result_label(a))
    water.check_water(conn, b); conn.commit()
    parts = db.query_df(conn, PARTS)
    labels = {water.result_label(a), water.result_label(b)}
    assert {water_write.partition_name(x) for x in labels} | {"water_results_default"} == set(parts.relname)
    assert set(parts.bound) == {"DEFAULT"} | {f"FOR VALUES IN ('{x}')" for x in labels}
    # Each partition: row-level security on, no grant but the owner's.
    assert parts.relrowsecurity.all() and not parts.relacl.str.contains("dixian_app").any()
    # A second run of the first label: its rows replaced, the other label's untouched; the same answers.
    oid_b = db.query_value(conn, "SELECT %(p)s::regclass::oid", {"p": water_write.partition_name(water.result_label(b))})
    water.check_water(conn, a); conn.commit()
    assert _rows(conn, water.result_label(a)).equals(first) and len(first) == 30
    assert db.query_value(conn, "SELECT %(p)s::regclass::oid",
                          {"p": water_write.partition_name(water.result_label(b))}) == oid_b
    assert water_write.labels(conn.cursor()) == labels
    # The parent's indexes are each partition's (attached, not left out).
    n = db.query_value(conn, """SELECT count(*) FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indexrelid
                                WHERE i.indrelid = %(p)s::regclass""",
                       {"p": water_write.partition_name(water.result_label(a))})
    assert n == db.query_value(conn, "SELECT count(*) FROM pg_indexes WHERE tablename = 'water_results'") >= 5
    # A recompute near a source writes through the parent into the partition.
    done = water.set_source_status(conn, "s1", "failed"); conn.commit()
    assert set(done["recomputed"]) == labels
    assert (_rows(conn, water.result_label(a)).source_id == "s2").all()


def test_rows_without_a_partition_go_to_the_default_and_a_run_takes_them_over(conn):
    _load(conn)
    rules = load_rules(conn, "longxian-2021")
    label = water.result_label(rules)
    with conn.cursor() as cur:  # a writer of its own (a staging table, say) inserting rows of a label
        cur.execute("INSERT INTO water_results (rule_set, rule_version, subject, subject_id) "
                    "VALUES (%s, 1, 'household', 'h0'), ('what-if', 1, 'household', 'h0')", (label,))
    conn.commit()
    assert db.query_value(conn, "SELECT count(*) FROM water_results_default") == 2
    water.check_water(conn, rules); conn.commit()
    assert db.query_value(conn, "SELECT count(*) FROM water_results_default") == 1  # what-if's row stays
    assert len(_rows(conn, label)) == 30
    # The SQL helper a writer can call first gives the label a partition of its own.
    with conn.cursor() as cur:
        cur.execute("SELECT water_results_partition('what-if 2')::text")
        assert cur.fetchone()[0] == water_write.partition_name("what-if 2")
    conn.commit()
    # An empty run drops the label's rows.
    water.write(conn, water.WaterRun(water.compute(conn, rules).rows.iloc[:0], {}, rules)); conn.commit()
    assert len(_rows(conn, label)) == 0


def test_partitions_cannot_be_read_around_the_parents_policies(db_url, conn):
    load_county(conn)
    users = make_users(conn)
    with conn.cursor() as cur:
        for nv in ("nv1", "nv3"):
            cur.execute("INSERT INTO water_results (rule_set, rule_version, subject, subject_id, natural_village_id) "
                        "VALUES ('national-2018', 1, 'natural_village', %s, %s)", (nv, nv))
        cur.execute("SELECT water_results_partition('longxian-2021')")
        cur.execute("INSERT INTO water_results (rule_set, rule_version, subject, subject_id, natural_village_id) "
                    "VALUES ('longxian-2021', 1, 'natural_village', 'nv1', 'nv1'), "
                    "('longxian-2021', 1, 'natural_village', 'nv3', 'nv3')")
    conn.commit()
    town = users["town_a"]
    with scoped.scoped_transaction(town) as c, c.cursor() as cur:  # through the parent: their scope only
        cur.execute("SELECT rule_set, subject_id FROM water_results ORDER BY 1, 2")
        assert cur.fetchall() == [("longxian-2021", "nv1"), ("national-2018", "nv1")]
    for part in ("water_results_default", water_write.partition_name("longxian-2021")):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with scoped.scoped_transaction(town) as c, c.cursor() as cur:
                cur.execute(sql.SQL("SELECT subject_id FROM {}").format(sql.Identifier(part)))
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with scoped.scoped_transaction(users["admin"]) as c, c.cursor() as cur:
                cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(part)))
