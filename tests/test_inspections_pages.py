"""The capture and review pages, driven by Streamlit's AppTest against a real database: sign in, see
the due list, fill the prefilled form; review an inspection through to county confirmation. The pages sign in as
accounts (a real user and session, tests/conftest.sign_in)."""

from streamlit.testing.v1 import AppTest

import inspections_world as w
from conftest import ROOT, TEST_PASSWORD, sign_in, account_for
from inspections import records
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)


def as_account(page: str, who: str, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=30)
    if lang:
        at.session_state["lang"] = lang
    sign_in(at, *w.ACCOUNTS[who], login=who)
    return at.run()


def test_capture_page_lists_due_checks_and_prefills_the_form(world):
    at = AppTest.from_file(str(ROOT / "views" / "inspect_capture.py"), default_timeout=30)
    at.run()
    account_for(*w.ACCOUNTS["insp"], login="insp")
    at.text_input[0].input("insp")
    at.text_input[1].input("wrong password here")
    at.button[0].click().run()
    assert at.error and "登录名或密码错误" in at.error[0].value      # no task list without a valid login
    assert not at.radio
    at.text_input[1].input(TEST_PASSWORD)
    at.button[0].click().run()
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


def test_review_page_moves_an_inspection_along(conn, world):
    res = records.submit(conn, world["insp"], w.submission("H1", w.H1), [])

    def review_as(who):
        at = as_account("inspect_review", who)
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


def test_capture_page_in_english(world):
    at = as_account("inspect_capture", "insp", "en")
    assert not at.exception
    assert "Log an inspection" in [x.value for x in at.title]
    assert any("Household visit" in o and "overdue" in o for o in at.radio(key="task_pick").options)
