"""Issue 12, the database's side, tried as an attacker would: on the embedded cluster (a real PostgreSQL) nobody
logs in over TCP without a password, the owner is no superuser, and the app's own login holds nothing once it
leaves the app role."""
import os
import stat
import subprocess
import sys

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn

from geo.settings import settings

from accounts_fixtures import fast_hashing, load_county, make_users  # noqa: F401 (fixture)
from inspections_world import photo_dir  # noqa: F401 (fixture)
from conftest import ROOT


def _tcp(user: str, dbname: str = "postgres", **extra):
    return psycopg2.connect(host="127.0.0.1", port=settings.pg_port, user=user, dbname=dbname,
                            passfile="/dev/null", connect_timeout=5, **extra)


@pytest.mark.parametrize("user", ["superuser", "owner", "app"])
def test_no_login_over_tcp_without_the_password(pg_server, user):
    """Every role, the bootstrap superuser first, is refused over TCP without its password (and the superuser with
    any password: it has none, it is reached only by peer on the cluster's own socket)."""
    name = {"superuser": settings.pg_os_user, "owner": settings.pg_owner_role, "app": settings.app_login_role}[user]
    with pytest.raises(psycopg2.OperationalError) as err:
        _tcp(name).close()
    assert "password" in str(err.value)
    with pytest.raises(psycopg2.OperationalError):
        _tcp(name, password="guess").close()


def test_the_password_file_is_its_owners_alone(pg_server):
    mode = stat.S_IMODE(settings.pgpass.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(settings.pgpass.parent.stat().st_mode) == 0o700
    assert "password" not in parse_dsn(settings.url) and "password" not in parse_dsn(settings.app_url())


def test_owner_and_app_login_are_neither_superusers_nor_bypass_security(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolinherit FROM pg_roles "
                    "WHERE rolname = ANY (%s) ORDER BY rolname",
                    ([settings.pg_owner_role, settings.app_login_role, settings.app_db_role,
                      settings.app_db_role_masked],))
        roles = {r[0]: r[1:] for r in cur.fetchall()}
        assert all(not sup and not bypass and not createrole for sup, bypass, createrole, _ in roles.values())
        assert roles[settings.app_login_role][3] is False  # NOINHERIT: nothing of the app roles without SET ROLE
        cur.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
        assert cur.fetchone() == (settings.pg_owner_role, False)
        # The owner can run no program on the server.
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("COPY (SELECT 1) TO PROGRAM 'true'")
    conn.rollback()


def test_the_app_login_owns_nothing(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)",
                    (settings.app_login_role,))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)",
                    (settings.schema, settings.pg_owner_role))
        assert cur.fetchone()[0] == 0  # the owner owns every table, view and sequence of the schema


@pytest.fixture
def county(db_url, conn):
    load_county(conn)
    return make_users(conn)


def test_reset_role_from_the_apps_connection_leads_nowhere(county, db_url):
    from accounts import scoped
    c = scoped.connect_as(county["mon_a1"])
    try:
        with c.cursor() as cur:
            cur.execute("SELECT count(*) FROM households")
            assert cur.fetchone()[0] == 2
            cur.execute("RESET ROLE")
            cur.execute("SELECT current_user, session_user")
            assert cur.fetchone() == (settings.app_login_role, settings.app_login_role)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"SELECT count(*) FROM {settings.schema}.households")
    finally:
        c.close()


def test_db_url_prints_the_owners_and_the_apps_connection(pg_server):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    urls = {}
    for flag in ([], ["--app"]):
        out = subprocess.run([sys.executable, "-m", "geo", "db", "url", *flag], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        urls[bool(flag)] = out.stdout.strip()
    for app, role in ((False, settings.pg_owner_role), (True, settings.app_login_role)):
        c = psycopg2.connect(urls[app])
        with c.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone()[0] == role
        c.close()


# --- item 2: an identity the database trusts ---------------------------------------------------------------------

def _count(cur, table: str = "households") -> int:
    cur.execute(f"SELECT count(*) FROM {settings.schema}.{table}")
    return cur.fetchone()[0]


def test_set_config_of_identity_settings_changes_nothing(county):
    """The old identity settings, set by the app's own connection to an admin of everything, change neither what the
    user sees nor who the database thinks they are."""
    from accounts import scoped
    c = scoped.connect_as(county["mon_a1"])
    try:
        with c.cursor() as cur:
            assert _count(cur) == 2
            cur.execute("SELECT set_config('dixian.user_id', %s, false), set_config('dixian.user_role', 'admin', false),"
                        " set_config('dixian.user_scope', '*', false), set_config('dixian.scope_prefix', '*', false),"
                        " set_config('dixian.user_login', 'admin', false)", (str(county["admin"].id),))
            assert _count(cur) == 2
            cur.execute("SELECT acct_user_id(), acct_role(), acct_in_scope('530427200201')")
            assert cur.fetchone() == (county["mon_a1"].id, "village_monitor", False)
            # Nor can it write the record of who it is.
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("UPDATE acct_identity SET role = 'admin', scope_prefix = '*'")
        c.rollback()
        with c.cursor() as cur:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("SELECT acct_vouch(pg_backend_pid(), %s)", (county["admin"].id,))
        c.rollback()
        with c.cursor() as cur:
            assert _count(cur) == 2
    finally:
        c.close()


def test_a_masked_user_setting_the_unmasked_role_has_no_identity(county):
    """The water bureau's connection runs as the masked role; SET ROLE to the role that reads ID numbers (its login
    may) leaves it with no identity, so nothing is in its scope."""
    from accounts import scoped
    c = scoped.connect_as(county["water_a"])
    try:
        with c.cursor() as cur:
            cur.execute("SELECT current_user")
            assert cur.fetchone()[0] == settings.app_db_role_masked
            assert _count(cur, "water_sources") >= 1
            cur.execute(f"SET ROLE {settings.app_db_role}")
            assert _count(cur) == 0 and _count(cur, "water_sources") == 0
            cur.execute("SELECT acct_user_id(), acct_role()")
            assert cur.fetchone() == (None, None)
    finally:
        c.close()


def test_update_users_from_the_app_role_is_refused(county):
    """Not even an admin's connection writes users directly; admin work goes through acct_user_update, which checks
    the caller: a township officer may not, a township's admin only in its township."""
    from accounts import scoped, users
    from accounts_fixtures import TOWN_B
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("UPDATE users SET role = 'admin' WHERE login = 'mon_a1'")
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("INSERT INTO users (login, role, password_hash) VALUES ('x', 'admin', 'x')")
    with scoped.scoped_transaction(county["town_a"]) as c, c.cursor() as cur:
        cur.execute("SELECT acct_user_update(%s, true, 'admin', NULL, NULL, NULL, NULL)", (county["town_a"].id,))
        assert cur.fetchone()[0] is False
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        town_admin = users.create_user(cur, "town_a_admin", "correct horse battery", "admin", "530427100000")
    with scoped.scoped_transaction(town_admin) as c, c.cursor() as cur:
        with pytest.raises(users.AccountError):
            users.set_active(cur, county["mon_b1"].id, False, by=town_admin)  # the other township's
        assert users.set_active(cur, county["mon_a1"].id, False, by=town_admin).active is False
        with pytest.raises(users.NotAllowed):
            users.create_user(cur, "outsider", "correct horse battery", "viewer", TOWN_B, by=town_admin)


def test_a_forged_token_gets_no_identity(county, db_url):
    """acct_begin with a made-up token, a token of another kind, or a must-change account's API token: no identity,
    so the app role sees nothing; a real token of the right kind is the user."""
    from accounts import sessions, users
    from conftest import session_token
    from geo import db
    real_web = session_token(county["mon_a1"], "web")
    real_api = session_token(county["mon_a1"], "api")
    owner = db.connect(db_url)
    with owner, owner.cursor() as cur:
        must = users.create_user(cur, "must_change", "correct horse battery", "village_monitor", "530427100201",
                                 must_change_password=True)
        must_api = sessions.create(cur, must, "api")
        must_web = sessions.create(cur, must, "web")
    owner.close()
    c = psycopg2.connect(settings.app_url(db_url), options=f"-c search_path={settings.schema},public")
    c.autocommit = True
    try:
        with c.cursor() as cur:
            for token, kind in [("dxs_" + "A" * 43, "web"), (real_web[:-1] + "x", "web"), (real_web, "api"),
                                (real_api, "odk"), (must_api, "api"), ("", "web"), (None, "web")]:
                cur.execute("SELECT acct_begin(%s, %s)", (token, kind))
                assert cur.fetchone()[0] is None, (token, kind)
                cur.execute(f"SET ROLE {settings.app_db_role}")
                assert _count(cur) == 0
                cur.execute("RESET ROLE")
            for token, kind in [(real_web, "web"), (real_api, "api"), (must_web, "web")]:
                cur.execute("SELECT acct_begin(%s, %s)", (token, kind))
                assert cur.fetchone()[0] == settings.app_db_role
                cur.execute(f"SET ROLE {settings.app_db_role}")
                assert _count(cur) == 2
                cur.execute("RESET ROLE")
            cur.execute("SELECT acct_end()")
            cur.execute(f"SET ROLE {settings.app_db_role}")
            assert _count(cur) == 0
    finally:
        c.close()


def test_a_pooled_connection_does_not_pass_one_requests_identity_to_the_next(county, db_url):
    from accounts import scoped
    from geo import db
    from conftest import session_token
    from accounts import sessions
    owner = db.connect(db_url)
    with owner, owner.cursor() as cur:
        user = sessions.user_for_token(cur, session_token(county["mon_a1"], "api"), sessions.API)
    owner.close()
    assert user.token
    with scoped.pooled_as(user) as c, c.cursor() as cur:
        pid = c.get_backend_pid()
        assert _count(cur) == 2
    with db.pooled(settings.app_url()) as c, c.cursor() as cur:
        assert c.get_backend_pid() == pid
        cur.execute(f"SET ROLE {settings.app_db_role}")
        assert _count(cur) == 0
    db.close_pools()


# --- item 3: an audit log that holds ------------------------------------------------------------------------------

def test_a_temporary_table_named_like_the_audit_table_shadows_nothing(county, conn):
    """The app's connection makes temporary tables named audit_log and acct_identity (it may: waterplan's scenarios
    use temporary views), then changes a household: the change is in the real log, attributed to the real user, and
    the fake identity table changes nobody's scope."""
    from accounts import scoped
    mon = county["mon_a1"]
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        cur.execute("CREATE TEMP TABLE audit_log (LIKE dixian.audit_log)")
        cur.execute("CREATE TEMP TABLE acct_identity AS SELECT pg_backend_pid() AS pid, NULL::xid8 AS xact, "
                    "%s::bigint AS user_id, 'admin'::text AS login, 'admin'::text AS role, NULL::text AS scope_code, "
                    "'*'::text AS scope_prefix, current_user::text AS db_role", (county["admin"].id,))
        cur.execute("CREATE FUNCTION pg_temp.acct_user_id() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'")
        assert _count(cur) == 2
        cur.execute("SELECT acct_role(), acct_user_id()")
        assert cur.fetchone() == ("village_monitor", mon.id)
        cur.execute("UPDATE households SET members = 9 WHERE id = 'h1'")
        cur.execute("SELECT count(*) FROM pg_temp.audit_log")
        assert cur.fetchone()[0] == 0
    with conn.cursor() as cur:
        cur.execute("SELECT user_id, user_login, after ->> 'members' FROM audit_log WHERE table_name = 'households' "
                    "AND op = 'UPDATE' AND row_key = 'h1'")
        assert cur.fetchall() == [(mon.id, "mon_a1", "9")]


def test_the_app_roles_cannot_create_objects_in_the_schemas(county):
    from accounts import scoped
    for schema in ("public", settings.schema):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
                cur.execute(f"CREATE TABLE {schema}.audit_log_shadow (x int)")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
                cur.execute(f"CREATE FUNCTION {schema}.acct_role() RETURNS text LANGUAGE sql AS $$ SELECT 'admin' $$")


def test_the_log_is_attributed_by_the_database_and_keeps_no_numbers_in_clear(county, conn):
    """A change of a household's phone and ID number: the log names the identity the database checked (not the job
    label the connection sets), and keeps both numbers as keyed hashes the app can neither read the key of nor
    compute."""
    from accounts import scoped
    mon = county["mon_a1"]
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        cur.execute("SELECT set_config('dixian.user_login', 'someone else', true), "
                    "set_config('dixian.audit_bulk', 'summary', true)")
        cur.execute("UPDATE households SET phone = '13900001111', id_number = '530427200001011111' WHERE id = 'h2'")
        cur.execute("DELETE FROM houses WHERE id = 'house-h1'")  # not summarised: only the owner's jobs may ask
        for attempt in ("SELECT * FROM acct_audit_key", "SELECT acct_pseudonym('13900001111')"):
            cur.execute("SAVEPOINT s")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(attempt)
            cur.execute("ROLLBACK TO SAVEPOINT s")
    with conn.cursor() as cur:
        cur.execute("SELECT user_login, before::text, after::text, scope_code FROM audit_log "
                    "WHERE table_name = 'households' AND row_key = 'h2' AND op = 'UPDATE'")
        (login, before, after, scope), = cur.fetchall()
        cur.execute("SELECT acct_pseudonym('13900001111')")
        phone_hash = cur.fetchone()[0]
    assert login == "mon_a1" and scope == "530427100201"
    with conn.cursor() as cur:
        cur.execute("SELECT row_key, user_login, before ? 'summary' FROM audit_log WHERE table_name = 'houses' "
                    "AND op = 'DELETE'")
        assert cur.fetchall() == [("house-h1", "mon_a1", False)]
    for clear in ("13900001111", "530427200001011111", "13987654321", "530427198502025678"):
        assert clear not in before + after
    assert phone_hash.startswith("hmac:") and phone_hash in after  # the same number is the same hash


def test_the_log_is_read_by_scope(county, conn):
    """A township's admin reads the changes of its township, not the other's; a county's admin both."""
    from accounts import audit, scoped, users
    from accounts_fixtures import TOWN_A
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        town_admin = users.create_user(cur, "town_a_admin", "correct horse battery", "admin", TOWN_A,
                                       by=county["admin"])
        cur.execute("UPDATE households SET members = 7 WHERE id IN ('h1', 'h4')")
    with scoped.scoped_transaction(town_admin) as c, c.cursor() as cur:
        seen = {r["row_key"] for r in audit.recent_changes(cur, table="households") if r["op"] == "UPDATE"}
    assert seen == {"h1"}
    with scoped.scoped_transaction(county["admin"]) as c, c.cursor() as cur:
        seen = {r["row_key"] for r in audit.recent_changes(cur, table="households") if r["op"] == "UPDATE"}
    assert seen == {"h1", "h4"}


def test_the_review_chain_goes_through_the_database_as_the_caller(conn, photo_dir):
    """The app role neither writes review_log nor sets review_state; insp_review takes the step as the caller the
    database knows, whatever actor the call names, and refuses a step the caller's role may not take."""
    import inspections_world as w
    from accounts import scoped, users
    from inspections import auth, records
    w.load(conn)
    people = w.people(conn)
    iid = records.submit(conn, people["insp"], w.submission("H1", w.H1, answers=w.household_answers(True)), []).id
    with conn.cursor() as cur:
        monitor = users.create_user(cur, "v1_monitor", "correct horse battery", "village_monitor", w.V1)
        mine = auth.for_user(cur, monitor).id
    conn.commit()
    for statement, params in [("UPDATE inspections SET review_state = 'county_confirmed' WHERE id = %s", (iid,)),
                              ("INSERT INTO review_log (inspection_id, actor_id, actor_role, to_state) "
                               "VALUES (%s, %s, 'county', 'county_confirmed')", (iid, people["county"].id))]:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with scoped.scoped_transaction(monitor) as c, c.cursor() as cur:
                cur.execute(statement, params)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):  # a village's monitor cannot confirm for the county
        with scoped.scoped_transaction(monitor) as c, c.cursor() as cur:
            cur.execute("SELECT insp_review(%s, 'county_confirmed', NULL, %s, 'county')", (iid, people["county"].id))
    with scoped.scoped_transaction(monitor) as c, c.cursor() as cur:
        cur.execute("SELECT insp_review(%s, 'village_verified', NULL, %s, 'county')", (iid, people["county"].id))
    with conn.cursor() as cur:
        cur.execute("SELECT actor_id, actor_role, to_state FROM review_log WHERE inspection_id = %s ORDER BY id",
                    (iid,))
        assert cur.fetchall() == [(people["insp"].id, "inspector", "submitted"), (mine, "village", "village_verified")]
    conn.rollback()
