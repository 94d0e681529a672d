"""Accounts wired in end to end, on the hand-built county of accounts_fixtures: a village monitor's ledger page, map
and field API see only their village; a masked role's ledger and export carry no personal numbers and the export is
logged; the app's pages and the API refuse anyone not signed in."""
from __future__ import annotations

import csv

from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from accounts.exports import export_layer as export_as
from accounts.scoped import connect_as
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import HOUSEHOLDS, TOWN_A, VIL_A1, load_county, make_users
from conftest import ROOT, SESSION_KEY, session_token
from geo import headers
from geo.export import export_layer
from inspections import api
from layers import mapview
from layers.base import Filters

LEDGERS = str(ROOT / "views" / "ledgers.py")
CLEAR_IDS = {idn for _, _, idn, _ in HOUSEHOLDS.values()}
CLEAR_PHONES = {ph for _, _, _, ph in HOUSEHOLDS.values()}


def _ledger(user, layer="households"):
    at = AppTest.from_file(LEDGERS, default_timeout=60)
    at.session_state[SESSION_KEY] = session_token(user)
    at.session_state["led_layer"] = layer
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value


def test_village_monitor_ledger_shows_only_their_village(db_url, conn):
    load_county(conn)
    u = make_users(conn)
    table = _ledger(u["mon_a1"])
    assert sorted(table[headers.label("households", "head_name")]) == ["户主h1", "户主h2"]   # VIL_A1's two
    # the township officer of A sees A's three; the other village's monitor only h4
    assert len(_ledger(u["town_a"])) == 3
    assert list(_ledger(u["mon_b1"])[headers.label("households", "head_name")]) == ["户主h4"]


def test_masked_roles_read_the_ledger_in_their_scope_without_personal_numbers(db_url, conn):
    load_county(conn)
    u = make_users(conn)
    assert sorted(_ledger(u["water_a"])[headers.label("households", "head_name")]) == ["户主h1", "户主h2", "户主h3"]
    table = _ledger(u["viewer"])   # the masked database role, which has no SELECT on the personal columns
    assert len(table) == 4
    cells = {str(v) for v in table.to_numpy().ravel()}
    assert not cells & (CLEAR_IDS | CLEAR_PHONES)


def test_village_monitor_map_holds_only_their_village(db_url, conn):
    load_county(conn)
    u = make_users(conn)

    import mapbox_vector_tile
    from layers import tiles
    with conn.cursor() as cur:
        cur.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM water_sources) x")
        extent = cur.fetchone()

    def features(user):
        """The map's features as the user: the houses in its payload, the sources in its tiles (every tile of the
        sources' area at street zoom)."""
        c = connect_as(user)
        try:
            found = dict(mapview.build_map(c, Filters(), ("water", "housing"), "zh", "plain")[1].features)
            layer, sources = mapview.TILES["water_sources"], set()
            for z, x, y in tiles.covering(*extent, 16):
                data = tiles.tile(c, layer, z, x, y, Filters())
                c.commit()
                sources |= {f["properties"]["id"] for f in
                            (mapbox_vector_tile.decode(data)[layer.name]["features"] if data else [])}
            return {**found, "饮水安全：水源": len(sources)}
        finally:
            c.close()
    every, mine = features(u["admin"]), features(u["mon_a1"])
    assert every["饮水安全：水源"] == 3 and every["住房安全"] == 4
    assert mine["饮水安全：水源"] == 1 and mine["住房安全"] == 2     # w1; the houses of h1 and h2


def test_village_monitor_api_sees_only_their_village(db_url, conn):
    load_county(conn)
    u = make_users(conn)
    client = TestClient(Starlette(routes=api.routes()))
    assert client.get("/api/v1/tasks").status_code == 401
    r = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {session_token(u['mon_a1'], 'api')}"})
    assert r.status_code == 200
    tasks = r.json()
    assert tasks and {t["village_code"] for t in tasks} == {VIL_A1}
    assert {t["target_id"] for t in tasks if t["target_kind"] == "household"} == {"h1", "h2"}
    r = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {session_token(u['town_a'], 'api')}"})
    assert {t["target_id"] for t in r.json() if t["target_kind"] == "household"} == {"h1", "h2", "h3"}
    # the account's web session token is accepted too (the same account and scope)
    web = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {session_token(u['mon_a1'])}"})
    assert web.status_code == 200 and {t["village_code"] for t in web.json()} == {VIL_A1}


def test_export_by_a_masked_role_is_masked_and_logged(db_url, conn, tmp_path):
    load_county(conn)
    u = make_users(conn)
    out = tmp_path / "hh.csv"
    assert export_as(u["water_a"], "households", out) == 3      # the water bureau of township A
    text = out.read_text(encoding="utf-8-sig")
    assert not any(x in text for x in CLEAR_IDS | CLEAR_PHONES)
    rows = list(csv.DictReader(text.splitlines()))
    assert sorted(r["id"] for r in rows) == ["h1", "h2", "h3"]
    # a role that needs them gets them clear, in its scope only
    assert export_as(u["mon_a1"], "households", tmp_path / "mine.csv") == 2
    assert HOUSEHOLDS["h1"][2] in (tmp_path / "mine.csv").read_text(encoding="utf-8-sig")
    # the owner's command-line export is logged too, with no user
    assert export_layer("households", tmp_path / "all.csv") == 4
    with conn.cursor() as cur:
        cur.execute("SELECT user_login, user_role, scope_code, layer, rows, format, masked, file_name "
                    "FROM export_log ORDER BY id")
        log = cur.fetchall()
    assert log == [("water_a", "water_bureau", TOWN_A, "households", 3, "csv", True, "hh.csv"),
                   ("mon_a1", "village_monitor", VIL_A1, "households", 2, "csv", False, "mine.csv"),
                   (None, None, None, "households", 4, "csv", False, "all.csv")]
