"""Household members (issue 14): the layer imported, checked row by row (ID numbers by GB 11643) and refused whole on
any bad row; the guarantees per person at their edges; roll-ups on a hand-built county; masking per role."""
from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from geo import db, validate
from geo.checks import guarantees
from geo.cli import main

import members_world as world
from test_import import checksum


def _import(folder, *extra):
    return main(["import", str(folder), *extra])


@pytest.fixture
def county(db_url, tmp_path):
    assert _import(world.write(tmp_path / "ds")) == 0
    return db_url


def test_members_imported_and_counted(county, capsys):
    conn = db.connect(county)
    try:
        n = db.query_value(conn, "SELECT count(*) FROM household_members")
        members = dict(db.query_rows(conn, "SELECT id, members FROM households ORDER BY id"))
        m2 = db.query_rows(conn, "SELECT relation, sex, birth_date::text, enrolled FROM household_members "
                                 "WHERE id = 'M2'")[0]
        m8 = db.query_rows(conn, "SELECT school_stage, disability_grade FROM household_members WHERE id = 'M8'")[0]
    finally:
        conn.close()
    assert n == len(world.MEMBERS)
    # members on the household follows from its member rows (the file said 9 for each)
    assert members == {"H1": 3, "H2": 3, "H3": 3, "H4": 1, "H5": 2}
    assert m2 == ("child", "male", "2020-11-21", False)       # Chinese labels stored as codes
    assert m8 == ("home_teaching", 1)


def test_id_number_checks():
    good = world.id_number("1980-03-01", 1, True)
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    ids = pd.Series([good, wrong_digit, "53042719800301", "530427198002300011", good.lower(), None])
    malformed, bad_check, _b, _s = validate.id_number_problems(ids)
    assert list(malformed) == [False, False, True, True, False, False]   # too short; 30 February
    assert list(bad_check) == [False, True, False, False, False, False]
    _m, _c, bad_birth, bad_sex = validate.id_number_problems(
        pd.Series([good, good]), pd.Series(["1980-03-01", "1980-03-02"]), pd.Series(["female", "male"]))
    assert list(bad_birth) == [False, True] and list(bad_sex) == [True, False]
    female = world.id_number("1990-01-01", 5, False)
    assert int(female[16]) % 2 == 0


BAD_ROWS = [
    ("id_number", "530427198003010010", "id_number: check digit wrong"),
    ("id_number", "5304271980", "id_number: not an 18-character resident ID number"),
    ("birth_date", "1980-03-02", "birth_date: 1980-03-02 differs from the birth date in the ID number 19800301"),
    ("sex", "女", "sex: female differs from the sex the ID number carries"),
    ("relation", "表哥", "relation: unknown value '表哥'"),
    ("household_id", "H99", "household_id: unknown household"),
    ("name", "", "name: missing a value (required)"),
    ("disability_grade", "7", "disability_grade: must be from 1 to 4, got 7"),
    ("birth_date", "2099-01-01", "birth_date:"),
    ("insured", "maybe", "insured: not yes/no"),
    ("id", "M2", "row 3 (id M2): id: duplicate id 'M2' (first on row 2)"),
]


@pytest.mark.parametrize("column,value,message", BAD_ROWS, ids=[f"{c}={v}" for c, v, _ in BAD_ROWS])
def test_bad_member_row_refused_nothing_written(db_url, tmp_path, capsys, column, value, message):
    folder = world.write(tmp_path / "ds", with_members=False)
    assert _import(folder) == 0
    before = checksum(db_url)
    members = world.MEMBERS.astype(object).copy()
    members.loc[0, column] = value     # M1, row 2 of the file
    members.to_csv(folder / "household_members.csv", index=False)
    for name in ("natural_villages", "households", "relocation_sites", "relocated_households"):
        (folder / f"{name}.csv").unlink()
    assert _import(folder) == 2
    err = capsys.readouterr().err
    where = "row 3" if column == "id" else "row 2 (id M1)"
    assert f"household_members.csv: {where}" in err and message in err, err
    assert "nothing was imported" in err
    assert checksum(db_url) == before


def test_duplicate_id_number_refused(db_url, tmp_path, capsys):
    members = world.MEMBERS.copy()
    members.loc[1, "id_number"] = members.loc[0, "id_number"]
    members.loc[1, ["birth_date", "sex"]] = members.loc[0, ["birth_date", "sex"]]
    assert _import(world.write(tmp_path / "ds", members)) == 2
    err = capsys.readouterr().err
    assert "household_members.csv: row 3 (id M2): id_number: ID number" in err and "earlier row" in err
    conn = db.connect(db_url)
    try:
        assert db.query_value(conn, "SELECT count(*) FROM households") == 0   # nothing of the whole import
    finally:
        conn.close()


def _fails(conn, label="longxian-2021") -> set[tuple[str, str]]:
    return {(r.rule, r.member_id) for r in guarantees.results(conn, label).itertuples()}


def test_guarantee_rules_at_their_edges(county):
    conn = db.connect(county)
    try:
        run = guarantees.check_guarantees(conn, guarantees.load_guarantees(conn), world.AS_OF)
        conn.commit()
        fails = _fails(conn)
    finally:
        conn.close()
    assert fails == {
        ("out_of_school", "M3"),          # turned 6 today; M2 turns 6 tomorrow and is not school age
        ("out_of_school", "M5"),          # 15 until tomorrow; M6 turned 16 today and is past school age
        ("no_doctor_contract", "M4"),
        ("uninsured", "M7"),
        ("home_teaching", "M8"),          # taught at home once; M9 twice, which is enough
        ("below_income_line", "M7"),      # H3: 5,000 yuan for 3 people (named by its head)
        ("zero_employment", "M11"),       # H5 relocated, willing labour, no one employed
    }
    row = run.rows[run.rows.rule == "home_teaching"].iloc[0]
    assert row.detail["visits"] == 1 and row.detail["required"] == 2 and "送教上门" in row.detail["source"]
    assert row.household_id == "H3"


def test_settings_move_the_edges(county):
    conn = db.connect(county)
    try:
        g = guarantees.load_guarantees(conn, None, {"school_age_max": "16", "home_teaching_visits_per_month": 3,
                                                    "income_line_yuan": 1000})
        assert g.label.startswith("longxian-2021?")
        guarantees.check_guarantees(conn, g, world.AS_OF)
        fails = _fails(conn, g.label)
        with pytest.raises(guarantees.RuleError, match="expected int"):
            guarantees.load_guarantees(conn, None, {"school_age_min": "six"})
        with pytest.raises(guarantees.RuleError, match="not a guarantee setting"):
            guarantees.load_guarantees(conn, None, {"dry_season": "true"})
    finally:
        conn.close()
    assert ("out_of_school", "M6") in fails and ("home_teaching", "M9") in fails
    assert not any(r == "below_income_line" for r, _ in fails)


def test_rollup_on_the_hand_built_county(county):
    conn = db.connect(county)
    try:
        run = guarantees.check_guarantees(conn, guarantees.load_guarantees(conn), world.AS_OF)
    finally:
        conn.close()
    r = run.rollup.set_index("code")
    assert list(run.rollup.level) == ["county", "township", "township", "village", "village", "village"]
    v1 = r.loc["530427205201"]
    assert (v1.members, v1.out_of_school, v1.home_teaching, v1.uninsured, v1.no_doctor_contract,
            v1.below_income_line) == (9, 2, 1, 1, 1, 1)
    assert r.loc["530427205202"].members == 1 and r.loc["530427205202"].out_of_school == 0
    t = r.loc["530427205000"]
    assert t.members == 10 and t.out_of_school == 2
    c = r.loc["530427000000"]
    assert (c.members, c.out_of_school, c.zero_employment, c.relocated_with_labour) == (12, 2, 1, 1)
    assert c.employment_share == 0.0


def test_check_guarantees_command(county, tmp_path, capsys):
    out = tmp_path / "fails.csv"
    assert main(["check", "guarantees", "--as-of", "2026-11-20", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "guarantees longxian-2021 v1: 7 failures" in said and "employed 0.0%" in said
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["member_id", "household_id", "rule", "detail"]
    assert {(r["member_id"], r["rule"]) for r in rows} >= {("M3", "out_of_school"), ("M11", "zero_employment")}
    assert json.loads(rows[0]["detail"])["source"]
    assert main(["check", "guarantees", "--set", "school_age_min=x"]) == 2
    assert "school_age_min" in capsys.readouterr().err


def test_exported_ledger_reads_back(county, tmp_path, capsys):
    """The members' export is a file the import takes back unchanged (CSV with the schema's names; Excel has the
    Chinese headers)."""
    out = tmp_path / "back" / "household_members.csv"
    out.parent.mkdir()
    assert main(["export", "household_members", "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("id,household_id,name,relation,sex,birth_date,id_number")
    xlsx = tmp_path / "members.xlsx"
    assert main(["export", "household_members", "--out", str(xlsx)]) == 0
    import openpyxl
    first = [c.value for c in next(openpyxl.load_workbook(xlsx).active.iter_rows(max_row=1))]
    assert first[:7] == ["成员编号", "户编号", "姓名", "与户主关系", "性别", "出生日期", "身份证号"]
    before = checksum(county)["household_members"]
    assert _import(out.parent, "--replace") == 0, capsys.readouterr().err
    assert checksum(county)["household_members"] == before
