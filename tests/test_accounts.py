"""Accounts: password hashes, masking, login slowing with an injected clock, sessions and tokens, the command line,
admin actions under row-level security, and SQL-looking names kept as plain text."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import psycopg2
import pytest

from accounts import masking, passwords, scoped, sessions, users
from accounts.ui import plain
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import PASSWORD, TOWN_A, VIL_A1, VIL_B1, make_users
from conftest import ROOT
from geo.settings import settings

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def test_password_is_stored_as_argon2id_and_verifies():
    h = passwords.hash_password("a long enough secret")
    assert h.startswith("$argon2id$") and "a long enough secret" not in h
    assert passwords.verify(h, "a long enough secret")
    assert not passwords.verify(h, "a long enough secreT")
    assert not passwords.verify(None, "anything at all")
    with pytest.raises(passwords.WeakPassword):
        passwords.hash_password("short")


def test_masking_python_and_sql_agree(conn):
    assert masking.mask_id("530102199001011234") == "5301**********1234"
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_phone("1234") == "****"
    assert masking.mask_id(None) is None
    with conn.cursor() as cur:
        cur.execute("SELECT acct_mask_id('530102199001011234'), acct_mask_phone('13812345678'), "
                    "acct_mask_phone('1234'), acct_mask_id(NULL)")
        assert cur.fetchone() == ("5301**********1234", "138****5678", "****", None)


def test_mask_frame_for_exports():
    import pandas as pd
    df = pd.DataFrame({"id": ["h1", "h2"], "id_number": ["530427199001011234", None],
                       "phone": ["13812345678", "13987654321"]})
    water = masking.mask_frame(df, "water_bureau")
    assert water["id_number"][0] == "5304**********1234" and pd.isna(water["id_number"][1])
    assert list(water["phone"]) == ["138****5678", "139****4321"]
    assert df.loc[0, "phone"] == "13812345678"  # the caller's frame is left alone
    assert masking.mask_frame(df, "county_planner") is df
    assert masking.mask_frame(df, None)["phone"][0] == "138****5678"  # no role: masked
    assert masking.mask_record({"phone": "13812345678", "id": "h1"}, "viewer") == {"phone": "138****5678", "id": "h1"}


def _attempt(db_url, login, password, at, client=None):
    from geo import db
    c = db.connect(db_url)
    try:
        return users.authenticate(c, login, password, client, now=at)
    finally:
        c.close()


def test_wrong_password_is_slowed_then_locked(db_url, conn):
    with conn.cursor() as cur:
        users.create_user(cur, "zhang", PASSWORD, "village_monitor", VIL_A1)
    conn.commit()
    free, base = settings.login_free_failures, settings.login_delay_base_s  # 3 free, then 2 s doubling
    t = T0
    for _ in range(free):  # the first failures cost nothing: each next attempt may come at once
        with pytest.raises(users.LoginFailed):
            _attempt(db_url, "zhang", "wrong password!", t)
        t += timedelta(milliseconds=10)
    t -= timedelta(milliseconds=10)
    with conn.cursor() as cur:
        state = users.throttle_state(cur, "zhang", None, t)
    assert state.failures == free and not state.locked
    assert state.next_allowed_at == t + timedelta(seconds=base)
    # too early: refused without checking, even with the right password, and not counted
    with pytest.raises(users.LoginThrottled) as err:
        _attempt(db_url, "zhang", PASSWORD, t + timedelta(seconds=base / 2))
    assert err.value.retry_after == pytest.approx(base / 2) and not err.value.locked
    t += timedelta(seconds=base)
    with pytest.raises(users.LoginFailed):
        _attempt(db_url, "ZHANG", "wrong password!", t)  # logins are case-insensitive
    with conn.cursor() as cur:  # the wait doubles
        assert users.throttle_state(cur, "zhang", None, t).next_allowed_at == t + timedelta(seconds=2 * base)
    # keep failing, each time just after the wait, until the lockout
    n = free + 1
    while n < settings.login_lockout_failures:
        t = t + timedelta(seconds=min(base * 2 ** (n - free), settings.login_delay_max_s))
        with pytest.raises(users.LoginThrottled):  # a moment before the wait is over
            _attempt(db_url, "zhang", "wrong password!", t - timedelta(milliseconds=100))
        with pytest.raises(users.LoginFailed):
            _attempt(db_url, "zhang", "wrong password!", t)
        n += 1
    with conn.cursor() as cur:
        state = users.throttle_state(cur, "zhang", None, t)
        cur.execute("SELECT count(*) FROM login_failures WHERE login = 'zhang'")
        assert cur.fetchone()[0] == settings.login_lockout_failures  # in the database, not in memory
    assert state.locked and state.next_allowed_at == t + timedelta(minutes=settings.login_lockout_minutes)
    with pytest.raises(users.LoginThrottled) as err:
        _attempt(db_url, "zhang", PASSWORD, t + timedelta(minutes=settings.login_lockout_minutes - 1))
    assert err.value.locked and err.value.retry_after == pytest.approx(60)
    # after the lockout the right password works and clears the count
    u = _attempt(db_url, "zhang", PASSWORD, t + timedelta(minutes=settings.login_lockout_minutes, seconds=1))
    assert u.login == "zhang" and u.role == "village_monitor"
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM login_failures WHERE login = 'zhang'")
        assert cur.fetchone()[0] == 0


def test_failures_from_one_address_slow_every_login_from_it(db_url):
    t = T0
    for i in range(settings.client_free_failures):  # spread over many logins, none reaching its own limit
        with pytest.raises(users.LoginFailed):
            _attempt(db_url, f"guess{i}", "wrong password!", t, client="203.0.113.9")
        t += timedelta(milliseconds=10)
    with pytest.raises(users.LoginThrottled):
        _attempt(db_url, "another", "wrong password!", t, client="203.0.113.9")
    with pytest.raises(users.LoginFailed):  # another address is not slowed
        _attempt(db_url, "another", "wrong password!", t, client="198.51.100.1")


def test_sessions_expire_are_revoked_and_die_with_a_password_reset(db_url, conn):
    with conn.cursor() as cur:
        u = users.create_user(cur, "li", PASSWORD, "township_officer", TOWN_A)
        t0 = datetime.now(timezone.utc) + timedelta(seconds=1)  # after the user's password was set
        web = sessions.create(cur, u, sessions.WEB, now=t0)
        api = sessions.create(cur, u, sessions.API, now=t0)
        cur.execute("SELECT token_sha256 FROM user_sessions ORDER BY kind")
        stored = {r[0] for r in cur.fetchall()}
        assert stored == {sessions.hash_token(web), sessions.hash_token(api)} and web not in stored
        assert sessions.user_for_token(cur, web, sessions.WEB, now=t0 + timedelta(hours=1)).id == u.id
        assert sessions.user_for_token(cur, web, sessions.API, now=t0) is None  # a web session is not an API token
        late = t0 + timedelta(hours=settings.session_hours, seconds=1)
        assert sessions.user_for_token(cur, web, sessions.WEB, now=late) is None
        assert sessions.user_for_token(cur, api, sessions.API, now=late).id == u.id
        assert sessions.user_for_token(cur, "dxa_not-a-token", now=t0) is None
        # role and scope changes apply to live tokens at once
        users.set_role_scope(cur, u.id, "viewer", VIL_B1)
        assert sessions.user_for_token(cur, api, now=t0).scope_code == VIL_B1
        assert sessions.revoke(cur, web)
        assert sessions.user_for_token(cur, web, now=t0) is None
    conn.commit()
    with conn.cursor() as cur:  # a reset voids tokens issued before it
        cur.execute("UPDATE user_sessions SET created_at = now() - interval '1 minute'")
        users.reset_password(cur, u.id, "a brand new password")
        assert sessions.user_for_token(cur, api) is None


def test_expired_sessions_are_purged_at_the_next_sign_in(db_url, conn):
    """Sessions and tokens that expired over a day ago, anyone's, go (one DELETE) whenever a new one is issued, so
    the table does not grow with every sign-in; one expired less than a day ago stays for the record."""
    with conn.cursor() as cur:
        u = users.create_user(cur, "zhao", PASSWORD, "viewer", VIL_A1)
        other = users.create_user(cur, "qian", PASSWORD, "viewer", VIL_A1)
        now = datetime.now(timezone.utc)
        old = sessions.create(cur, other, sessions.WEB, now=now - timedelta(days=3), ttl=timedelta(hours=1))
        recent = sessions.create(cur, u, sessions.API, now=now - timedelta(hours=3), ttl=timedelta(hours=1))
        cur.execute("SELECT count(*) FROM user_sessions WHERE token_sha256 = %s", (sessions.hash_token(old),))
        assert cur.fetchone()[0] == 0      # expired 70 hours before `recent` was issued
        live = sessions.create(cur, u, sessions.WEB, now=now)
        cur.execute("SELECT token_sha256 FROM user_sessions")
        assert {r[0] for r in cur.fetchall()} == {sessions.hash_token(recent), sessions.hash_token(live)}
        assert sessions.create(cur, u, sessions.WEB, now=now + timedelta(days=2))
        cur.execute("SELECT count(*) FROM user_sessions WHERE token_sha256 = %s", (sessions.hash_token(recent),))
        assert cur.fetchone()[0] == 0


def test_only_admins_manage_users_even_past_python(db_url, conn):
    made = make_users(conn)
    town = made["town_a"]
    with pytest.raises(users.NotAllowed):
        with scoped.scoped_transaction(town) as c, c.cursor() as cur:
            users.create_user(cur, "sneaky", PASSWORD, "admin", None, by=town)
    # past Python's check, the database's own (acct_user_create asks who is calling) refuses; straight SQL as the
    # app role has no write on users at all (issue 12)
    with pytest.raises(users.NotAllowed):
        with scoped.scoped_transaction(town) as c, c.cursor() as cur:
            users.create_user(cur, "sneaky", PASSWORD, "admin", None)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        with scoped.scoped_transaction(town) as c, c.cursor() as cur:
            cur.execute("UPDATE users SET role = 'admin' WHERE id = %s", (town.id,))
    with scoped.scoped_transaction(town) as c, c.cursor() as cur:
        assert [u.login for u in users.list_users(cur)] == ["town_a"]  # sees only their own row
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT password_hash FROM users")
    # an admin (of everything) manages anyone, under the same policies
    admin = made["admin"]
    with scoped.scoped_transaction(admin) as c, c.cursor() as cur:
        new = users.create_user(cur, "wang", PASSWORD, "village_monitor", VIL_B1, "王五", by=admin)
        moved = users.set_role_scope(cur, new.id, "township_officer", TOWN_A, by=admin)
        assert (moved.role, moved.scope_code) == ("township_officer", TOWN_A)
        users.reset_password(cur, new.id, "another long password", by=admin)
        assert len(users.list_users(cur)) == 8
    with pytest.raises(users.AccountError, match="12 digits"):
        with scoped.scoped_transaction(admin) as c, c.cursor() as cur:
            users.create_user(cur, "bad", PASSWORD, "viewer", "5304", by=admin)


def test_sql_looking_names_are_plain_text(db_url, conn):
    from geo import db
    evil = "x'); DROP TABLE households; --"
    name = "<script>alert(1)</script> **bold** [link](http://evil)"
    with conn.cursor() as cur:
        u = users.create_user(cur, evil, PASSWORD, "viewer", VIL_A1, name)
    conn.commit()
    assert (u.login, u.display_name) == (evil, name)
    c = db.connect(db_url)
    try:
        assert users.authenticate(c, evil, PASSWORD).id == u.id
    finally:
        c.close()
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('households') IS NOT NULL, login, display_name FROM users WHERE id = %s",
                    (u.id,))
        assert cur.fetchone() == (True, evil, name)
        assert users.find_user(cur, evil).id == u.id
    shown = plain(name)
    assert "<script>" not in shown and "[link](" not in shown and "\\<script\\>" in shown


def _cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "accounts", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def test_first_admin_from_the_command_line(db_url, conn):
    r = _cli("create-admin", "--login", "root", "--display-name", "管理员", "--password-stdin",
             stdin="first admin password\n")
    assert r.returncode == 0, r.stderr
    assert "created admin 'root'" in r.stdout
    again = _cli("create-admin", "--login", "ROOT", "--password-stdin", stdin="first admin password\n")
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "taken" in again.stderr
    weak = _cli("create-user", "--login", "m1", "--role", "village_monitor", "--scope", VIL_A1, "--password-stdin",
                stdin="short\n")
    assert weak.returncode == 2 and "too short" in weak.stderr
    with conn.cursor() as cur:
        cur.execute("SELECT role, scope_code, password_hash LIKE '$argon2id$%%' FROM users")
        assert cur.fetchall() == [("admin", None, True)]
    assert users.authenticate(conn, "root", "first admin password").role == "admin"
    tok = _cli("issue-token", "--login", "root")
    assert tok.returncode == 0 and tok.stdout.startswith("dxa_")
    with conn.cursor() as cur:
        assert sessions.user_for_token(cur, tok.stdout.strip(), sessions.API).login == "root"


def test_a_county_admin_cannot_see_but_cannot_reuse_a_login_elsewhere(db_url, conn):
    made = make_users(conn)
    with conn.cursor() as cur:
        county_admin = users.create_user(cur, "county-admin", PASSWORD, "admin", "530427000000")
        users.create_user(cur, "elsewhere", PASSWORD, "viewer", "530428000000")  # another county
    conn.commit()
    with scoped.scoped_transaction(county_admin) as c, c.cursor() as cur:
        assert users.find_user(cur, "elsewhere") is None
        assert users.find_user(cur, "mon_a1").id == made["mon_a1"].id
        with pytest.raises(users.AccountError, match="taken"):
            users.create_user(cur, "Elsewhere", PASSWORD, "viewer", VIL_A1, by=county_admin)
        # the transaction goes on after the refusal
        assert users.create_user(cur, "fresh", PASSWORD, "viewer", VIL_A1, by=county_admin).login == "fresh"
        with pytest.raises(users.NotAllowed):  # nor can it make an admin of everything (the database refuses)
            users.create_user(cur, "super", PASSWORD, "admin", None, by=county_admin)
