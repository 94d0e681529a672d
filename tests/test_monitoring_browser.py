"""Monitored households in Debian's headless Chromium against the real server (`python -m geo serve`): a village
monitor proposes a case from a signal (with the household's consent), the village's other monitor assesses it and
posts the notice, the township officer reviews it once the window has passed and the county planner confirms it;
the map's risk layer then shows the household. And the overview, the queue and the case page of the demo county at
1400 and 390 px wide, saved in artifacts/ to look at, with no request leaving the machine."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import closing

import pandas as pd
import pytest

from conftest import ROOT, new_database, drop_database
from geo import db
from monitoring import signals
from test_map_browser import ARTIFACTS, CHROMEDRIVER, CHROMIUM, LOCAL_PREFIXES, free_port, requested_urls

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")


def serve(url: str):
    """`python -m geo serve` on a free port against the database at `url`; (process, base address)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "geo", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("the server did not come up on its port within 90 s")
            time.sleep(0.3)


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                 "--lang=zh-CN", "--hide-scrollbars"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield d
    d.quit()


class Ui:
    """A person at the app in the browser: signing in, the sidebar's pages, tabs, selectboxes, buttons, messages."""

    def __init__(self, d, base: str):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait
        # streamlit redraws while a wait reads the page: an element gone between finding and reading is asked again
        self.d, self.base = d, base
        self.wait = WebDriverWait(d, 90, ignored_exceptions=(StaleElementReferenceException,))

    def by(self, how, what):
        from selenium.webdriver.common.by import By
        return getattr(By, how), what

    def sign_in(self, login: str, password: str) -> None:
        from selenium.webdriver.support import expected_conditions as ec
        self.d.delete_all_cookies()
        self.d.get(f"{self.base}/")
        box = self.wait.until(ec.presence_of_element_located(self.by("CSS_SELECTOR",
                                                                     "input[aria-label='登录名 Login']")))
        box.send_keys(login)
        self.d.find_element(*self.by("CSS_SELECTOR", "input[aria-label='密码 Password']")).send_keys(password)
        self.button("登录 Sign in")
        self.wait.until(ec.presence_of_element_located(self.by("XPATH", "//button[contains(., '退出登录')]")))

    def open(self, title: str) -> None:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait
        # a click that lands while the app is still running the page after sign-in can be lost: click again
        for attempt in range(3):
            self.wait.until(ec.element_to_be_clickable(
                self.by("XPATH", f"//a[.//span[normalize-space()='{title}']]"))).click()
            try:
                WebDriverWait(self.d, 40).until(
                    lambda d: any(h.text == title for h in d.find_elements(*self.by("TAG_NAME", "h2"))))
                break
            except TimeoutException:
                if attempt == 2:
                    raise
        self.settle()

    def settle(self) -> None:
        """Wait until the app has finished running the page (its status widget gone)."""
        time.sleep(0.5)
        self.wait.until(lambda d: not d.find_elements(*self.by("CSS_SELECTOR", "[data-testid='stStatusWidget']")))

    def tab(self, name: str) -> None:
        next(t for t in self.d.find_elements(*self.by("CSS_SELECTOR", "[role='tab']")) if t.text == name).click()
        time.sleep(0.5)

    def select(self, label: str, containing: str) -> None:
        box = self.wait.until(lambda d: next((b for b in d.find_elements(
            *self.by("CSS_SELECTOR", "[data-testid='stSelectbox']")) if b.text.startswith(label)), None))
        box.find_element(*self.by("CSS_SELECTOR", "input[role='combobox']")).click()
        option = self.wait.until(lambda d: next((o for o in d.find_elements(*self.by("CSS_SELECTOR", "[role='option']"))
                                                 if containing in o.text), None))
        option.click()
        self.settle()

    def tick(self, label: str) -> None:
        self.wait.until(lambda d: next((c for c in d.find_elements(*self.by("CSS_SELECTOR", "[data-testid='stCheckbox']"))
                                        if c.text.strip() == label), None)).find_element(
            *self.by("TAG_NAME", "label")).click()

    def button(self, text: str) -> None:
        self.wait.until(lambda d: next((b for b in d.find_elements(*self.by("TAG_NAME", "button"))
                                        if text in b.text and b.is_displayed()), None)).click()

    def said(self, text: str) -> None:
        self.wait.until(lambda d: any(text in a.text for a in d.find_elements(
            *self.by("CSS_SELECTOR", "[data-testid='stAlert']"))))
        self.settle()


@pytest.fixture
def world_server(pg_server, template_db):
    import monitoring_world as mw
    name, url = new_database(pg_server, template_db)
    with closing(db.connect(url)) as conn:
        mw.load(conn, db.query_value(conn, "SELECT mon_today()"))
        people = mw.make_people(conn)
        signals.department_alerts(conn, pd.DataFrame({"department": ["县医疗保障局"], "ref": ["2026-12-001"],
                                                      "household_id": ["H1"], "rule": ["medical_cost_high"],
                                                      "risk_types": [["illness"]]}), "医保大额费用名单")
    proc, base = serve(url)
    yield base, url, people
    stop(proc)
    db.close_pools()
    drop_database(pg_server, name)


def test_from_a_signal_to_identified_by_the_people_each_step_needs(world_server, driver):
    from monitoring_world import PASSWORD
    base, url, people = world_server
    ui = Ui(driver, base)

    # the village monitor proposes a case from the department's signal, the household's consent signed with it
    ui.sign_in("vm1", PASSWORD)
    ui.open("待我处理")
    ui.tab("信号研判")
    ui.select("选择信号", "H1")
    ui.tick("农户已签署承诺授权书")
    ui.button("提交申报")
    ui.said("已申报，待村级研判")
    case = case_row(url)
    assert (case["state"], case["found_by"], case["risk_types"]) == ("proposed", "department_alert", ["illness"])

    # the village's other monitor assesses it and posts the notice
    ui.sign_in("vm2", PASSWORD)
    ui.open("待我处理")
    ui.select("选择案例", "H1")
    ui.button("村级研判通过 → 村级已研判（待公示）")
    ui.said("已办理：现为「村级已研判（待公示）」")
    ui.tab("发布公示")
    ui.button("发布纳入公示")
    ui.said("公示已发布")
    assert case_row(url)["state"] == "notice"
    with closing(db.connect(url)) as conn, conn.cursor() as cur:    # five days pass: the window closes
        cur.execute("UPDATE mon_notices SET posted_on = posted_on - 5")
        conn.commit()

    # the township officer reviews it, the county planner confirms it
    ui.sign_in("to1", PASSWORD)
    ui.open("待我处理")
    ui.select("选择案例", "H1")
    ui.button("乡镇审核通过 → 乡镇已审核（待县级确认）")
    ui.said("已办理：现为「乡镇已审核（待县级确认）」")
    ui.sign_in("cp", PASSWORD)
    ui.open("待我处理")
    ui.select("选择案例", "H1")
    ui.button("县级确认纳入 → 已识别纳入（帮扶中）")
    ui.said("已办理：现为「已识别纳入（帮扶中）」")
    with closing(db.connect(url)) as conn:
        steps = db.query_rows(conn, "SELECT action, actor_login FROM mon_case_log WHERE case_id = %s ORDER BY id",
                              (int(case["id"]),))
    assert steps == [("propose", "vm1"), ("consent", "vm1"), ("assess", "vm2"), ("notice", "vm2"),
                     ("review", "to1"), ("confirm", "cp")]

    # the map's risk layer shows the household now
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    ui.open("地图")
    frame = ui.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe[title*='st_folium']")))
    driver.switch_to.frame(frame)
    settled = "return window.DX && (DX.answered.risk_households || 0) > 0 && !DX.loading()"
    ui.wait.until(lambda d: d.execute_script(settled))
    with closing(db.connect(url)) as conn:
        where = {r[0]: (r[1], r[2]) for r in db.query_rows(
            conn, "SELECT id, ST_Y(geom), ST_X(geom) FROM households WHERE id IN ('H1', 'H4', 'H7')")}

    def drawn_at(hid: str) -> dict[str, str]:
        """The monitored households the risk layer's tiles draw at street zoom on `hid`: id -> case state."""
        driver.execute_script("DX.answered.risk_households = 0; "
                              "map_div.setView([arguments[0], arguments[1]], 17, {animate: false})", *where[hid])
        ui.wait.until(lambda d: d.execute_script(settled))
        return {f["props"]["id"]: f["props"]["state"]
                for f in driver.execute_script("return DX.drawn('risk_households')")}
    seen = {hid: drawn_at(hid) for hid in ("H1", "H4", "H7")}
    driver.switch_to.default_content()
    assert seen["H1"]["H1"] == seen["H4"]["H4"] == "identified"
    assert "H7" not in seen["H7"]      # H7's risk was eliminated: no longer on the layer


def case_row(url: str) -> dict:
    with closing(db.connect(url)) as conn:
        return db.query_df(conn, "SELECT * FROM mon_cases WHERE household_id = 'H1' ORDER BY id DESC LIMIT 1"
                           ).iloc[0].to_dict()


@pytest.fixture
def demo_server(pg_server, template_db):
    """The demo county (town scale) with its checks and signals, and a village monitor, a township officer and the
    county's planner of a village with open signals."""
    from data import demo
    from geo.cmd_demo import load, run_checks
    from accounts import users
    name, url = new_database(pg_server, template_db)
    load(demo.generate(1, "town"), url)
    run_checks(url)
    with closing(db.connect(url)) as conn, conn.cursor() as cur:
        # a village with a proposal to assess, the most open signals among such; a case on an elimination notice
        cur.execute("""SELECT c.village_code FROM mon_cases c LEFT JOIN mon_signals s
                         ON s.village_code = c.village_code AND s.state = 'open'
                       WHERE c.state IN ('proposed', 'elimination_proposed')
                       GROUP BY c.village_code ORDER BY count(s.id) DESC, c.village_code LIMIT 1""")
        village = cur.fetchone()[0].strip()
        cur.execute("SELECT min(id) FROM mon_cases WHERE state = 'elimination_notice'")
        case_id = cur.fetchone()[0]
        for login, role, scope in (("li", "village_monitor", village), ("chen", "county_planner", "530427000000")):
            users.create_user(cur, login, "a long password 1", role, scope, {"li": "李监测", "chen": "陈规划"}[login])
        conn.commit()
    proc, base = serve(url)
    yield base, village, case_id
    stop(proc)
    db.close_pools()
    drop_database(pg_server, name)


def test_overview_queue_and_case_page_at_1400_and_390_px(demo_server, driver):
    """Screenshots to look at (artifacts/monitoring_*.png): each page rendered whole with no error and nothing
    fetched from outside the machine."""
    from selenium.webdriver.common.by import By
    base, village, case_id = demo_server
    ui = Ui(driver, base)
    ARTIFACTS.mkdir(exist_ok=True)
    shots = []
    for login, page, title, path in (("chen", "总览", "总览", "overview"), ("li", "待我处理", "待我处理", "queue"),
                                     ("chen", "监测对象档案", "监测对象档案", "case")):
        ui.sign_in(login, "a long password 1")
        for width in (1400, 390):
            driver.set_window_size(width, 1000)
            if path == "case":
                driver.get(f"{base}/monitoring_case?case={case_id}")
                ui.wait.until(lambda d: any(h.text == title for h in d.find_elements(By.TAG_NAME, "h2")))
                ui.settle()
            elif width == 1400:
                ui.open(page)
            else:
                driver.refresh()
                ui.wait.until(lambda d: any(h.text == title for h in d.find_elements(By.TAG_NAME, "h2")))
                ui.settle()
            main = driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']")
            # the whole page drawn (its last part in), then looked at: a loaded machine draws it in pieces
            last = {"overview": "监测对象户数", "queue": "待研判信号", "case": "办理记录（只增不改）"}[path]
            ui.wait.until(lambda d: last in main.text)
            time.sleep(2)
            assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']"), path
            height = driver.execute_script("return arguments[0].scrollHeight", main)
            driver.set_window_size(width, min(max(height + 120, 900), 7000))
            time.sleep(2)
            out = ARTIFACTS / f"monitoring_{path}_{width}.png"
            driver.save_screenshot(str(out))
            shots.append(out)
            if path == "overview":
                assert "新平彝族傣族自治县" in main.text and "监测对象户数" in main.text
            if path == "queue":
                assert "待研判信号" in main.text and "村级研判通过" not in main.text   # the steps are chosen first
                assert driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']")
            if path == "case":
                assert "风险消除公示中" in main.text and "办理记录（只增不改）" in main.text
    assert all(s.stat().st_size > 30_000 for s in shots)
    outside = sorted({u for u in requested_urls(driver) if not u.startswith(LOCAL_PREFIXES)})
    assert outside == [], f"requests left the machine: {outside}"
