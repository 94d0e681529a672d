"""The water works' records from files in a real PostGIS: a CSV with the Chinese headers imported and exported
again; a bad file refused whole with every problem named by file, row and field; a return visit recorded; a role
that may not write the water bureau's records refused by row-level security."""
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

import checks_scenario as sc
from accounts import scoped
from accounts_fixtures import fast_hashing  # noqa: F401 (autouse)
from accounts_fixtures import make_users
from board import rectification
from waterplan import works

SOURCES = [{"id": "W1", "status": "working", "kind": "centralised", "people_served": 1200, "disinfection": True,
            "village_code": "530427100201", "dx": 0, "dy": 0}]


@pytest.fixture
def county(conn):
    sc.load(conn, sources=SOURCES)
    return conn


def count(conn, table):
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        n = cur.fetchone()[0]
    conn.rollback()
    return n


def test_complaints_imported_with_chinese_headers_and_a_return_visit_recorded(county, tmp_path):
    f = tmp_path / "投诉.csv"
    f.write_text("供水工程编号,受理日期,投诉内容,答复日期,回访日期\nW1,2026-03-01,水压低,2026-03-02,\n"
                 "W1,2026-03-05,=cmd|' /C calc'!A0,,\n", encoding="utf-8-sig")
    assert works.import_frame(county, "complaints", works.read_file(f), f.name) == 2
    rectification.refresh(county)
    got = rectification.items(county, kind="works")
    assert sorted(got.problem) == ["complaint_no_return_visit", "complaint_unanswered", "works_no_manager"]
    first = works.read(county, "complaints").sort_values("received_on").iloc[0]
    assert works.record_answer(county, int(first.id), None, date(2026, 3, 9)) is True
    rectification.refresh(county)
    assert sorted(rectification.items(county, kind="works").problem) == ["complaint_unanswered", "works_no_manager"]
    out = tmp_path / "out.csv"
    root = sc.__file__.rsplit("/tests/", 1)[0]
    p = subprocess.run([sys.executable, "-m", "geo", "works", "export", "complaints", str(out)], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    back = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(back.columns) == ["编号", "供水工程编号", "受理日期", "投诉内容", "答复日期", "回访日期"]
    assert "'=cmd|' /C calc'!A0" in set(back["投诉内容"])          # neutralised, not a formula


def test_a_bad_file_is_refused_whole_with_each_problem_named(county, tmp_path):
    f = tmp_path / "fees.csv"
    f.write_text("source_id,year,due_yuan,collected_yuan\nW1,2026,1000,950\nW9,2026,100,90\n"
                 "W1,2025.5,-3,abc\n", encoding="utf-8")
    with pytest.raises(works.WorksImportError) as err:
        works.import_frame(county, "fees", works.read_file(f), f.name)
    assert err.value.problems == ["fees.csv: row 4: year: cannot read '2025.5'",
                                  "fees.csv: row 4: due_yuan: negative",
                                  "fees.csv: row 4: collected_yuan: cannot read 'abc'"]
    f.write_text("source_id,year,due_yuan,collected_yuan\nW1,2026,1000,950\nW9,2026,100,90\n", encoding="utf-8")
    with pytest.raises(works.WorksImportError, match=r"fees.csv: row 3: source_id: no such water source 'W9'"):
        works.import_frame(county, "fees", works.read_file(f), f.name)
    g = tmp_path / "t.csv"
    g.write_text("manager_id,held_on,level\n1,2026-02-30,province\n", encoding="utf-8")
    with pytest.raises(works.WorksImportError) as err:
        works.import_frame(county, "trainings", works.read_file(g), g.name)
    assert err.value.problems == ["t.csv: row 2: held_on: cannot read '2026-02-30'",
                                  "t.csv: row 2: level: 'province' is not one of county, township"]
    assert count(county, "works_fees") == count(county, "works_trainings") == 0      # nothing written
    # a year's fees imported again replace the stored ones
    f.write_text("source_id,year,due_yuan,collected_yuan\nW1,2026,1000,940\n", encoding="utf-8")
    works.import_frame(county, "fees", works.read_file(f), f.name)
    f.write_text("source_id,year,due_yuan,collected_yuan\nW1,2026,1000,990\n", encoding="utf-8")
    works.import_frame(county, "fees", works.read_file(f), f.name)
    assert works.read(county, "fees").collected_yuan.tolist() == [990]


def test_only_the_water_bureau_and_planners_write_works_records(county, db_url):
    people = make_users(county)
    frame = pd.DataFrame({"source_id": ["W1"], "sampled_on": ["2026-05-01"], "lab": ["县疾控中心"], "passed": ["否"]})
    c = scoped.connect_as(people["town_a"], db_url)
    try:
        with pytest.raises(works.WorksImportError, match="outside your scope or role"):
            works.import_frame(c, "samples", frame, "s.csv")
    finally:
        c.close()
    c = scoped.connect_as(people["water_a"], db_url)
    try:
        assert works.import_frame(c, "samples", frame, "s.csv") == 1
        assert works.read(c, "samples").passed.tolist() == [False]
    finally:
        c.close()


def test_water_bureau_page_lists_records_and_rules_with_sources(county, db_url):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT, sign_in
    with county.cursor() as cur:
        cur.execute("INSERT INTO works_complaints (source_id, received_on, summary, answered_on) "
                    "VALUES ('W1', '2026-03-01', '<b>水压低</b>', '2026-03-02')")
    county.commit()
    at = AppTest.from_file(str(ROOT / "views" / "water_works.py"), default_timeout=60)
    sign_in(at, "water_bureau", "530427000000")
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    rules = at.dataframe[0].value
    assert "陇县2021任务24–27、安康2020附件8：水费收缴率≥95%" in set(rules.iloc[:, 0])
    assert "0.95" in set(rules.iloc[:, 1])
    table = at.dataframe[1].value
    assert list(table["投诉内容"]) == ["<b>水压低</b>"] and "回访日期" in table.columns
    assert at.metric[0].value == "2"    # the complaint without a return visit, the village without a manager
