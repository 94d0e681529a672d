"""Each layer's popup is declared once (layers/popup.py): what its SQL must return derives from the declaration and
is there; every value shown is escaped, so a name from an imported file that carries markup shows as text in the
rendered map, popups and tooltips alike."""
from __future__ import annotations

import html
import re

import folium
import pandas as pd
import pytest

import inspections_world as w
import planner_dataset as pdata
from geo import db
from inspections import records
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)
from layers import admin, assets, housing, inspections, mapview, relocation, risk, water
from layers.base import SQL, Filters
from layers.popup import Field, Popup, id_from_tip

EVIL = "<img src=x onerror=alert(1)>"
SHOWN = html.escape(EVIL)   # &lt;img src=x onerror=alert(1)&gt;

# each declared popup of a layer sent as GeoJSON and the layers/sql file whose rows it shows (the tiled layers' popups
# against their tiles: tests/test_tiles.py)
DECLARED = [(admin.SEATS, "seats"), (risk.VILLAGES, "risk_villages"), (housing.PER_NATURAL_VILLAGE, "houses_agg"),
            (housing.HOUSES, "houses"), (assets.ASSETS, "assets"), (relocation.SITES, "relocation_sites")]


def geojson_layers(m: folium.Map):
    def walk(el):
        yield el
        for child in el._children.values():
            yield from walk(child)
    return [el for el in walk(m) if isinstance(el, folium.GeoJson)]


def test_every_layers_sql_returns_what_its_popup_declares(db_url):
    pdata.load(db_url)
    with db.connect(db_url) as conn:
        for popup, name in DECLARED:
            columns = set(db.query_df(conn, SQL(name), Filters(rule_set=pdata.RULE_SET).params()).columns)
            assert popup.columns <= columns, (name, popup.columns - columns)
        from inspections import mapdata
        logged, overdue = inspections._popups()
        assert logged.columns <= set(mapdata.map_features(conn).columns)
        assert overdue.columns <= set(mapdata.overdue_features(conn).columns)
    # a declaration and rows that part ways fail loudly, naming the column
    with pytest.raises(KeyError, match="head_name"):
        risk.HOUSEHOLDS.properties(pd.DataFrame({"id": ["H1"]}), "zh")


def test_a_popup_writes_each_value_once_in_the_language_asked():
    popup = Popup((Field("id", "id"), Field("name", "name"), Field("status", "status", water.SOURCES.fields[3].show),
                   Field("people", "people_served")))
    rows = pd.DataFrame({"id": ["W1", "W'2"], "name": ["水厂 & 泵站", None], "status": ["working", "failed"],
                         "people": [600, None], "lon": [101.9, 102.0], "lat": [24.0, 24.1]})
    layer, n = popup.layer(rows, "zh", keep=("status",), style=lambda ft: {})
    props = [f["properties"] for f in layer.data["features"]]
    assert n == 2 and props == [
        {"status": "working", "id": "W1", "name": "水厂 &amp; 泵站", "status_l": "正常", "people": 600,
         "tip": "水厂 &amp; 泵站 · W1"},
        {"status": "failed", "id": "W&#x27;2", "name": None, "status_l": "断水", "people": None, "tip": " · W&#x27;2"}]
    popup_fields = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonPopup))
    assert popup_fields.fields == ["id", "name", "status_l", "people"]
    assert popup_fields.aliases == ["编号", "名称", "状态", "受益人口"]
    assert popup.properties(rows, "en")["status_l"].tolist() == ["working", "failed"]
    assert popup.columns == {"id", "name", "status", "people"}
    assert id_from_tip(html.unescape(props[1]["tip"])) == "W'2"   # the browser hands back the text, unescaped


def test_a_name_with_markup_shows_as_text_in_the_rendered_map(db_url):
    pdata.load(db_url)
    with db.transaction(db_url) as conn, conn.cursor() as cur:
        cur.execute("UPDATE water_sources SET name = %s || name WHERE id = 'W1'", (EVIL,))
        cur.execute("UPDATE households SET head_name = %s WHERE id IN ('H004', 'H002')", (EVIL,))
        for table, column in (("natural_villages", "name"), ("relocation_sites", "name"), ("assets", "owner"),
                              ("roads", "name"), ("seats", "name"), ("admin_units", "name")):
            cur.execute(f"UPDATE {table} SET {column} = %s || {column}", (EVIL,))
    with db.connect(db_url) as conn:
        m, info = mapview.build_map(conn, Filters(), tuple(mapview.LAYERS), "zh", "plain")
    rendered = m.get_root().render()
    # the markup reaches the page in no form a popup's or tooltip's innerHTML would turn into an element
    assert EVIL not in rendered and "\\u003cimg" not in rendered.lower() and "<img" not in rendered
    # and each name is there as text: escaped in the popup's cell and in the tooltip
    props = [f["properties"] for layer in geojson_layers(m) for f in layer.data["features"]]
    text = [v for p in props for v in p.values() if isinstance(v, str)]
    assert not [v for v in text if "<" in v or ">" in v]
    assert f"{SHOWN}幸福安置点" in text and f"{SHOWN}大河村集体" in text       # a site, an asset's owner
    assert f"{SHOWN}县城" in text and f"{SHOWN}甲镇" in text                  # a seat, a township
    assert sum(SHOWN in v for v in text) >= 15
    # sources, households and roads travel as tiles, whose values the browser sets as text (tests/test_map_browser.py
    # hovers and clicks a source named with markup): none of them is in the payload
    assert "大河水厂" not in rendered and "县道X001" not in rendered and "H004" not in rendered
    assert "取水不达标农户" in info.tiled


def test_the_inspections_layer_names_its_records_in_words(conn, world):  # noqa: F811
    res = records.submit(conn, world["insp"], w.submission("H1", w.H1), [])
    for lang, words in (("zh", ["农户走访", "农户", "已提交"]), ("en", ["Household visit", "household", "Submitted"])):
        drawn = inspections.build(conn, Filters(), lang)
        data = [el for g in drawn.groups for el in g._children.values() if isinstance(el, folium.GeoJson)]
        logged = [f["properties"] for f in data[0].data["features"]]
        assert len(logged) == 1 and logged[0]["target_id"] == "H1", logged
        assert [logged[0][k] for k in ("kind_l", "target_kind_l", "review_state_l")] == words
        assert re.fullmatch(r"2026-11-23 10:20:00\+08:00", logged[0]["submitted_at_l"]), logged[0]
        assert res.flags and logged[0]["flags_l"]   # the flags in words, not codes
        assert "no_photo" not in logged[0]["flags_l"]
