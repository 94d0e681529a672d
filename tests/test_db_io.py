"""The database I/O room: the pool hands connections back clean, COPY in and out round-trip values, index rebuilds
put back exactly what was there, the metric frame is read without being written."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from geo import db


def test_pooled_connections_come_back_clean(db_url):
    with db.pooled(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT set_config('dixian.probe', 'left over', true)")
        first = conn.get_backend_pid()
    # The borrower left its transaction open: the pool rolled it back, so the LOCAL setting is gone.
    with db.pooled(db_url) as conn, conn.cursor() as cur:
        assert conn.get_backend_pid() == first  # the same connection, reused
        cur.execute("SELECT current_setting('dixian.probe', true)")
        assert cur.fetchone()[0] in (None, "")
    db.close_pools()


def test_session_level_state_is_discarded_before_reuse(db_url):
    """A borrower that switched role and settings for the whole session (as a connection that is one user for its
    life does), or made a temporary table, hands back a connection the next borrower finds as a new one."""
    with db.pooled(db_url) as conn, conn.cursor() as cur:
        cur.execute("SET ROLE dixian_app_masked")
        cur.execute("SELECT set_config('dixian.user_login', 'someone', false)")
        cur.execute("SET search_path = public")
        cur.execute("CREATE TEMP TABLE scratch (x int)")
        conn.commit()
        first = conn.get_backend_pid()
    with db.pooled(db_url) as conn, conn.cursor() as cur:
        assert conn.get_backend_pid() == first
        cur.execute("SELECT current_user = session_user, current_setting('dixian.user_login', true), "
                    "current_setting('search_path'), current_setting('TimeZone'), to_regclass('pg_temp.scratch')")
        assert cur.fetchone() == (True, "", "dixian,public", "Asia/Shanghai", None)
        assert not conn.autocommit
    db.close_pools()


def test_pool_drops_a_broken_connection(db_url):
    with db.pooled(db_url) as conn:
        pid = conn.get_backend_pid()
        conn.close()
    with db.pooled(db_url) as conn:
        assert not conn.closed and conn.get_backend_pid() != pid
    db.close_pools()


def test_copy_columns_and_out_frame_round_trip_awkward_text(db_url):
    texts = ["tab\there", "new\nline", "back\\slash", "引号\"", None, "", "=1+1"]
    with db.transaction(db_url) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE t (k int, s text, f float8, b boolean)")
        db.copy_columns(cur, "t", {"k": pd.Series(range(7)), "s": pd.Series(texts, dtype=object),
                                   "f": pd.Series([0.5, None, 2, 3, 4, 5, float("nan")], dtype=float),
                                   "b": pd.Series([True, False, None, True, True, False, None], dtype=object)}, 7)
        out = db.copy_out_frame(cur, "SELECT k, s, f, b FROM t ORDER BY k", None,
                                {"k": "Int64", "s": str, "f": float, "b": bool})
    assert out.s.tolist()[:4] == texts[:4] and pd.isna(out.s[4]) and out.s[5] == "" and out.s[6] == "=1+1"
    assert out.f.isna().tolist() == [False, True, False, False, False, False, True]
    assert out.b.tolist()[:2] == [True, False] and pd.isna(out.b[2])


def test_copy_arrow_binary(db_url):
    data = pa.table({"k": pa.array([1, 2], pa.int32()), "s": pa.array(["一", None], pa.string())})
    with db.transaction(db_url) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE t (k int4, s text)")
        assert db.copy_arrow(cur, "t", data) == 2
        assert db.query_rows(conn, "SELECT k, s FROM t ORDER BY k") == [(1, "一"), (2, None)]


def test_rebuilt_indexes_put_back_keys_and_indexes(db_url):
    with db.transaction(db_url) as conn, conn.cursor() as cur:
        cur.execute("""CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p,
                       v text UNIQUE); CREATE INDEX c_v_lower ON c (lower(v))""")
        defs = "SELECT indexdef FROM pg_indexes WHERE tablename = 'c' ORDER BY indexname"
        cons = "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY 1"
        before = (db.query_rows(conn, defs), db.query_rows(conn, cons))
        cur.execute("INSERT INTO p VALUES (1)")
        with db.rebuilt_indexes(cur, "c", unique=True, foreign_keys=True):
            assert db.query_rows(conn, defs) == [] and db.query_rows(conn, cons) == []
            cur.execute("INSERT INTO c VALUES (1, 1, 'a')")
        assert (db.query_rows(conn, defs), db.query_rows(conn, cons)) == before
        with pytest.raises(Exception, match="foreign key"):
            with db.rebuilt_indexes(cur, "c", foreign_keys=True):
                cur.execute("INSERT INTO c VALUES (2, 99, 'b')")  # the key comes back and refuses the orphan


def test_metric_frame_is_read_without_being_written(db_url):
    with db.transaction(db_url) as conn, conn.cursor() as cur:
        assert db.metric_srid(conn) is None
        assert db.query_value(conn, "SELECT count(*) FROM meta WHERE key = 'metric_srid'") == 0
        assert db.record_metric_srid(cur, 101.9) == 4522  # Xinping's zone, recorded once
        assert db.record_metric_srid(cur, 120.0) == 4522
        assert db.metric_srid(cur) == 4522


def test_sql_files_load_by_name(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "one.sql").write_text("SELECT 1")
    files = db.SqlFiles(tmp_path / "mod.py")
    assert files("one") == "SELECT 1" and files.names() == ["one"]
    with pytest.raises(FileNotFoundError, match="two.sql"):
        files("two")
