"""Attacks through the real server (`python -m geo serve`, default address) in Debian's headless Chromium: markup in
an imported name and in what an inspector typed runs no script and shows as text on the map's popup and tooltip, the
explanation panel and the review page; a page's download goes through the authenticated export route and is
recorded; an ODK key never reaches the access log; the server listens on the loopback address only; behind a
trusted TLS proxy the session cookie is Secure and __Host- named."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

import planner_dataset as pdata
from accounts import sessions, users
from accounts.scoped import connect_as
from conftest import ROOT, TEST_PASSWORD, account_for, session_token
from geo import db
from inspections import auth, records, workflow
from test_map_browser import CHROMEDRIVER, CHROMIUM, browser, click_at, free_port  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")
# What a stranger puts in an imported name or a typed answer: an element whose error handler would mark the page,
# and the same picture in markdown (which would fetch an address of the stranger's choosing).
MARKUP = '<img src=x onerror="window.__pwned=1">![x](x)'
VILLAGE = "530427100201"   # the planner dataset's first village: H000 … H009, H004 fails the water rule via W1
IID = str(uuid.uuid4())


def _inspection(url: str) -> None:
    """An inspection of H000 by a monitor whose name, answer and reviewer's note all carry the markup."""
    with db.transaction(url) as conn, conn.cursor() as cur:
        users.create_user(cur, "monitor", TEST_PASSWORD, "village_monitor", VILLAGE, display_name=MARKUP + "李")
        users.create_user(cur, "village2", TEST_PASSWORD, "village_monitor", VILLAGE)
    with db.transaction(url) as conn, conn.cursor() as cur:
        monitor, village2 = (auth.for_user(cur, users.find_user(cur, login)) for login in ("monitor", "village2"))
    sub = {"id": IID, "kind": "household_visit", "target_id": "H000", "started_at": "2026-11-23T10:00:00+08:00",
           "submitted_at": "2026-11-23T10:20:00+08:00", "location": {"lon": 101.915, "lat": 24.026, "accuracy_m": 6},
           "answers": {"members": 2, "food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
                       "drinking_water": "yes", "notes": MARKUP + "门口的水管漏水"}}
    conn = connect_as(monitor.user, url)
    try:
        records.submit(conn, monitor, sub)
    finally:
        conn.close()
    conn = connect_as(village2.user, url)
    try:
        workflow.transition(conn, IID, village2, "village_verified", MARKUP + "已核实")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(module_db_url, tmp_path_factory):
    pdata.load(module_db_url)
    with db.transaction(module_db_url) as conn, conn.cursor() as cur:   # names from an imported file, with markup
        cur.execute("UPDATE water_sources SET name = %s || name WHERE id = 'W1'", (MARKUP,))
        cur.execute("UPDATE households SET head_name = %s || head_name WHERE id = 'H004'", (MARKUP,))
    account_for("county_planner", pdata.COUNTY, "planner", url=module_db_url)
    _inspection(module_db_url)
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "DATABASE_URL": module_db_url, "DIXIAN_TRUSTED_PROXIES": "127.0.0.1",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DIXIAN_HOST", None)   # the default address
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "geo", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"the server did not come up within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
    yield base, port, log, module_db_url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def sign_in(d, base: str, path: str = "") -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    wait = WebDriverWait(d, 60)
    d.get(f"{base}/{path}")
    login = (By.CSS_SELECTOR, "input[aria-label='登录名 Login']")
    signed = (By.XPATH, "//button[contains(., '退出登录')]")
    wait.until(lambda drv: drv.find_elements(*login) or drv.find_elements(*signed))
    if d.find_elements(*login):
        d.find_element(*login).send_keys("planner")
        d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
        next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()
        wait.until(lambda drv: drv.find_elements(*signed))
        if path:
            d.get(f"{base}/{path}")
            wait.until(lambda drv: drv.find_elements(*signed))


def unharmed(d) -> None:
    """No element was made of the markup and no handler ran, in the page and in every frame of it."""
    from selenium.webdriver.common.by import By
    d.switch_to.default_content()
    frames = d.find_elements(By.TAG_NAME, "iframe")
    for frame in [None, *frames]:
        d.switch_to.default_content()
        if frame is not None:
            d.switch_to.frame(frame)
        assert d.execute_script("return window.__pwned") is None
        assert d.find_elements(By.CSS_SELECTOR, 'img[src="x"]') == []
    d.switch_to.default_content()


def test_markup_in_names_shows_as_text_on_the_map_tooltip_popup_and_explanation(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _, _, url = server
    d = browser
    wait = WebDriverWait(d, 60)
    sign_in(d, base, "map")
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe[title*='st_folium']")))
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)   # a click must not scroll the page
    d.switch_to.frame(frame)
    container = d.find_element(By.CSS_SELECTOR, "#map_div")
    settled = "return window.DX && (DX.answered.households || 0) > 0 && !DX.loading()"
    wait.until(lambda drv: drv.execute_script(settled))

    def point(layer: str, fid: str):
        """Where a feature drawn from the tiles is on screen, at street zoom on where the database has it."""
        with db.connect(url) as c:
            lat, lng = db.query_rows(c, f"SELECT ST_Y(geom), ST_X(geom) FROM {layer} WHERE id = %s", (fid,))[0]
        d.execute_script("map_div.setView([arguments[0], arguments[1]], 17, {animate: false})", lat, lng)
        wait.until(lambda drv: drv.execute_script(settled) and drv.execute_script(
            "return DX.drawn(arguments[0]).some(f => f.props.id === arguments[1])", layer, fid))
        return d.execute_script("var p = map_div.latLngToContainerPoint([arguments[0], arguments[1]]); "
                                "return [p.x, p.y];", lat, lng)

    def tooltip(x, y) -> str:
        click_at(d, container, x, y, click=False)
        tip = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-tooltip.dx-tip")))
        return tip.get_attribute("textContent").strip()

    x, y = point("water_sources", "W1")
    assert tooltip(x, y) == f"{MARKUP}大河水厂 · W1"
    click_at(d, container, x, y)
    popup = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")))
    assert f"{MARKUP}大河水厂" in popup.get_attribute("textContent")
    unharmed(d)

    # the household failing the water rule: its tooltip, and the panel explaining it names the source as text
    d.switch_to.frame(frame)
    d.execute_script("map_div.closePopup()")
    x, y = point("households", "H004")
    assert tooltip(x, y) == f"{MARKUP}户主4 · H004"
    click_at(d, container, x, y)
    d.switch_to.default_content()
    main = (By.CSS_SELECTOR, "[data-testid='stMain']")
    wait.until(lambda drv: f"{MARKUP}大河水厂" in drv.find_element(*main).text)
    assert "H004" in d.find_element(*main).text
    unharmed(d)


def test_what_an_inspector_typed_shows_as_text_on_the_review_page(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, *_ = server
    d = browser
    wait = WebDriverWait(d, 60)
    sign_in(d, base, "inspect_review")
    # the page lists the inspection (its inspector's name as text in the table); pick it to see its record
    wait.until(lambda drv: drv.find_elements(By.CSS_SELECTOR, ".st-key-review_pick input[role='combobox']"))
    d.find_element(By.CSS_SELECTOR, ".st-key-review_pick input[role='combobox']").click()
    wait.until(lambda drv: [o for o in drv.find_elements(By.CSS_SELECTOR, "[role='option']") if "H000" in o.text])
    next(o for o in d.find_elements(By.CSS_SELECTOR, "[role='option']") if "H000" in o.text).click()
    main = (By.CSS_SELECTOR, "[data-testid='stMain']")
    wait.until(lambda drv: "门口的水管漏水" in drv.find_element(*main).text and "已核实" in drv.find_element(*main).text)
    text = d.find_element(*main).text
    assert f"{MARKUP}门口的水管漏水" in text      # the typed answer, as typed
    assert f"{MARKUP}已核实" in text             # the reviewer's note in the history
    assert f"{MARKUP}李" in text                 # the inspector's name
    unharmed(d)


def test_a_page_download_goes_through_the_export_route_and_is_recorded(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, _, _, url = server
    d = browser
    sign_in(d, base, "ledgers")
    link = WebDriverWait(d, 60).until(
        lambda drv: drv.find_elements(By.CSS_SELECTOR, "a[href*='/api/v1/exports/']"))[0].get_attribute("href")

    def exports():
        with db.transaction(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT user_login, layer, format, file_name FROM export_log ORDER BY id")
            return cur.fetchall()
    before = exports()
    with pytest.raises(urllib.error.HTTPError) as refused:   # the link alone, without the browser's session
        urllib.request.urlopen(link, timeout=10)
    assert refused.value.code == 401 and exports() == before
    got = json.loads(d.execute_async_script("""const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async r => done(JSON.stringify({status: r.status, type: r.headers.get('content-type'),
            disposition: r.headers.get('content-disposition'), bytes: (await r.arrayBuffer()).byteLength})));""",
                                            link))
    assert got["status"] == 200 and got["type"].startswith("application/vnd.openxmlformats") and got["bytes"] > 1000
    assert got["disposition"].startswith("attachment;")
    assert exports() == before + [("planner", "households", "xlsx", "households.xlsx")]


def test_the_odk_key_is_kept_out_of_the_access_log(server):
    base, _, log, url = server
    key = session_token(users_find(url, "monitor"), "odk", url)
    assert urllib.request.urlopen(f"{base}/api/v1/openrosa/key/{key}/formList", timeout=10).status == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{base}/api/v1/openrosa/key/{key}x/formList", timeout=10)
    time.sleep(0.5)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "/api/v1/openrosa/key/…/formList" in text and " 200" in text
    assert key not in text and key[4:20] not in text


def users_find(url: str, login: str):
    with db.transaction(url) as conn, conn.cursor() as cur:
        return users.find_user(cur, login)


def _outward_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))   # no packet is sent: this only picks the interface
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


def test_the_server_listens_on_loopback_only_and_sets_a_secure_cookie_behind_a_tls_proxy(server):
    base, port, _, url = server
    ip = _outward_address()
    if ip is not None:   # the machine's own network address does not answer
        with pytest.raises(OSError), socket.create_connection((ip, port), timeout=3):
            pass
    web = session_token(users_find(url, "planner"), "web", url)
    request = urllib.request.Request(f"{base}/api/v1/auth/session", data=json.dumps({"token": web}).encode(),
                                     headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https",
                                              "X-Forwarded-Host": f"127.0.0.1:{port}"}, method="POST")
    cookie = urllib.request.urlopen(request, timeout=10).headers["set-cookie"]
    assert cookie.startswith(f"{sessions.SECURE_COOKIE}={web};") and "Secure" in cookie and "HttpOnly" in cookie
    plain = urllib.request.Request(f"{base}/api/v1/auth/session", data=json.dumps({"token": web}).encode(),
                                   headers={"Content-Type": "application/json"}, method="POST")
    assert urllib.request.urlopen(plain, timeout=10).headers["set-cookie"].startswith(f"{sessions.COOKIE}={web};")
