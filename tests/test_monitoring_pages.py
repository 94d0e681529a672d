"""The monitoring pages under Streamlit's AppTest, as real signed-in users against the hand-built county: the queue
proposes from a signal and takes the steps waiting on each person, the case page shows the case whole and enters a
measure, the report page shows the month and the ledger with Excel; English too; names with markup shown as text."""
from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from conftest import ROOT, sign_in
from monitoring import signals
from monitoring_world import PEOPLE, photo_dir, world  # noqa: F401 (fixtures)

VIEWS = ROOT / "views"
MARKUP = "<img src=x onerror=alert(1)>**粗**"


def page(name: str, login: str, lang: str = "zh", **state) -> AppTest:
    at = AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=90)
    role, scope = PEOPLE[login]
    sign_in(at, role, scope, login=login)
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def ok(at: AppTest) -> None:
    """No exception, no error shown, and no word missing from the catalogue (a missing one shows as its key)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = [str(c) for d in at.dataframe for c in d.value.columns] + [m.label for m in at.metric] + \
        [w.label for w in (*at.button, *at.selectbox, *at.text_input, *at.multiselect)] + \
        [x.value for x in (*at.subheader, *at.caption, *at.info, *at.markdown)]
    assert [x for x in shown if x.startswith(("mon.", "mon_", "ov."))] == []


def test_queue_proposes_from_a_signal_and_the_next_person_assesses(world):
    w = world
    signals.department_alerts(w.owner, pd.DataFrame({"department": ["县医疗保障局"], "ref": ["r1"],
                                                     "household_id": ["H1"], "rule": ["medical_cost_high"],
                                                     "risk_types": [["illness"]]}))
    at = page("monitoring_queue", "vm1")
    ok(at)
    assert at.header[0].value == "待我处理"
    assert [m.label for m in at.metric] == ["可以办理", "等待中", "待研判信号", "可申请风险消除"]
    assert at.metric[2].value == "1"
    (sid,), = _rows(w, "SELECT id FROM mon_signals")
    at.selectbox(key="mon_signal_pick").set_value(sid).run()
    ok(at)
    submit = next(b for b in at.button if b.label == "提交申报")
    submit.click().run()
    ok(at)
    assert at.success and at.success[0].value == "已申报，待村级研判"
    (cid, state, found_by), = _rows(w, "SELECT id, state, found_by FROM mon_cases WHERE household_id = 'H1'")
    assert (state, found_by) == ("proposed", "department_alert")
    # the proposer has nothing to do with it now; the village's other monitor has
    at = page("monitoring_queue", "vm1")
    ok(at)
    assert at.metric[0].value == "0"
    at = page("monitoring_queue", "vm2")
    ok(at)
    assert at.metric[0].value == "1"
    at.selectbox(key="mon_pick").set_value(cid).run()
    ok(at)
    go = next(b for b in at.button if b.label == "村级研判通过 → 村级已研判（待公示）")
    go.click().run()
    ok(at)
    assert w.state(cid) == "village_assessed"
    assert at.success[0].value == "已办理：现为「村级已研判（待公示）」"


def test_case_page_shows_the_case_and_enters_a_measure(world):
    w = world
    w.owner_shift("UPDATE households SET head_name = %s WHERE id = 'H1'", (MARKUP,))
    cid = w.identified("H1", supported_days=30, measure=False)
    at = page("monitoring_case", "vm1", mon_case=cid)
    ok(at)
    assert at.header[0].value == "监测对象档案"
    title = at.subheader[0].value
    assert "\\<img src=x onerror=alert\\(1\\)\\>\\*\\*粗\\*\\*" in title and "已识别纳入（帮扶中）" in title
    assert "以下风险类型尚无对应的帮扶措施：因病" in [x.value for x in at.warning]
    timeline = at.dataframe[-1].value                    # the timeline is the last table
    assert list(timeline["步骤"]) == ["申报", "村级研判通过", "录入承诺授权", "公示", "乡镇审核通过", "县级确认纳入"]
    next(s for s in at.selectbox if s.label == "措施类型").set_value("medical")
    next(t for t in at.text_input if t.label == "金额（元）").input("1200")
    next(b for b in at.button if b.label == "新增帮扶措施").click().run()
    ok(at)
    assert _rows(w, "SELECT kind, amount_yuan, risk_types, state, created_by FROM mon_measures WHERE case_id = %s",
                 (cid,)) == [("medical", 1200, ["illness"], "in_effect", w.people["vm1"].id)]
    assert not [x for x in at.warning if "尚无对应" in x.value], [x.value for x in at.warning]
    # the support time: 30 days is not enough, and the page says until when
    assert [x.value.replace("\\", "") for x in at.info if "帮扶未满" in x.value] == [   # markdown-escaped
        f"申请风险消除：帮扶未满 90 天（自 {w.today - pd.Timedelta(days=30):%Y-%m-%d} 识别以来 30 天），"
        f"{w.today + pd.Timedelta(days=60):%Y-%m-%d} 起方可申请"]


def test_report_page_month_ledger_and_excel(world):
    w = world
    w.proposed("H2")
    at = page("monitoring_report", "cp")
    ok(at)
    month = at.dataframe[0].value
    assert list(month.columns)[:4] == ["层级", "区划代码", "名称", "监测户数（户）"]
    assert month.iloc[0]["监测户数（户）"] == 1 and month.iloc[0]["已申报（待村级研判）"] == 1
    ledger = at.dataframe[1].value
    assert set(ledger["户编号"]) == {"H2", "H4", "H7"}
    links = [e.proto.url for e in at.get("link_button")]  # downloads go through the authenticated export route
    assert len(links) == 2 and all("/api/v1/exports/" in u for u in links)


def test_pages_in_english(world):
    w = world
    cid = w.proposed("H2")
    for name, login, state in (("monitoring_queue", "vm2", {}), ("monitoring_case", "to1", {"mon_case": cid}),
                               ("monitoring_report", "to1", {})):
        at = page(name, login, "en", **state)
        ok(at)
    at = page("monitoring_queue", "vm2", "en")
    assert [m.label for m in at.metric] == ["Ready for me", "Waiting", "Signals to assess",
                                           "Ready to propose elimination"]


def _rows(w, sql, params=None):
    with w.owner.cursor() as cur:
        cur.execute(sql, params)
        out = cur.fetchall()
    w.owner.rollback()
    return out


def test_overview_names_its_place_and_leads_with_cards_bars_and_lines(db_url):
    import planner_dataset as pdata
    county = pdata.load(db_url)
    at = AppTest.from_file(str(VIEWS / "overview.py"), default_timeout=90)
    sign_in(at, "county_planner", pdata.COUNTY)
    at.session_state["lang"] = "zh"
    at.run()
    ok(at)
    assert at.header[0].value == "总览" and at.subheader[0].value.startswith("示范县 · 数据截至 ")
    cards = {m.label: m for m in at.metric}
    assert cards["监测对象户数"].value == str(county["monitored"]) == "16"
    assert cards["走访逾期户数"].value == "8" and cards["走访逾期户数"].delta == "+8"     # against its target 0
    assert cards["取水不达标户数"].value == "4" and cards["审核超期户数"].value == "0"
    assert cards["无帮扶措施的监测户"].value == "16"          # the imported cases have no measure yet
    assert cards["本月识别纳入"].value == "0"
    assert len(at.get("vega_lite_chart")) == 3          # per township bars, two month-by-month lines
    at = AppTest.from_file(str(VIEWS / "overview.py"), default_timeout=90)
    sign_in(at, "township_officer", pdata.T1)
    at.run()
    ok(at)
    assert at.subheader[0].value.startswith("示范县 · 甲镇 · 数据截至 ")
    assert {m.label: m.value for m in at.metric}["监测对象户数"] == "8"


def test_every_refusal_the_database_gives_has_its_words():
    """mon_refusal's codes (migration 621) each have a sentence in both languages, with the figures it is given."""
    import re

    from geo import i18n
    sql = (ROOT / "geo" / "migrations" / "621_monitoring_steps.sql").read_text(encoding="utf-8")
    codes = set(re.findall(r"'code', '(\w+)'", sql))
    assert len(codes) >= 25
    assert sorted(c for c in codes if f"mon_refusal.{c}" not in i18n.MESSAGES) == []
    for code in codes:   # each placeholder of its sentence is a figure the database gives with the code
        zh, _ = i18n.MESSAGES[f"mon_refusal.{code}"]
        calls = re.findall(rf"jsonb_build_object\('code', '{code}'([^;]*)", sql)
        given = {k for call in calls for k in re.findall(r"'(\w+)', ", call)}
        assert set(re.findall(r"\{(\w+)\}", zh)) <= given, code
