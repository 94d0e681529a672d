"""The capture and review pages, driven by Streamlit's AppTest against a real database: log in with a token, see
the due list, fill the prefilled form; review an inspection through to county confirmation."""

import pytest
from streamlit.testing.v1 import AppTest

import inspections_world as w
from conftest import ROOT
from inspections import auth, records
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


@pytest.fixture
def tokens(world, conn):
    with conn.cursor() as cur:
        out = {k: auth.create_token(cur, p.id) for k, p in world.items()}
    conn.commit()
    return out


def test_capture_page_lists_due_checks_and_prefills_the_form(tokens):
    at = AppTest.from_file(str(ROOT / "views" / "inspect_capture.py"), default_timeout=30)
    at.run()
    at.text_input(key="inspector_token").input("dx_wrong").run()
    assert at.error and "令牌无效" in at.error[0].value
    at.text_input(key="inspector_token").input(tokens["insp"]).run()
    assert not at.exception
    picks = at.radio(key="task_pick")
    labels = list(picks.options)  # as shown: label · kind · distance · overdue
    assert any("H1" in s and "逾期" in s for s in labels)          # the monitored household, overdue
    idx = next(i for i, s in enumerate(labels) if s.startswith("HS1"))
    picks.set_value(idx).run()
    assert not at.exception
    grade = at.radio(key="visit:house_safety:HS1:grade")
    assert grade.value == "D"                                      # prefilled from the house's record
    assert at.radio(key="visit:house_safety:HS1:occupied").value == "no"
    assert at.button[-1].disabled                                  # submit waits for a position


def test_review_page_moves_an_inspection_along(tokens, conn, world):
    res = records.submit(conn, world["insp"], w.submission("H1", w.H1), [])

    def review_as(who):
        at = AppTest.from_file(str(ROOT / "views" / "inspect_review.py"), default_timeout=30)
        at.run()
        at.text_input(key="reviewer_token").input(tokens[who]).run()
        at.selectbox(key="review_pick").set_value(res.id).run()
        assert not at.exception, at.exception
        return at

    def state():
        with conn.cursor() as cur:
            s = records.get(cur, res.id)["review_state"]
        conn.rollback()
        return s

    at = review_as("village")
    assert any("无现场照片" in x.value for x in at.warning)  # the flag, shown to the reviewer
    next(b for b in at.button if b.label == "村级核实通过").click().run()
    assert state() == "village_verified"
    at = review_as("township")
    at.text_input(key=f"reason:{res.id}").input("家庭人口有误").run()
    next(b for b in at.button if b.label == "退回").click().run()
    assert state() == "returned"
    with conn.cursor() as cur:
        assert records.get(cur, res.id)["history"][-1]["reason"] == "家庭人口有误"
    conn.rollback()


def test_capture_page_in_english(tokens):
    at = AppTest.from_file(str(ROOT / "views" / "inspect_capture.py"), default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="inspector_token").input(tokens["insp"]).run()
    assert not at.exception
    assert "Log an inspection" in [x.value for x in at.title]
    assert any("Household visit" in o and "overdue" in o for o in at.radio(key="task_pick").options)
