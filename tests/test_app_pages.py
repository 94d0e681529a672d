"""The planner's pages under Streamlit's AppTest against a real PostGIS loaded with a small hand-built county whose
every indicator is known; plus the map's payload guard, GCJ-02 shift, offline links, rectification, Excel, A3."""
from __future__ import annotations

import ast
import inspect
import io
import json
import re
import textwrap

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import planner_dataset as pdata
from conftest import ROOT, account_for, session_token, sign_in
from geo import db, headers
from board import indicators, ledgers, mapframe, rectification, wallmap
from layers import base, mapview, vendor
from layers.base import Filters

VIEWS = ROOT / "views"


@pytest.fixture(scope="module")
def county(module_db_url):
    return pdata.load(module_db_url)


@pytest.fixture
def mconn(module_db_url, county):
    c = db.connect(module_db_url)
    yield c
    c.close()


def page(name: str, lang: str = "zh", *, role: str = "county_planner", scope: str | None = pdata.COUNTY,
         **state) -> AppTest:
    """The page run as a signed-in user (by default the county's planner, who sees the whole county)."""
    at = AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=60)
    sign_in(at, role, scope)
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# dataframes in page order (AppTest keeps keys only of selectable ones)
ORDER = {"ov_county": 0, "ov_townships": 1, "ov_villages": 2, "led_table": 0, "rect_table": 0}


def df_of(at: AppTest, key: str):
    return at.dataframe[ORDER[key]].value


def test_overview_county_indicators_match_the_hand_built_answers(county):
    at = page("overview")
    no_errors(at)
    assert at.header[0].value == "总览"
    table = df_of(at, "ov_county").set_index("指标")["数值"]
    assert table["监测对象户数"] == county["monitored"] == 16
    assert table["监测对象人口"] == county["monitored_people"]
    assert table["走访逾期户数"] == county["overdue"] == 8
    assert table["C/D级危房未达安全住房"] == county["dangerous"] == 4
    assert table["取水不达标户数"] == county["water_fail"] == 4
    assert table["取水不达标人口"] == county["water_fail_people"]
    assert table["缺硬化路的自然村"] == county["road_gaps"] == 2
    assert table["搬迁户无就业"] == county["relocation_no_worker"] == 3
    assert table["资产超3个月未确权登记"] == county["assets_unregistered"] == 1
    rules = df_of(at, "ov_county").set_index("指标")["依据"]
    assert "800" in rules["取水不达标户数"] and "30户" in rules["缺硬化路的自然村"]


def test_overview_township_drills_down_to_its_villages(county):
    at = page("overview")
    towns = df_of(at, "ov_townships")
    assert set(towns["乡镇"]) == {"甲镇", "乙乡"}
    assert dict(zip(towns["乡镇"], towns["监测对象户数"])) == {"甲镇": 8, "乙乡": 8}
    at.selectbox(key="ov_drill__zh").set_value(pdata.T1).run()
    no_errors(at)
    vil = df_of(at, "ov_villages")
    assert list(vil["行政村"]) == ["大河村", "小河村"]
    assert vil["取水不达标户数"].sum() == 4   # all water failures are in township 1
    assert vil["缺硬化路的自然村"].tolist() == [0, 1]


def test_overview_in_english_and_checks_not_run_notice(module_db_url, county, pg_server, template_db):
    at = page("overview", "en")
    no_errors(at)
    assert at.header[0].value == "Overview"
    assert "Monitored households" in set(df_of(at, "ov_county")["Indicator"])
    # a database without check results says so and names the command, and shows no made-up number
    from conftest import drop_database, new_database
    name, url = new_database(pg_server, template_db)
    try:
        pdata.load(url, with_results=False)
        import os
        old = os.environ["DATABASE_URL"]
        os.environ["DATABASE_URL"] = url
        try:
            at = page("overview")
        finally:
            os.environ["DATABASE_URL"] = old
        no_errors(at)
        text = " ".join(w.value for w in at.warning)
        assert "尚未运行检查" in text and "checks not run yet" in text and "python -m geo check water" in text
        values = df_of(at, "ov_county").set_index("指标")["数值"]
        assert values.isna()["取水不达标户数"] and values["监测对象户数"] == 16
    finally:
        drop_database(pg_server, name)


def test_map_page_renders_the_component_with_layers(county):
    at = page("map")
    no_errors(at)
    assert at.header[0].value == "地图"
    caption = " ".join(c.value for c in at.caption)
    # the households layers come as vector tiles, loaded per view: named, not counted, in the payload's caption
    assert "监测人口占比（按行政村） 4" in caption
    tiled = caption.split("矢量瓦片（按视图加载）: ")[1].split("、")
    assert {"监测对象（返贫风险）", "取水不达标农户", "农户", "饮水安全：水源", "道路"} <= set(tiled)
    at = page("map", "en", map_layers=["admin", "housing", "assets", "relocation"])
    no_errors(at)
    caption = " ".join(c.value for c in at.caption)
    assert "Housing safety 5" in caption and "Poverty-alleviation assets 3" in caption


def test_map_payload_is_offline_and_holds_every_chosen_layer(mconn):
    m, info = mapview.build_map(mconn, Filters(), tuple(mapview.LAYERS), "zh", "plain")
    p = mapframe.payload(m)
    assert all(link.startswith("/app/static/vendor/") or link == vendor.TILES_JS for link in p["js_links"] + p["css_links"])
    assert vendor.VECTORGRID in p["js_links"] and vendor.TILES_JS in p["js_links"]
    for link in p["js_links"] + p["css_links"]:
        assert (ROOT / "static" / link.removeprefix("/app/static/")).is_file(), link
    html = m.get_root().render()
    assert vendor.external_links(html) == []
    # the layers of households, sources and roads are tiles: their URLs (with the rule set) travel, not their features
    assert set(info.tiled) == {"农户", "监测对象（返贫风险）", "道路", "自然村通硬化路状况", "饮水安全：水源",
                               "自然村取水达标率", "取水不达标农户"}
    for name in mapview.TILES:
        assert f'"/tiles/{name}/{{z}}/{{x}}/{{y}}.pbf' in p["script"], name
    assert "/tiles/risk_households/{z}/{x}/{y}.pbf?rule_set=longxian-2021" in p["script"]
    assert "H004" not in p["script"] and "县道X001" not in p["script"]
    assert info.features["住房安全"] == 5 and info.features["监测人口占比（按行政村）"] == 4
    assert "幸福安置点" in p["script"] and "县城" in p["script"]   # UTF-8, not \\u escapes


def test_a_link_with_no_local_copy_is_an_error_not_a_fetch(mconn):
    import folium
    m = folium.Map(tiles=None)
    el = folium.MacroElement()
    el.default_js = [("x", "https://cdn.example.org/x.js")]
    m.add_child(el)
    with pytest.raises(vendor.NotVendored, match="static/vendor"):
        vendor.localize(m)


def test_over_the_cap_layers_are_aggregated_per_natural_village(mconn, monkeypatch):
    """The layers still sent as GeoJSON keep the cap; the households' layers are tiles (counted per natural village
    below the detail zoom: tests/test_tiles.py) and send nothing in the payload."""
    monkeypatch.setattr(base, "settings", base.settings.model_copy(update={"map_max_features": 3}))
    m, info = mapview.build_map(mconn, Filters(), ("risk", "housing", "water"), "zh", "plain")
    assert info.aggregated == ["housing"]
    assert info.features["住房安全"] == 4                      # 5 C/D houses → the 4 natural villages with a D house
    assert "监测对象（返贫风险）" in info.tiled and "取水不达标农户" in info.tiled
    assert "监测对象（返贫风险）" not in info.features and "取水不达标农户" not in info.features
    assert max(info.features.values()) <= 10                  # nothing sends more than the cap's aggregates


def test_gaode_basemap_shifts_the_overlays_not_the_data(mconn):
    import json
    from geo.frames import wgs84_to_gcj02
    plain, _ = mapview.build_map(mconn, Filters(), ("admin", "water"), "zh", "plain")
    gaode, _ = mapview.build_map(mconn, Filters(), ("admin", "water"), "zh", "gaode")

    def seat(m):   # the county seat, a point of the admin layer (GeoJSON)
        s = mapframe.payload(m)["script"]
        hit = re.search(r'\{"coordinates": \[([0-9.]+), ([0-9.]+)\], "type": "Point"\}, "id": \d+, '
                        r'"properties": \{[^}]*"code": "530427000000"', s)
        assert hit, "the county seat is not in the payload"
        return float(hit.group(1)), float(hit.group(2))

    assert seat(plain) == (101.91, 24.01)
    gx, gy = wgs84_to_gcj02([101.91], [24.01])
    assert seat(gaode) == (round(float(gx[0]), 5), round(float(gy[0]), 5))
    assert abs(seat(gaode)[0] - 101.91) > 0.001          # hundreds of metres, not nothing
    with mconn.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM seats WHERE code = '530427000000'")
        assert cur.fetchone() == pytest.approx((101.91, 24.01))
    # tiled layers are asked for in GCJ-02 (the server moves them: tests/test_tiles.py), the plain map's are not
    assert "/tiles/water_sources/{z}/{x}/{y}.pbf?frame=gcj02" in mapframe.payload(gaode)["script"]
    assert "frame=gcj02" not in mapframe.payload(plain)["script"]
    assert "autonavi" in mapframe.payload(gaode)["script"] and "autonavi" not in mapframe.payload(plain)["script"]
    json.dumps(mapframe.payload(gaode)["bounds"])


def test_show_passes_what_st_folium_passes():
    """mapframe.show calls streamlit-folium's component directly with cached strings: the same arguments."""
    import streamlit_folium as sf

    def kwargs_of(fn):
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                    and getattr(n.func, "attr", getattr(n.func, "id", None)) == "_component_func")
        return {k.arg for k in call.keywords}

    assert kwargs_of(mapframe.show) == kwargs_of(sf.st_folium)


def test_ledger_page_filters_and_exports_chinese_headers(county):
    at = page("ledgers", led_layer="households", led_township=pdata.T1)
    no_errors(at)
    table = df_of(at, "led_table")
    assert len(table) == 20 and set(table["乡镇"]) == {"甲镇"}
    assert headers.label("households", "head_name") in table.columns
    assert set(table[headers.label("households", "category")]) == {"一般农户", "脱贫户", "脱贫不稳定户", "边缘易致贫户"}
    at = page("ledgers", "en", led_layer="assets")
    assert headers.label("assets", "owner", "en") in df_of(at, "led_table").columns


def test_excel_export_has_the_labels_as_headers(mconn):
    df = ledgers.labelled("water_sources", ledgers.query_ledger(mconn, "water_sources"), "zh")
    wb = openpyxl.load_workbook(io.BytesIO(ledgers.to_xlsx(df, "水源工程")))
    ws = wb["水源工程"]
    head = [c.value for c in ws[1]]
    assert head[:4] == [headers.label("water_sources", c) for c in ("id", "name", "kind", "status")]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["W2"][3] == "断水" and rows["W1"][2] == "集中供水工程"


def test_rectification_opens_failing_items_and_closes_resolved_ones(db_url):
    pdata.load(db_url)
    with db.connect(db_url) as conn:
        opened, closed = rectification.refresh(conn)
        # 4 water + 2 road + 4 housing (D under way) + 2 assets (A1 unregistered, A2 broken)
        # + 1 works (大河村 has a piped works and no water manager)
        assert (opened, closed) == (13, 0)
        assert rectification.refresh(conn) == (0, 0)
        items = rectification.items(conn)
        a1 = items[items.subject_id == "A1"].iloc[0]
        assert a1.problem == "asset_unregistered" and a1.owner == "张管护" and bool(a1.overdue)
        w = items[items.kind == "water"].iloc[0]
        assert w.owner == "王水管" and w.problem == "horizontal,time"
        with conn.cursor() as cur:
            cur.execute("UPDATE houses SET renovation_state = 'safe_occupancy' WHERE id = 'HO000'")
            cur.execute("UPDATE water_results SET compliant = true, failed_clauses = '{}' WHERE subject_id = 'H004'")
            cur.execute("UPDATE assets SET registered_on = current_date WHERE id = 'A1'")
        conn.commit()
        assert rectification.refresh(conn) == (0, 3)
        done = rectification.items(conn, show_closed=True)
        closed_rows = done[done.closed_on.notna()].set_index("subject_id")
        assert set(closed_rows.index) == {"HO000", "H004", "A1"}
        assert closed_rows.loc["H004", "closed_by"].startswith("water check")
        # wiping the water results resolves nothing: no results is not a pass
        with conn.cursor() as cur:
            cur.execute("DELETE FROM water_results")
        conn.commit()
        assert rectification.refresh(conn) == (0, 0)


def test_rectification_page_lists_with_owner_and_due(county):
    at = page("rectification")
    no_errors(at)
    table = df_of(at, "rect_table")
    assert {"责任人/单位", "整改时限", "问题"} <= set(table.columns)
    assert set(table["类别"]) == {"饮水", "道路", "住房", "资产", "供水工程运行"}
    assert at.metric[0].value == str(len(table))


def test_wall_map_is_a3_with_title_and_chinese_font(mconn):
    png = wallmap.township_map(mconn, pdata.T1, "zh", "png", dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    w, h = Image.open(io.BytesIO(png)).size
    assert (w, h) == (round(16.54 * 50), round(11.69 * 50))
    pdf = wallmap.township_map(mconn, pdata.T1, "en", "pdf")
    assert pdf[:5] == b"%PDF-"
    box = re.search(rb"/MediaBox \[ ?0 0 ([0-9.]+) ([0-9.]+) ?\]", pdf)
    assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (1191, 842)   # A3 landscape, pt
    with pytest.raises(LookupError, match="no township"):
        wallmap.township_map(mconn, "999999999000")


def test_print_page_shows_the_township_map(county):
    at = page("print_map", print_township=pdata.T1)
    no_errors(at)
    assert [type(el).__name__ for el in at.main.children.values()][:2] == ["Header", "Image"]


def test_app_refuses_every_page_without_login(county):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.text_input] == ["登录名 Login", "密码 Password"]
    assert not at.title and not at.dataframe and not at.header   # no page ran
    for name in ("overview", "ledgers", "map", "water_plan", "inspect_review", "admin"):  # nor run alone
        alone = AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=60).run()
        assert not alone.exception, (name, [e.value for e in alone.exception])
        assert [t.label for t in alone.text_input][:2] == ["登录名 Login", "密码 Password"], name
        assert not alone.dataframe, name


def test_app_navigation_by_role(county):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in(at, "county_planner", pdata.COUNTY)
    at.run()
    assert not at.exception
    assert at.title[0].value == "底线 · 防止返贫监测"
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value.startswith("Dixian")
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == "Overview"                  # the planner's first page
    # each role opens on its own first page: the water bureau on the emergency-supply page, a viewer on the
    # overview, a village monitor on the capture page
    for role, scope, first in [("water_bureau", pdata.COUNTY, "应急供水"), ("viewer", pdata.T1, "总览"),
                               ("village_monitor", "530427100201", "巡查录入")]:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        sign_in(at, role, scope)
        at.run()
        assert not at.exception, (role, [e.value for e in at.exception])
        assert not at.text_input or at.text_input[0].label != "登录名 Login", role
        shown = [x.value for x in (*at.header, *at.title)]
        assert any(first in v for v in shown), (role, shown)


def test_indicator_sql_reads_results_not_recomputation(mconn):
    vil = indicators.villages(mconn)
    with mconn.cursor() as cur:
        cur.execute("UPDATE water_results SET compliant = true WHERE subject_id = 'H004'")
        after = indicators.villages(mconn)
        mconn.rollback()
    assert vil["water_fail_hh"].sum() - after["water_fail_hh"].sum() == 1


def test_choices_survive_a_change_of_language(county):
    at = page("map")
    at.multiselect(key="map_layers__zh").set_value(["admin", "assets"])
    at.selectbox(key="map_township__zh").set_value(pdata.T2).run()
    no_errors(at)
    at.session_state["lang"] = "en"
    at.run()
    no_errors(at)
    assert at.multiselect(key="map_layers__en").value == ["admin", "assets"]
    assert at.selectbox(key="map_township__en").value == pdata.T2
    caption = " ".join(c.value for c in at.caption)
    assert "Poverty-alleviation assets 2" in caption    # A2 and A3 lie in township 2


def test_search_by_name_or_code(mconn):
    from board import search
    hits = search.find(mconn, "530427100201")
    assert hits.iloc[0]["kind"] == "admin" and hits.iloc[0]["name"] == "大河村" and bool(hits.iloc[0]["exact"])
    hits = search.find(mconn, "大河")
    assert {"admin", "natural_village", "water_source"} <= set(hits["kind"])
    assert search.find(mconn, "H004").iloc[0]["kind"] == "household"
    assert search.find(mconn, "不存在的地方").empty


def test_map_page_search_centres_on_the_hit(county):
    at = page("map", map_search="大河水厂")
    no_errors(at)
    assert at.selectbox(key="map_hit").value is not None


def test_the_data_stamp_moves_with_the_data_not_with_page_views(db_url):
    """The map and the overview are cached per data stamp. A signed-in page view touches the user's session; if that
    counted, every rerun would rebuild the map (the stamp counts the data's tables only)."""
    import time
    from contextlib import closing

    from accounts import sessions
    from board import session
    pdata.load(db_url)
    token = session_token(account_for("county_planner", pdata.COUNTY, url=db_url), url=db_url)

    def read(sql, params=None):   # a fresh backend each time sees the counters as flushed
        with closing(db.connect(db_url)) as c:
            return db.query_value(c, sql, params)

    def settled(sql, done):       # a backend flushes its counters when it exits, a moment after close()
        deadline = time.time() + 20
        while not done(value := read(sql)) and time.time() < deadline:
            time.sleep(0.2)
        return value

    touched = "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'user_sessions'"
    before_views = read(touched)
    def stamp():
        with closing(db.connect(db_url)) as c:
            return session.stamp(c)

    before = stamp()
    for _ in range(3):            # three page views as the planner
        with closing(db.connect(db_url)) as c, c.cursor() as cur:
            assert sessions.user_for_token(cur, token, sessions.WEB) is not None
            c.commit()
    settled(touched, lambda v: v >= before_views + 3)
    assert stamp() == before
    with closing(db.connect(db_url)) as c, c.cursor() as cur:   # one change of the data
        cur.execute("UPDATE households SET members = members WHERE id = 'H000'")
        c.commit()
    assert settled(session.SQL("data_stamp"), lambda v: v != before) == before + 1
