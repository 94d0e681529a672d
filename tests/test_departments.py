"""The departments' monthly lists (issue 14): matched by ID number, crossings raised once as department alerts,
unmatched numbers listed, the same list twice changing nothing, a bad file changing nothing and saying why."""
from __future__ import annotations

import pandas as pd
import pytest

from departments import lists
from departments.__main__ import build_parser
from geo import db
from geo.checks import guarantees
from geo.cli import main as cli_main

import members_world as world
from test_import import checksum

ID = dict(zip(world.MEMBERS.id, world.MEMBERS.id_number))
STRANGER = world.id_number("1966-06-06", 77, True)


@pytest.fixture
def county(db_url, tmp_path):
    assert cli_main(["import", str(world.write(tmp_path / "ds"))]) == 0
    return db_url


def _dept(*args) -> int:
    return cli_main(list(args), build=build_parser)


def _state(url):
    conn = db.connect(url)
    try:
        return (db.query_rows(conn, "SELECT source, rule, household_id, ref FROM mon_signals ORDER BY ref"),
                db.query_rows(conn, "SELECT id, insured, enrolled, disability_grade FROM household_members "
                                    "ORDER BY id"),
                db.query_rows(conn, "SELECT list_id, row_no, id_number, member_id, fields::text FROM dept_list_rows "
                                    "ORDER BY id_number"),
                db.query_value(conn, "SELECT count(*) FROM mon_department_alerts"))
    finally:
        conn.close()


def _insurance_csv(tmp_path, encoding="utf-8-sig"):
    path = tmp_path / "医保参保状态 2026-11.csv"
    pd.DataFrame({"姓名": ["张一", "王三", "查无此人", "李二"],
                  "身份证号": [ID["M1"], ID["M7"], STRANGER, ID["M4"]],
                  "参保状态": ["未参保", "未参保", "已参保", "已参保"]}).to_csv(path, index=False, encoding=encoding)
    return path


def test_insured_the_day_before_a_list_drops_them(county, tmp_path, capsys):
    conn = db.connect(county)
    try:
        before = guarantees.check_guarantees(conn, guarantees.load_guarantees(conn), world.AS_OF)
        conn.commit()
    finally:
        conn.close()
    assert ("uninsured", "M1") not in {(r.rule, r.member_id) for r in before.rows.itertuples()}
    assert _dept("import-list", "insurance", str(_insurance_csv(tmp_path)), "--period", "2026-11") == 0
    out = capsys.readouterr().out
    assert "4 rows, matched 3, unmatched 1" in out and "insured 1" in out and "crossings 1, new signals 1" in out
    assert f"unmatched: row 4: {STRANGER} 查无此人" in out
    signals, members, _rows, alerts = _state(county)
    # M7 was known uninsured already: no crossing; M1 was insured and the list drops them
    assert signals == [("department_alert", "insurance_lost", "H1", f"县医疗保障局:insurance:2026-11:{ID['M1']}")]
    assert dict((m[0], m[1]) for m in members)["M1"] is False
    conn = db.connect(county)
    try:
        after = guarantees.check_guarantees(conn, guarantees.load_guarantees(conn), world.AS_OF)
        unmatched = lists.unmatched(conn)
    finally:
        conn.close()
    assert ("uninsured", "M1") in {(r.rule, r.member_id) for r in after.rows.itertuples()}
    assert unmatched[["kind", "period", "row_no", "id_number"]].values.tolist() == [
        ["insurance", "2026-11", 4, STRANGER]]


def test_same_list_twice_one_set_of_signals(county, tmp_path, capsys):
    path = _insurance_csv(tmp_path, encoding="gb18030")     # as Excel in Chinese saves a CSV
    assert _dept("import-list", "insurance", str(path), "--period", "2026-11") == 0
    first = _state(county)
    whole = checksum(county)
    capsys.readouterr()
    assert _dept("import-list", "insurance", str(path), "--period", "2026-11") == 0
    said = capsys.readouterr().out
    assert "changed rows 0" in said and "members updated: none" in said and "new signals 0" in said
    assert _state(county) == first and checksum(county) == whole
    assert len(first[0]) == 1 and first[3] == 1


def test_each_kind_crosses(county, tmp_path, capsys):
    school = tmp_path / "在校.xlsx"
    pd.DataFrame({"身份证号": [ID["M10"], ID["M3"]], "姓名": ["赵四", "张六"], "在校状态": ["辍学", "在读"],
                  "学校": ["昆明学院", "平掌小学"]}).to_excel(school, index=False)
    assert _dept("import-list", "school", str(school), "--period", "2026-11") == 0
    disab = tmp_path / "残疾证.csv"
    pd.DataFrame({"身份证号": [ID["M1"], ID["M8"]], "残疾等级": ["二级", "一级"]}).to_csv(disab, index=False)
    assert _dept("import-list", "disability", str(disab), "--period", "2026-11") == 0
    med = tmp_path / "大额医疗.csv"
    pd.DataFrame({"身份证号": [ID["M4"], ID["M5"]], "个人自付金额（元）": ["25000", "900"]}).to_csv(med, index=False)
    assert _dept("import-list", "medical", str(med), "--period", "2026-11") == 0
    dibao = tmp_path / "低保.csv"
    pd.DataFrame({"身份证号": [ID["M7"], ID["M4"]], "类别": ["低保", "特困"]}).to_csv(dibao, index=False)
    assert _dept("import-list", "dibao", str(dibao), "--period", "2026-11") == 0
    signals, members, _rows, _n = _state(county)
    got = {(rule, hh) for _s, rule, hh, _ref in signals}
    # M10 enrolled before and now dropped out; M3 now enrolled (no crossing); M1 newly disabled, M8 no graver;
    # M4's cost over 10,000; H3 exited and now on dibao (H2 is a general household: no crossing)
    assert got == {("dropped_out", "H4"), ("disability_certified", "H1"), ("medical_cost_high", "H2"),
                   ("on_dibao", "H3")}
    m = {r[0]: r[1:] for r in members}
    assert m["M10"][1] is False and m["M3"][1] is True and m["M1"][2] == 2


BAD_FILES = [
    ({"身份证号": ["530427198003010010"], "参保状态": ["未参保"]}, "row 2: id_number: check digit wrong"),
    ({"身份证号": [ID["M1"]], "参保状态": ["也许"]}, "row 2: insured: not yes/no: '也许'"),
    ({"身份证号": [ID["M1"], ID["M1"]], "参保状态": ["是", "否"]}, "row 3: id_number:"),
    ({"证号": [ID["M1"]], "参保状态": ["是"]}, "columns: missing id_number (身份证号/身份证号码)"),
    ({"身份证号": [ID["M1"]], "状态": ["是"]}, "columns: missing insured"),
    ({"身份证号": [""], "参保状态": ["是"]}, "row 2: id_number: missing a value"),
]


@pytest.mark.parametrize("content,message", BAD_FILES, ids=[m.split(":")[0] + str(i) for i, (_c, m)
                                                              in enumerate(BAD_FILES)])
def test_bad_list_changes_nothing(county, tmp_path, capsys, content, message):
    # a good list first, so a bad one would have something to spoil
    assert _dept("import-list", "insurance", str(_insurance_csv(tmp_path)), "--period", "2026-11") == 0
    before = _state(county), checksum(county)
    path = tmp_path / "bad.csv"
    pd.DataFrame(content).to_csv(path, index=False)
    capsys.readouterr()
    assert _dept("import-list", "insurance", str(path), "--period", "2026-11") == 2
    err = capsys.readouterr().err
    assert f"bad.csv: {message}" in err and "nothing was imported" in err, err
    assert (_state(county), checksum(county)) == before


def test_bad_period_and_file(county, tmp_path, capsys):
    assert _dept("import-list", "insurance", str(_insurance_csv(tmp_path)), "--period", "2026-13") == 2
    assert "period: expected YYYY-MM" in capsys.readouterr().err
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a spreadsheet")
    assert _dept("import-list", "school", str(junk), "--period", "2026-11") == 2
    assert "junk.xlsx: file: unreadable" in capsys.readouterr().err
    assert _state(county)[3] == 0
