"""The login form and the admin page, run by Streamlit's AppTest against the real database."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from accounts import users
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import PASSWORD, VIL_A1, make_users
from conftest import ROOT

PAGE = str(ROOT / "views" / "admin.py")


def _login(at, login, password=PASSWORD):
    at.text_input[0].input(login)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run(timeout=30)


def test_admin_signs_in_creates_a_user_and_sees_the_audit_log(db_url, conn):
    made = make_users(conn)
    with conn.cursor() as cur:  # the fixture's users need no password change; this one would
        cur.execute("UPDATE users SET must_change_password = false")
    conn.commit()
    at = AppTest.from_file(PAGE, default_timeout=30).run()
    assert [t.label for t in at.text_input] == ["登录名 Login", "密码 Password"]
    at = _login(at, "admin", "wrong password here")
    assert "登录名或密码错误" in at.error[0].value
    at = _login(at, "admin")
    assert not at.exception
    assert at.header[0].value.startswith("用户与权限")
    users_table = at.dataframe[0].value
    assert len(users_table) == len(made)
    # the new-user form (second tab): a name that looks like SQL is stored and shown as it is
    evil = "o'neil; DROP TABLE users;--"
    new_login = [t for t in at.text_input if t.label == "登录名 Login"][0]
    new_login.input(evil)
    [t for t in at.text_input if t.label == "范围（12 位区划代码）Scope (12-digit code)"][-1].input(VIL_A1)
    [t for t in at.text_input if t.label == "初始密码 Initial password"][0].input("initial password 1")
    [b for b in at.button if b.label == "创建 Create"][0].click()
    at = at.run()
    assert not at.error, [e.value for e in at.error]
    with conn.cursor() as cur:
        u = users.find_user(cur, evil)
    assert u is not None and u.role == "village_monitor" and u.scope_code == VIL_A1 and u.must_change_password
    audit_rows = at.dataframe[1].value
    assert "users" in set(audit_rows["table_name"])


def test_a_non_admin_is_turned_away(db_url, conn):
    make_users(conn)
    with conn.cursor() as cur:
        cur.execute("UPDATE users SET must_change_password = false")
    conn.commit()
    at = _login(AppTest.from_file(PAGE, default_timeout=30).run(), "mon_a1")
    assert "仅管理员可访问" in at.error[0].value
    assert len(at.dataframe) == 0


def _count_page():
    import streamlit as st

    from accounts.ui import user_connection
    with user_connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM households")
        st.metric("households", cur.fetchone()[0])


def test_a_page_reads_through_the_signed_in_users_connection(db_url, conn):
    from accounts import sessions
    from accounts_fixtures import load_county
    load_county(conn)
    made = make_users(conn)
    at = AppTest.from_function(_count_page, default_timeout=30).run()
    assert len(at.metric) == 0 and at.text_input[0].label == "登录名 Login"  # no user: the login form
    for who, n in (("mon_a1", 2), ("town_a", 3), ("planner", 4)):
        with conn.cursor() as cur:
            cur.execute("UPDATE users SET must_change_password = false")
            token = sessions.create(cur, made[who], sessions.WEB)
        conn.commit()
        at = AppTest.from_function(_count_page, default_timeout=30)
        at.session_state["dixian_session_token"] = token
        at.run()
        assert at.metric[0].value == str(n), who
