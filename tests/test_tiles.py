"""The map's vector tiles on a real PostGIS (the hand-built county of tests/planner_dataset.py): each tiled layer's
SQL gives what its popup and paint read, single features from the detail zoom and per-natural-village aggregates
below it with the counts the county holds; and over HTTP (/tiles/…): nobody signed in gets 401, a village monitor's
tile of another village is empty, and the tile cache never hands one user's tile to another."""
from __future__ import annotations

import mapbox_vector_tile
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import planner_dataset as pdata
from accounts import scoped, sessions
from board import tileserver
from conftest import account_for, session_token
from geo import db
from geo.settings import settings
from layers import mapview, tiles
from layers.base import Filters

DETAIL = settings.map_tile_detail_zoom
EXTENT = (101.90, 24.00, 102.00, 24.10)   # the hand-built county
V1, V3 = "530427100201", "530427200201"   # 大河村 (township 1) and 高山村 (township 2)


@pytest.fixture(scope="module")
def county(module_db_url):
    pdata.load(module_db_url)
    with db.transaction(module_db_url) as c, c.cursor() as cur:   # a tile leaves out what is NULL: give it a value
        cur.execute("UPDATE roads SET all_season = true WHERE id = 'R1'")
    people = {"planner": account_for("county_planner", pdata.COUNTY, "planner", url=module_db_url),
              "mon_v1": account_for("village_monitor", V1, "mon_v1", url=module_db_url),
              "mon_v3": account_for("village_monitor", V3, "mon_v3", url=module_db_url)}
    yield module_db_url, people
    db.close_pools()


def features(data: bytes, name: str) -> list[dict]:
    return mapbox_vector_tile.decode(data).get(name, {}).get("features", []) if data else []


def layer_features(user, layer: tiles.TileLayer, z: int, f: Filters = Filters(rule_set=pdata.RULE_SET),
                   frame: str = "wgs84") -> dict:
    """Every feature of `layer` in the tiles covering the county at zoom z as `user` reads them, by id (a feature
    near a tile's edge is in both tiles)."""
    out = {}
    c = scoped.connect_as(user)
    try:
        for zz, x, y in tiles.covering(*EXTENT, z):
            for i, ft in enumerate(features(tiles.tile(c, layer, zz, x, y, f, frame), layer.name)):
                out[ft["properties"].get("id", (x, y, i))] = {**ft, "tile": (x, y)}   # merged roads have no id
            c.commit()
    finally:
        c.close()
    return out


def test_each_tiled_layer_holds_what_its_popup_tooltip_and_paint_read(county):
    _, people = county
    for layer in mapview.TILES.values():
        for z, look in ((DETAIL, layer.fine), (DETAIL - 3, layer.coarse or (None if layer.detail_only else layer.fine))):
            got = layer_features(people["planner"], layer, z)
            if look is None:   # drawn from the detail zoom only: nothing is asked for, or sent, below it
                assert got == {}, layer.name
                continue
            assert got, (layer.name, z)
            props = set().union(*(ft["properties"] for ft in got.values()))
            paint_reads = {spec.get("by") or spec.get("steps") or spec.get("sized")
                           for spec in look.paint.values() if isinstance(spec, dict)}
            assert look.popup.columns | paint_reads <= props, (layer.name, z, look.popup.columns | paint_reads - props)


def test_single_features_from_the_detail_zoom_and_per_natural_village_below(county):
    _, people = county
    planner = people["planner"]
    risk = mapview.TILES["risk_households"]
    fine = layer_features(planner, risk, DETAIL)
    assert len(fine) == 16                                    # every monitored household
    assert {ft["properties"]["category"] for ft in fine.values()} == {"unstable", "marginal"}
    assert sum(ft["properties"]["overdue"] for ft in fine.values()) == 8   # the marginal ones, visited 90 days ago
    coarse = layer_features(planner, risk, DETAIL - 1)
    assert len(coarse) == 8 and sum(ft["properties"]["n"] for ft in coarse.values()) == 16   # 8 natural villages
    failing = layer_features(planner, mapview.TILES["water_failing"], DETAIL)
    assert sorted(failing) == ["H004", "H009", "H014", "H019"]
    assert failing["H004"]["properties"]["clauses"] == "horizontal;time"
    assert failing["H004"]["properties"]["source"] == "大河水厂"
    assert layer_features(planner, mapview.TILES["water_failing"], DETAIL - 1) == {}
    assert len(layer_features(planner, mapview.TILES["nv_roads"], DETAIL)) == 8
    hh = layer_features(planner, mapview.TILES["households"], DETAIL)
    assert len(hh) == 40 and sum(ft["properties"]["compliant"] is False for ft in hh.values()) == 4
    per_nv = layer_features(planner, mapview.TILES["households"], DETAIL - 4)
    assert len(per_nv) == 8 and sum(ft["properties"]["n"] for ft in per_nv.values()) == 40
    assert sorted(ft["properties"]["fail_n"] for ft in per_nv.values()) == [0] * 4 + [1] * 4
    # the filters narrow the tiles: one village's marginal households
    narrowed = layer_features(planner, risk, DETAIL, Filters(village=V1, category="marginal", rule_set=pdata.RULE_SET))
    assert len(narrowed) == 2 and {ft["properties"]["category"] for ft in narrowed.values()} == {"marginal"}


def test_a_gaode_basemap_moves_the_tiled_features_not_the_data(county):
    url, people = county
    plain = layer_features(people["planner"], mapview.TILES["water_sources"], 16)["W1"]
    gaode = layer_features(people["planner"], mapview.TILES["water_sources"], 16, frame="gcj02")["W1"]
    z = 16
    dx, dy = tiles.frame_offset("gcj02", z, *gaode["tile"])
    assert 300 < (dx * dx + dy * dy) ** 0.5 < 800                 # GCJ-02's offset here: a few hundred metres

    def units(ft):   # the point in tile units of the whole world at zoom z (4096 a tile, y down)
        (gx, gy), (x, y) = ft["geometry"]["coordinates"], ft["tile"]
        return x * tiles.EXTENT + gx, y * tiles.EXTENT + tiles.EXTENT - gy
    per_metre = 2 ** z * tiles.EXTENT / (2 * 3.141592653589793 * 6378137)
    (ax, ay), (bx, by) = units(plain), units(gaode)
    # moved by the offset (east and north, so y down decreases), within a unit of rounding
    assert abs((bx - ax) - dx * per_metre) <= 1.5 and abs((ay - by) - dy * per_metre) <= 1.5
    with db.connect(url) as c:
        assert db.query_value(c, "SELECT ST_X(geom) FROM water_sources WHERE id = 'W1'") == pytest.approx(101.93)


# --- over HTTP -------------------------------------------------------------------------------------------------------

@pytest.fixture
def client(county):
    tileserver.CACHE.__init__(tileserver.CACHE.max_bytes)   # an empty cache for each test
    with TestClient(Starlette(routes=tileserver.routes)) as c:
        yield c


def tile_url(layer: str, lon: float, lat: float, z: int = 16, **query) -> str:
    x, y = tiles.tile_of(lon, lat, z)
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf" + (f"?{q}" if q else "")


def ids(resp, name: str = "households") -> set[str]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == tileserver.MEDIA_TYPE
    return {ft["properties"]["id"] for ft in features(resp.content, name)}


def bearer(user, url) -> dict:
    return {"Authorization": f"Bearer {session_token(user, 'api', url)}"}


# households of the first natural village of 大河村 (V1) and of 高山村 (V3), in a tile of zoom 16 each
V1_HH = (101.915, 24.026)
V3_HH = (101.915, 24.076)


def test_nobody_signed_in_gets_401_and_a_dead_or_wrong_kind_of_session_too(county, client):
    url, people = county
    assert client.get(tile_url("households", *V1_HH)).status_code == 401
    assert client.get("/tiles/session").status_code == 401
    assert client.get(tile_url("households", *V1_HH), headers={"Authorization": "Bearer dxa_nope"}).status_code == 401
    token = session_token(people["planner"], "web", url)
    with db.transaction(url) as c, c.cursor() as cur:
        sessions.revoke(cur, token)
    client.cookies.set(sessions.COOKIE, token)
    assert client.get(tile_url("households", *V1_HH)).status_code == 401
    # the cookie carries web sessions only: a field app's bearer token set as a cookie is refused
    client.cookies.set(sessions.COOKIE, session_token(people["planner"], "api", url))
    assert client.get(tile_url("households", *V1_HH)).status_code == 401
    client.cookies.set(sessions.COOKIE, session_token(people["planner"], "web", url))
    assert client.get("/tiles/session").status_code == 204
    assert len(ids(client.get(tile_url("households", *V1_HH)))) == 5


def test_bad_requests_name_what_is_wrong(county, client):
    url, people = county
    h = bearer(people["planner"], url)
    assert client.get("/tiles/nothing/16/1/1.pbf", headers=h).status_code == 404
    assert client.get("/tiles/households/3/8/1.pbf", headers=h).status_code == 404          # x beyond 2^z
    for query, word in (("village=1' OR 1=1", "village"), ("township=53", "township"), ("category=rich", "category"),
                        ("frame=bd09", "frame")):
        resp = client.get(f"/tiles/households/16/1/1.pbf?{query}", headers=h)
        assert resp.status_code == 400 and word in resp.json()["error"], query


def test_a_village_monitor_gets_an_empty_tile_of_another_village(county, client):
    url, people = county
    planner, mon_v1 = bearer(people["planner"], url), bearer(people["mon_v1"], url)
    for layer in ("households", "risk_households", "water_failing", "water_nv", "nv_roads"):
        z = 16 if layer != "water_nv" else 14
        theirs = client.get(tile_url(layer, *V3_HH, z=z, rule_set=pdata.RULE_SET), headers=mon_v1)
        assert theirs.status_code == 200 and features(theirs.content, layer) == [], layer
    # the planner sees both villages; the monitor their own
    assert len(ids(client.get(tile_url("households", *V3_HH), headers=planner))) == 5
    own = ids(client.get(tile_url("households", *V1_HH), headers=mon_v1))
    assert own == ids(client.get(tile_url("households", *V1_HH), headers=planner)) and len(own) == 5
    # below the detail zoom the aggregates count only what the monitor may see
    z = DETAIL - 4
    agg = {ft["properties"]["id"]: ft["properties"]["n"]
           for ft in features(client.get(tile_url("households", *V1_HH, z=z), headers=mon_v1).content, "households")}
    assert agg == {"NV00": 5, "NV01": 5}


def test_the_tile_cache_never_serves_one_users_tile_to_another(county, client):
    url, people = county
    planner, mon_v3 = bearer(people["planner"], url), bearer(people["mon_v3"], url)
    u = tile_url("households", *V1_HH)
    first = client.get(u, headers=planner)
    assert len(ids(first)) == 5 and len(tileserver.CACHE) == 1
    # the same tile for the monitor of another village: made for them (empty), not the planner's from the cache
    other = client.get(u, headers=mon_v3)
    assert ids(other) == set() and len(tileserver.CACHE) == 2 and other.headers["etag"] != first.headers["etag"]
    # nor does the planner's ETag make the server answer "not modified" to the monitor
    again = client.get(u, headers={**mon_v3, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and ids(again) == set()
    # the planner's own copy is still good: 304, and the cache answered (nothing new in it)
    assert client.get(u, headers={**planner, "If-None-Match": first.headers["etag"]}).status_code == 304
    assert client.get(u, headers=planner).content == first.content and len(tileserver.CACHE) == 2
    assert first.headers["cache-control"] == "private, no-cache"
    # a change of scope is a new user as far as the cache goes: moved to 大河村, the monitor now sees it
    with db.transaction(url) as c, c.cursor() as cur:
        cur.execute("UPDATE users SET scope_code = %s WHERE login = 'mon_v3'", (V1,))
    try:
        assert len(ids(client.get(u, headers=mon_v3))) == 5
    finally:
        with db.transaction(url) as c, c.cursor() as cur:
            cur.execute("UPDATE users SET scope_code = %s WHERE login = 'mon_v3'", (V3,))


def test_a_change_of_the_data_makes_new_tiles(county, client):
    url, people = county
    planner = bearer(people["planner"], url)
    u = tile_url("households", *V1_HH)
    before = {ft["properties"]["id"]: ft["properties"]["category"]
              for ft in features(client.get(u, headers=planner).content, "households")}
    with db.transaction(url) as c, c.cursor() as cur:
        cur.execute("UPDATE households SET category = 'sudden_hardship' WHERE id = 'H000'")
    try:
        import time
        for _ in range(40):   # the statistics the data stamp reads reach other sessions within a second or so
            after = {ft["properties"]["id"]: ft["properties"]["category"]
                     for ft in features(client.get(u, headers=planner).content, "households")}
            if after != before:
                break
            time.sleep(0.1)
        assert before["H000"] == "general" and after["H000"] == "sudden_hardship"
    finally:
        with db.transaction(url) as c, c.cursor() as cur:
            cur.execute("UPDATE households SET category = 'general' WHERE id = 'H000'")


def test_tiles_are_read_as_the_user_not_the_owner(county):
    """The tile's SQL runs on the connection it is given: the server gives it one that is the user (row-level
    security), so even the unfiltered query holds only the user's scope."""
    _, people = county
    seen = layer_features(people["mon_v1"], mapview.TILES["households"], DETAIL)
    assert len(seen) == 10 and {ft["properties"]["nv_name"] for ft in seen.values()} == {"大河村上组", "大河村下组"}
    with db.connect() as owner:
        everything = {ft["properties"]["id"] for zz, x, y in tiles.covering(*EXTENT, DETAIL)
                      for ft in features(tiles.tile(owner, mapview.TILES["households"], zz, x, y,
                                                    Filters(rule_set=pdata.RULE_SET)), "households")}
    assert len(everything) == 40 and set(seen) < everything
