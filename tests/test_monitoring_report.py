"""The monthly report and the ledger on a hand-built county whose every figure is known: cases in most states, one
identified this month, an imported one with no measure and an old visit, an imported early elimination, a review
waiting too long, an objection open; a visit logged in the app clears the overdue one; the command line writes the
issue's columns as CSV and Chinese-headed Excel, cells that could start a formula neutralised."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from inspections import auth, records
from monitoring import notices, report
from monitoring.__main__ import main
from monitoring_world import T1, T2, V1, V1B, V2, photo_dir, world  # noqa: F401 (fixtures)


@pytest.fixture
def county(world):
    """The hand-built county's cases (ids by household)."""
    w = world
    ids = {"H4": 1, "H7": 2}                               # imported: identified H4, H7 eliminated after 50 days
    w.owner_shift("UPDATE households SET last_visit_on = current_date - 45 WHERE id = 'H4'")
    ids["H1"] = w.identified("H1", supported_days=100)     # identified today, supported (moved back) 100 days
    ids["H2"] = w.proposed("H2")                           # no consent yet
    ids["H3"] = w.on_notice("H3")                          # on a notice posted today: its window is open
    ids["H5"] = w.reviewed("H5")                           # waiting for the county
    ids["H6"] = w.on_notice("H6", days_ago=5)
    nid = int(notices.listing(w["vm_other"])["id"].iloc[0])
    notices.object_to(w["vm_other"], nid, ids["H6"], w.today, "phone", "反映家庭收入较高")   # returned, open
    # a proposal ten days old, as a county's history holds it (written by the owner with its log)
    with w.owner.cursor() as cur:
        cur.execute("""INSERT INTO mon_cases (household_id, village_code, category, risk_types, found_by, state,
                                              state_since, proposed_on)
                       VALUES ('H8', %s, 'sudden_hardship', '{disaster}', 'screening', 'proposed',
                               now() - interval '10 days', current_date - 10) RETURNING id""", (V1B,))
        ids["H8"] = cur.fetchone()[0]
        cur.execute("""INSERT INTO mon_case_log (case_id, at, actor_login, actor_role, action, to_state, round,
                                                 level) VALUES (%s, now() - interval '10 days', '李村官',
                                                                'village_monitor', 'propose', 'proposed', 1,
                                                                'village')""", (ids["H8"],))
    w.owner.commit()
    return ids


def rows(df, level):
    return {r["code"]: r for r in df[df["level"] == level].to_dict("records")}


def test_monthly_report_figures(world, county):
    w = world
    month = w.today.strftime("%Y-%m")
    rep = report.monthly(w["cp"], month)
    assert list(rep["level"]) == ["county", "township", "village", "village", "township", "village"]
    c = rep.iloc[0]
    assert (c["code"], c["name"]) == ("530427000000", "示范县")
    expected = {"monitored": 2, "monitored_people": 9, "category_marginal": 2, "category_unstable": 0,
                "state_identified": 2, "state_proposed": 2, "state_notice": 1, "state_township_reviewed": 1,
                "state_returned": 1, "state_eliminated": 1, "state_village_assessed": 0, "risk_illness": 2,
                "risk_disaster": 0, "identified": 1, "eliminated": 0, "waiting_village": 3, "overdue_village": 1,
                "waiting_township": 0, "overdue_township": 0, "waiting_county": 1, "overdue_county": 0,
                "no_measure": 1, "risk_without_measure": 1, "no_visit": 1, "early_elimination": 1}
    assert {k: int(c[k]) for k in expected} == expected
    tw, vil = rows(rep, "township"), rows(rep, "village")
    assert {k: int(tw[T1][k]) for k in ("monitored", "waiting_village", "overdue_village", "waiting_county")} == \
        {"monitored": 2, "waiting_village": 2, "overdue_village": 1, "waiting_county": 1}
    assert {k: int(tw[T2][k]) for k in ("monitored", "state_returned", "early_elimination", "waiting_village")} == \
        {"monitored": 0, "state_returned": 1, "early_elimination": 1, "waiting_village": 1}
    assert int(vil[V1]["monitored"]) == 2 and int(vil[V1B]["overdue_village"]) == 1
    assert int(vil[V2]["state_eliminated"]) == 1
    # every count of the county row is its townships' sum, and theirs their villages'
    cols = report.REPORT_COLUMNS
    assert (rep[rep["level"] == "township"][cols].sum() == rep.iloc[0][cols]).all()
    # a visit logged in the app clears the overdue one, in the report as on the overview
    who = auth.for_user(w.owner.cursor(), w.people["vm1"])
    w.owner.commit()
    sub = {"id": "5b0f4a1e-3c9e-4f7a-9b1e-1c2d3e4f5a6b", "kind": "household_visit", "target_id": "H4",
           "started_at": f"{w.today}T09:00:00+08:00", "submitted_at": f"{w.today}T09:30:00+08:00",
           "location": {"lon": 101.953, "lat": 24.05, "accuracy_m": 5},
           "answers": {"members": 5, "food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
                       "drinking_water": "yes"}}
    records.submit(w["vm1"], who, sub, [])
    assert int(report.monthly(w["cp"], month).iloc[0]["no_visit"]) == 0
    # a village monitor's report is their village's
    mine = report.monthly(w["vm1"], month)
    assert list(mine["code"]) == ["530427000000", T1, V1] and int(mine.iloc[0]["monitored"]) == 2


def test_ledger_lists_every_case_with_what_is_wrong(world, county):
    w = world
    led = report.ledger(w["cp"]).set_index("household_id")
    assert list(report.ledger(w["cp"]).columns) == ["case_id", "household_id", "village_code", "category", "state",
                                                    "identified_on", "eliminated_on", "risk_types", "measures",
                                                    "last_visit_on", "problems"]
    got = {h: (r["state"], list(r["problems"])) for h, r in led.iterrows()}
    assert got == {
        "H4": ("identified", ["no_measure", "risk_without_measure:illness", "no_visit"]),
        "H7": ("eliminated", ["early_elimination"]),
        "H1": ("identified", []),
        "H2": ("proposed", ["no_consent"]),
        "H3": ("notice", []),
        "H5": ("township_reviewed", []),
        "H6": ("returned", ["objection_open"]),
        "H8": ("proposed", ["no_consent", "review_overdue"]),
    }
    assert led.loc["H1", "measures"] == ["medical"] and led.loc["H7", "eliminated_on"] == \
        w.today - timedelta(days=100)
    assert list(report.ledger(w["cp"], state="proposed")["household_id"]) == ["H2", "H8"]
    assert list(report.ledger(w["cp"], village=V2)["household_id"]) == ["H7", "H6"]
    words = report.labelled_ledger(report.ledger(w["cp"], village=V1), "zh")
    assert list(words.columns)[:3] == ["案例编号", "户编号", "行政村代码"]
    h4 = words[words["户编号"] == "H4"].iloc[0]
    assert h4["存在问题"] == "无帮扶措施、风险无对应措施（因病）、30天未走访" and h4["状态"] == "已识别纳入（帮扶中）"


def test_command_line_writes_the_issues_columns(world, county, tmp_path, capsys):
    w = world
    # an imported household id that a spreadsheet would run as a formula
    w.owner_shift("""INSERT INTO households (id, natural_village_id, category, monitor_state, members, geom, geom_m)
                     SELECT '=1+2', natural_village_id, 'marginal', 'identified', 1, geom, geom_m
                     FROM households WHERE id = 'H1'""")
    w.owner_shift("SELECT mon_import_cases()")
    month = w.today.strftime("%Y-%m")
    assert main(["cases", "--out", str(tmp_path / "cases.csv")]) == 0
    with open(tmp_path / "cases.csv", encoding="utf-8-sig") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == ["case_id", "household_id", "village_code", "category", "state", "identified_on",
                              "eliminated_on", "risk_types", "measures", "last_visit_on", "problems"]
    by = {r["household_id"]: r for r in table}
    assert by["H4"]["problems"] == "no_measure;risk_without_measure:illness;no_visit"
    assert by["H8"]["problems"] == "no_consent;review_overdue" and by["H1"]["problems"] == ""
    assert "'=1+2" in by and "=1+2" not in by
    assert main(["cases", "--state", "proposed"]) == 0
    out = capsys.readouterr().out
    assert [r["household_id"] for r in csv.DictReader(io.StringIO(out))] == ["H2", "H8"]
    assert main(["report", "--month", month, "--out", str(tmp_path / "r.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    head = [c.value for c in ws[1]]
    assert head[:5] == ["层级", "区划代码", "名称", "监测户数（户）", "监测人口（人）"]
    assert "未满最短帮扶期申请消除（户）" in head and "因病" in head and "已识别纳入（帮扶中）" in head
    county_row = [c.value for c in ws[2]]
    assert county_row[:4] == ["县级", "530427000000", "示范县", 3]
    assert main(["cases", "--out", str(tmp_path / "c.xlsx")]) == 0
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    assert [c.value for c in ws[1]][:2] == ["案例编号", "户编号"]
    assert "'=1+2" in [r[1] for r in ws.iter_rows(min_row=2, values_only=True)]
    # bad input: one line, exit 2, nothing written
    assert main(["report", "--month", "2026-13"]) == 2
    assert main(["report", "--month", f"{w.today.year + 1}-01"]) == 2
    assert main(["cases", "--state", "sleeping"]) == 2
    assert main(["report", "--month", month, "--out", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert "has not begun" in err and "unknown format" in err and not (tmp_path / "r.pdf").exists()
