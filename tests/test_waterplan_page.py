"""The water bureau's page (views/water_plan.py) in Streamlit's AppTest against a real database: the scenario form
computes the plan, the map and tables show it, the ranking tabs answer; Chinese first, English available."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

import checks_scenario as sc
from conftest import sign_in

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "water_plan.py")
FLAT = sc.dem_tif(lambda x, y: 1000.0 + 0 * x, extent=(-2500, -1000, 6500, 2500))


def test_water_plan_page(conn):
    sc.load(conn, villages=[{"id": "nv1", "households": 3, "dx": 0, "dy": 0}], dem=FLAT,
            households=[{"id": h, "natural_village_id": "nv1", "members": 3, "dx": x, "dy": 0}
                        for h, x in (("a", 0), ("b", 50), ("c", 100))],
            roads=[{"id": "r1", "surface": "asphalt", "class": "county", "width_m": 7, "xy": [(-2000, 300),
                                                                                         (6000, 300)]}],
            sources=[{"id": "s1", "status": "working", "dx": 0, "dy": 100, "capacity_m3_per_day": 10},
                     {"id": "s2", "status": "working", "dx": 4000, "dy": 300, "capacity_m3_per_day": 100},
                     {"id": "old", "status": "failed", "dx": 100, "dy": -100}])
    at = AppTest.from_file(PAGE, default_timeout=60)
    sign_in(at, "water_bureau", "530427000000")   # the county's water bureau (the scenario's rows have no village code)
    at.run()
    assert not at.exception
    at.multiselect(key="wp_failed").set_value(["s1"])
    next(b for b in at.button if b.label == "计算方案").click()
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["受影响户数"] == "3" and metrics["送水点数"] == "1" and metrics["无法送达户数"] == "0"
    assert len(at.dataframe) == 4 and at.dataframe[1].value.iloc[0]["水源编号"] == "s2"
    next(b for b in at.button if b.key == "wp_repair_go").click()
    at.run()
    assert not at.exception
    ranked = at.dataframe[-1].value
    assert list(ranked["水源编号"]) == ["old"] and int(ranked.iloc[0]["regain_people"]) == 0
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception and at.header[0].value.startswith("Water bureau")


def test_source_picker_names_kind_and_status_in_the_page_language(conn):
    """The picker of failed sources said `cistern · working` in the Chinese interface: its words are the catalogue's."""
    sc.load(conn, villages=[{"id": "nv1", "households": 1, "dx": 0, "dy": 0}], dem=FLAT,
            households=[{"id": "a", "natural_village_id": "nv1", "members": 3, "dx": 0, "dy": 0}],
            sources=[{"id": "s1", "name": "后山水窖", "kind": "cistern", "status": "working", "dx": 0, "dy": 100,
                      "capacity_m3_per_day": 10},
                     {"id": "s2", "kind": "well", "status": "seasonal", "dx": 50, "dy": 0}])
    at = AppTest.from_file(PAGE, default_timeout=60)
    sign_in(at, "water_bureau", "530427000000")
    at.run()
    assert not at.exception
    shown = at.multiselect(key="wp_failed").options
    assert shown == ["s1 后山水窖 · 水窖 · 正常 · 10 m³/d", "s2 · 水井 · 季节性缺水"]
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.multiselect(key="wp_failed").options == ["s1 后山水窖 · cistern · working · 10 m³/d",
                                                       "s2 · well · seasonal shortage"]
