"""The demo county's cases: generated deterministically with the layers; loaded, every state of both chains is
there with its history, measures, notices, an objection answered and one open, a seeded spot check that draws again
the same, departments' alerts; the eliminated households imported, the planted early eliminations flagged; a second
load replaces the first whole."""
from __future__ import annotations

import pandas as pd
import pytest

from data import demo
from geo import db
from geo.cmd_demo import load
from geo.i18n import vocabulary
from monitoring import demo as cases_demo, report, signals, spotcheck


@pytest.fixture(scope="module")
def generated():
    return demo.generate(1, "town")


@pytest.fixture(scope="module")
def tables(generated):
    return cases_demo.cases(generated)


def test_same_seed_same_cases(generated, tables):
    again, other = cases_demo.cases(demo.generate(1, "town")), cases_demo.cases(demo.generate(2, "town"))
    assert list(tables) == ["mon_cases", "mon_case_log", "mon_measures", "mon_notices", "mon_notice_cases",
                                      "mon_objections", "mon_spot_checks", "mon_spot_check_items",
                                      "mon_department_alerts"]
    for name, frame in tables.items():
        assert demo.layer_digest(again[name]) == demo.layer_digest(frame), name
    assert demo.layer_digest(other["mon_cases"]) != demo.layer_digest(tables["mon_cases"])


def test_loaded_demo_has_every_state_with_histories_and_flags_early_eliminations(db_url, generated, tables):
    load(generated, db_url)
    conn = db.connect(db_url)
    try:
        cases = db.query_df(conn, "SELECT * FROM mon_cases ORDER BY id")
        assert set(cases["state"]) == set(vocabulary("case_state"))
        log = db.query_df(conn, "SELECT case_id, action, from_state, to_state FROM mon_case_log ORDER BY at, id")
        for cid, steps in log.groupby("case_id"):
            moves = steps[steps["from_state"] != steps["to_state"]]
            assert moves["to_state"].iloc[-1] == cases.set_index("id").loc[cid, "state"], cid
            assert steps["action"].iloc[0] in ("propose", "import"), cid
        made = cases[~cases["historical"]]
        assert (made["found_by"] != "imported").all() and len(made) == len(tables["mon_cases"])
        # every monitored household is a case; the eliminated ones imported with their dates
        hh = db.query_df(conn, "SELECT id, monitor_state, identified_on, risk_eliminated_on FROM households "
                               "WHERE category IN ('unstable', 'marginal', 'sudden_hardship')")
        assert set(hh["id"]) <= set(cases["household_id"])
        gone = hh[hh["monitor_state"] == "risk_eliminated"]
        early = set(gone[(pd.to_datetime(gone["risk_eliminated_on"]) - pd.to_datetime(gone["identified_on"]))
                         .dt.days < 90]["id"])
        assert len(early) == 1
        ledger = report.ledger(conn)
        flagged = set(ledger[ledger["problems"].map(lambda p: "early_elimination" in p)]["household_id"])
        assert flagged == early
        assert {c: int(n) for c, n in db.query_rows(conn, "SELECT outcome IS NULL, count(*) FROM mon_objections "
                                                          "GROUP BY 1")} == {False: 1, True: 1}
        measured = db.query_value(conn, "SELECT count(DISTINCT case_id) FROM mon_measures")
        assert measured > 0.6 * (cases["state"] == "identified").sum()
        assert spotcheck.verify(conn, 1)["same"]
        conn.rollback()
        # monitoring's three alerts and the departments' lists' crossings (departments/demo.py), one signal each
        alerts = db.query_value(conn, "SELECT count(*) FROM mon_department_alerts")
        assert alerts > 3 and signals.raise_signals(conn, ["department_alert"]) == {"department_alert": alerts}
    finally:
        conn.close()
    load(generated, db_url)                 # again: replaced whole, history included
    conn = db.connect(db_url)
    try:
        assert db.query_value(conn, "SELECT count(*) FROM mon_cases") == len(cases)
        assert db.query_value(conn, "SELECT count(*) FROM mon_signals") == 0
        assert db.query_value(conn, "SELECT max(id) FROM mon_cases") == len(cases)
    finally:
        conn.close()
