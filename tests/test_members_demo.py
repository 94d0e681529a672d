"""The demo's members and departments' lists (issue 14): every household's members with ages, sexes and ID numbers
that agree, the other layers as they were, and one month's lists loaded with their crossings and unknown numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import demo
from departments import demo as dept_demo
from geo import db, validate
from geo.cmd_demo import load
from monitoring import signals


@pytest.fixture(scope="module")
def town():
    return demo.generate(3, "town")


def test_members_agree_with_their_households_and_id_numbers(town):
    m = town.layers["household_members"]
    hh = town.layers["households"]
    assert m.household_id.value_counts().reindex(hh.id).tolist() == hh.members.tolist()
    heads = m[m.relation == "head"].set_index("household_id")
    assert (heads.id_number.reindex(hh.id).to_numpy() == hh.id_number.to_numpy()).all()
    malformed, bad_check, bad_birth, bad_sex = validate.id_number_problems(m.id_number, m.birth_date, m.sex)
    assert not (malformed | bad_check | bad_birth | bad_sex).any()
    assert m.id_number.is_unique and m.id.is_unique and m.id_number.str.startswith("530427").all()
    born = pd.to_datetime(m.birth_date)
    assert born.max() < pd.Timestamp(str(demo.AS_OF)) and born.min() > pd.Timestamp("1925-01-01")
    age = (pd.Timestamp(str(demo.AS_OF)) - born).dt.days / 365.25
    kids = m[(age >= 6) & (age < 16)]
    assert len(kids) > 200 and (kids.enrolled == False).sum() >= 1  # noqa: E712  (planted dropouts)
    assert set(m.relation) >= {"head", "spouse", "child"}


def test_members_leave_the_other_layers_as_they_were(town):
    """The members' stream is their own: the same seed gives the same other layers whatever the members do."""
    again = demo.generate(3, "town")
    for name in town.layers:
        assert demo.layer_digest(again.layers[name]) == demo.layer_digest(town.layers[name]), name


def test_demo_lists_loaded_with_crossings_and_unknown_numbers(town, db_url):
    load(town, db_url)
    conn = db.connect(db_url)
    try:
        assert db.query_value(conn, "SELECT count(*) FROM mon_signals") == 0   # raised after the demo's checks
        signals.raise_signals(conn, ["department_alert"])
        kinds = dict(db.query_rows(conn, "SELECT kind, rows FROM dept_lists"))
        unmatched = db.query_value(conn, "SELECT count(*) FROM dept_list_rows WHERE member_id IS NULL")
        raised = dict(db.query_rows(conn, "SELECT rule, count(*) FROM mon_signals WHERE source = 'department_alert' "
                                          "AND ref LIKE %s GROUP BY rule", ("%:" + dept_demo.PERIOD + ":%",)))
        dropped = db.query_value(conn, "SELECT count(*) FROM household_members WHERE insured IS FALSE")
    finally:
        conn.close()
    assert set(kinds) == {"dibao", "insurance", "medical", "disability", "school", "employment"}
    assert unmatched == 8                       # two on the insurance and dibao lists, one on each other
    assert {"insurance_lost", "dropped_out", "disability_certified", "medical_cost_high"} <= set(raised)
    assert dropped == (town.layers["household_members"].insured == False).sum() + raised["insurance_lost"]  # noqa
    assert np.all(np.array(list(raised.values())) > 0)
