"""Row-level security in the real PostGIS: who sees which households, water sources and personal fields, through
the data layer (accounts.scoped) and through raw SQL under the app's database role."""
from __future__ import annotations

import psycopg2
import pytest

from accounts import scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import HOUSEHOLDS, load_county, make_users


@pytest.fixture
def county(db_url, conn):
    load_county(conn)
    return make_users(conn)


def ids(user, query, params=None):
    with scoped.scoped_transaction(user) as c, c.cursor() as cur:
        cur.execute(query, params)
        return sorted(r[0] for r in cur.fetchall())


def test_village_monitor_sees_only_their_village(county):
    mon = county["mon_a1"]
    # the data layer's one-liner, and raw SQL under the app role, without any filter of their own
    assert sorted(scoped.fetch_df(mon, "SELECT id FROM households_v")["id"]) == ["h1", "h2"]
    assert ids(mon, "SELECT id FROM households") == ["h1", "h2"]
    # asking for another village's household by its id finds nothing
    assert ids(mon, "SELECT id FROM households WHERE id = %s", ("h4",)) == []
    assert ids(mon, "SELECT id FROM households_v WHERE natural_village_id IN ('nv2', 'nv3')") == []
    assert ids(mon, "SELECT id FROM houses") == ["house-h1", "house-h2"]
    assert ids(county["mon_b1"], "SELECT id FROM households") == ["h4"]


def test_monitor_cannot_change_or_add_outside_scope(county, conn):
    mon = county["mon_a1"]
    with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
        cur.execute("UPDATE households SET members = 7")
        assert cur.rowcount == 2
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM households WHERE members = 7 ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == ["h1", "h2"]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        with scoped.scoped_transaction(mon) as c, c.cursor() as cur:
            cur.execute("INSERT INTO households (id, natural_village_id, geom, geom_m) "
                        "SELECT 'x9', 'nv3', geom, geom_m FROM households WHERE id = 'h1'")


def test_township_officer_sees_their_township(county):
    town = county["town_a"]
    assert ids(town, "SELECT id FROM households") == ["h1", "h2", "h3"]
    assert ids(town, "SELECT id FROM natural_villages") == ["nv1", "nv2"]
    # w3 has no village code: it belongs to the county, which a township officer does not cover
    assert ids(town, "SELECT id FROM water_sources") == ["w1"]
    assert ids(county["planner"], "SELECT id FROM households") == ["h1", "h2", "h3", "h4"]
    assert ids(county["planner"], "SELECT id FROM water_sources") == ["w1", "w2", "w3"]
    assert ids(county["admin"], "SELECT id FROM households") == ["h1", "h2", "h3", "h4"]


def test_water_bureau_sees_water_county_wide_but_no_personal_fields(county):
    water = county["water_a"]  # scope: township A
    assert ids(water, "SELECT id FROM water_sources") == ["w1", "w2", "w3"]
    assert ids(water, "SELECT id FROM households") == ["h1", "h2", "h3"]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        ids(water, "SELECT id_number FROM households")
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        ids(water, "SELECT phone FROM households WHERE id = 'h1'")
    df = scoped.fetch_df(water, "SELECT id, id_number, phone, head_name FROM households_v ORDER BY id")
    assert df.loc[0, "id_number"] == "5304**********1234"
    assert df.loc[0, "phone"] == "138****5678"
    assert df.loc[0, "head_name"] == "户主h1"
    # the water bureau changes water sources, not households
    with scoped.scoped_transaction(water) as c, c.cursor() as cur:
        cur.execute("UPDATE water_sources SET status = 'failed' WHERE id = 'w2'")
        assert cur.rowcount == 1
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        ids(water, "UPDATE households SET members = 3 WHERE id = 'h1' RETURNING id")


def test_roles_that_need_personal_fields_see_them_in_clear(county):
    df = scoped.fetch_df(county["mon_a1"], "SELECT id, id_number, phone FROM households_v ORDER BY id")
    assert list(df["id_number"]) == [HOUSEHOLDS["h1"][2], HOUSEHOLDS["h2"][2]]
    assert list(df["phone"]) == [HOUSEHOLDS["h1"][3], HOUSEHOLDS["h2"][3]]
    viewer = scoped.fetch_df(county["viewer"], "SELECT id, id_number, phone FROM households_v ORDER BY id")
    assert list(viewer["id"]) == ["h1", "h2", "h3", "h4"]
    assert list(viewer["phone"]) == ["138****5678", "139****4321", "137****2222", "136****4444"]


def test_viewer_cannot_write(county, conn):
    with scoped.scoped_transaction(county["viewer"]) as c, c.cursor() as cur:
        cur.execute("DELETE FROM water_sources")
        assert cur.rowcount == 0
    for statement in ("UPDATE households SET members = 5", "DELETE FROM households"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
            with scoped.scoped_transaction(county["viewer"]) as c, c.cursor() as cur:
                cur.execute(statement)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM water_sources")
        assert cur.fetchone()[0] == 3


def test_app_role_without_a_user_sees_nothing(county, db_url):
    """A connection that switched to the app role but set no user fails closed."""
    with psycopg2.connect(db_url, options="-c search_path=dixian,public") as c, c.cursor() as cur:
        cur.execute("SET LOCAL ROLE dixian_app")
        cur.execute("SELECT count(*) FROM households")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM households_v")
        assert cur.fetchone()[0] == 0
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT count(*) FROM user_sessions")


def test_settings_end_with_the_transaction(county, db_url):
    """On a pooled connection, the role and scope of one user's transaction do not leak into the next."""
    from geo import db
    c = db.connect(db_url)
    try:
        with scoped.scoped_transaction(county["mon_a1"], conn=c) as cc, cc.cursor() as cur:
            cur.execute("SELECT current_user, acct_role()")
            assert cur.fetchone() == ("dixian_app", "village_monitor")
        with c.cursor() as cur:
            cur.execute("SELECT current_user = session_user, acct_role()")
            assert cur.fetchone() == (True, None)
        c.rollback()
    finally:
        c.close()


def test_connect_as_keeps_the_user_for_the_connection(county):
    c = scoped.connect_as(county["town_a"])
    try:
        for _ in range(2):  # across commits
            with c.cursor() as cur:
                cur.execute("SELECT id FROM households ORDER BY id")
                assert [r[0] for r in cur.fetchall()] == ["h1", "h2", "h3"]
            c.commit()
    finally:
        c.close()


def test_a_pooled_connection_as_a_user_comes_back_holding_nothing(county, db_url):
    """The field API's per-request connection (pooled_as): the user, with row-level security, for every
    transaction while borrowed, even across commits; given back with no role, scope or user left on it — the app's
    login role itself, which reads nothing (issue 12)."""
    from geo import db
    from geo.settings import settings
    with scoped.pooled_as(county["mon_a1"]) as c:
        pid = c.get_backend_pid()
        for _ in range(2):
            with c.cursor() as cur:
                cur.execute("SELECT current_user, acct_user_login(), array_agg(id ORDER BY id) FROM households")
                assert cur.fetchone() == ("dixian_app", "mon_a1", ["h1", "h2"])
            c.commit()
    with db.pooled(settings.app_url()) as c, c.cursor() as cur:
        assert c.get_backend_pid() == pid  # the same connection, reused
        cur.execute("SELECT current_user = session_user, current_user")
        assert cur.fetchone() == (True, settings.app_login_role)
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(f"SELECT count(*) FROM {settings.schema}.households")
        c.rollback()
        cur.execute("SET ROLE dixian_app")  # the role it may take, but as nobody
        cur.execute(f"SELECT acct_user_login(), acct_my_scope(), count(*) FROM {settings.schema}.households")
        assert cur.fetchone() == (None, None, 0)
    db.close_pools()


def test_the_planners_map_layer_shows_a_monitor_only_their_village(county, conn):
    """The map's own tiles (layers/sql/tile_risk_households.sql, whole-county filters, every tile of the area at
    street zoom) on a connection as the user."""
    import mapbox_vector_tile
    from layers import mapview, tiles
    from layers.base import Filters
    with conn.cursor() as cur:
        cur.execute("UPDATE households SET category = 'unstable'")
        cur.execute("SELECT mon_import_cases()")   # monitored households are open cases (monitoring), as imported
        cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM households) x")
        west, south, east, north = cur.fetchone()
    conn.commit()
    layer = mapview.TILES["risk_households"]
    for who, expected in (("mon_a1", ["h1", "h2"]), ("town_a", ["h1", "h2", "h3"]), ("planner", list(HOUSEHOLDS))):
        c = scoped.connect_as(county[who])
        try:
            seen = set()
            for z, x, y in tiles.covering(west, south, east, north, 16):
                data = tiles.tile(c, layer, z, x, y, Filters())
                c.commit()
                seen |= {f["properties"]["id"] for f in
                         (mapbox_vector_tile.decode(data).get(layer.name, {}).get("features", []) if data else [])}
            assert sorted(seen) == expected, who
        finally:
            c.close()


def test_water_results_county_wide_for_the_water_bureau(county, conn):
    with conn.cursor() as cur:
        for nv in ("nv1", "nv3"):
            cur.execute("INSERT INTO water_results (rule_set, rule_version, subject, subject_id, natural_village_id) "
                        "VALUES ('national-2018', 1, 'natural_village', %s, %s)", (nv, nv))
            cur.execute("INSERT INTO road_results (rule_set, rule_version, natural_village_id) "
                        "VALUES ('national-2018', 1, %s)", (nv,))
    conn.commit()
    assert ids(county["water_a"], "SELECT subject_id FROM water_results") == ["nv1", "nv3"]
    assert ids(county["town_a"], "SELECT subject_id FROM water_results") == ["nv1"]
    assert ids(county["town_a"], "SELECT natural_village_id FROM road_results") == ["nv1"]
    assert ids(county["mon_b1"], "SELECT natural_village_id FROM road_results") == ["nv3"]


def test_inspections_follow_the_inspected_village(county, conn):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO inspectors (name, role, scope_code) VALUES ('巡查员', 'village', %s) RETURNING id",
                    ("530427200201",))
        inspector = cur.fetchone()[0]
        for n, (target, code) in enumerate((("h1", "530427100201"), ("h4", "530427200201"))):
            cur.execute("""INSERT INTO inspections (id, kind, target_kind, target_id, village_code, inspector_id,
                                                    result, started_at, submitted_at, geom, geom_m)
                           SELECT %s, 'household_visit', 'household', id, %s, %s, 'pass', now(), now(), geom, geom_m
                           FROM households WHERE id = %s""",
                        (f"00000000-0000-0000-0000-00000000000{n}", code, inspector, target))
    conn.commit()
    assert ids(county["mon_a1"], "SELECT target_id FROM inspections") == ["h1"]
    assert ids(county["mon_b1"], "SELECT target_id FROM inspections") == ["h4"]
    assert ids(county["mon_a1"], "SELECT target_id FROM inspection_targets WHERE target_kind = 'household'") == \
        ["h1", "h2"]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):  # token hashes are no business of the app role
        ids(county["mon_a1"], "SELECT token_sha256 FROM inspector_tokens")
