"""The map page in Debian's headless Chromium against the real server (`python -m geo serve`) on a test database:
it loads, its layers are present and switchable, a popup opens on a click (on GeoJSON and on vector-tile features),
a screenshot lands in artifacts/, and no request leaves the machine."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import planner_dataset as pdata
from conftest import ROOT, TEST_PASSWORD, account_for
from geo import db
from geo.settings import settings

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")
ARTIFACTS = ROOT / "artifacts"
MARKUP = "<img src=x onerror=alert(1)>"
LOCAL_PREFIXES = ("http://127.0.0.1:", "http://localhost:", "ws://127.0.0.1:", "ws://localhost:", "data:", "blob:",
                  "about:", "chrome-extension:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(module_db_url):
    pdata.load(module_db_url)
    with db.transaction(module_db_url) as conn, conn.cursor() as cur:   # a name from an imported file, with markup
        cur.execute("UPDATE water_sources SET name = %s || name WHERE id = 'W2'", (MARKUP,))
    account_for("county_planner", pdata.COUNTY, "planner", url=module_db_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": module_db_url}
    proc = subprocess.Popen([sys.executable, "-m", "geo", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("the server did not come up on its port within 60 s")
            time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1100",
                 "--lang=zh-CN"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            urls.append(msg["params"].get("request", {}).get("url") or msg["params"].get("url"))
    return [u for u in urls if u]


def tiled_point(d, wait, layer: str, fid: str) -> tuple[float, float]:
    """The container point of the feature `fid` of a tiled layer once its tile is drawn; the map pans it into view."""
    find = """var hit = DX.drawn(arguments[0]).filter(function (f) { return f.props.id === arguments[1]; })[0];
              return hit ? [hit.lat, hit.lng] : null;""".replace("arguments[1]", "'%s'" % fid)
    lat, lng = wait.until(lambda drv: drv.execute_script(find, layer))
    d.execute_script("map_div.panTo([arguments[0], arguments[1]], {animate: false})", lat, lng)
    wait.until(lambda drv: not drv.execute_script("return DX.loading()") and drv.execute_script(find, layer))
    return d.execute_script("var p = map_div.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y];",
                            lat, lng)


def click_at(d, container, x: float, y: float, click: bool = True) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    w, h = container.size["width"], container.size["height"]
    chain = ActionChains(d).move_to_element_with_offset(container, int(x - w / 2), int(y - h / 2))
    (chain.click() if click else chain).perform()


def test_map_page_layers_popup_screenshot_and_nothing_leaves_localhost(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.get(f"{server}/map")
    wait = WebDriverWait(d, 60)
    # signed out, the app shows only the login form: sign in as the county's planner, and the map page opens
    login = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[aria-label='登录名 Login']")))
    assert not d.find_elements(By.CSS_SELECTOR, "iframe[title*='st_folium']")
    login.send_keys("planner")
    d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
    next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()
    # signed in, the planner's pages are in the sidebar; open the map from there
    wait.until(ec.element_to_be_clickable((By.XPATH, "//a[.//span[normalize-space()='地图']]"))).click()
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe[title*='st_folium']")))
    d.switch_to.frame(frame)
    # map_div is the Leaflet map once the component's script ran (before that, the div of that id)
    count = "return (window.map_div && map_div._layers) ? Object.keys(map_div._layers).length : 0"
    wait.until(lambda drv: drv.execute_script(count) > 20)
    names = [e.text.strip() for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")]
    for layer in ("行政区划与驻地", "监测对象（返贫风险）", "道路", "饮水安全：水源", "取水不达标农户", "自然村通硬化路状况",
                  "农户"):
        assert layer in names, names
    legend = d.find_element(By.CSS_SELECTOR, ".dx-legend").text
    assert "图例" in legend and "监测对象（返贫风险）" in legend

    # switch the monitored households (vector tiles) off and on again: the layer and its tiles leave the map and
    # come back, and its legend section with it
    risk_on = "return DX.layers.some(function (l) { return l.spec.name === 'risk_households' && l._map; })"
    wait.until(lambda drv: drv.execute_script(risk_on))
    before = d.execute_script(count)
    label = next(e for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers-overlays label")
                 if e.text.strip() == "监测对象（返贫风险）")
    box = label.find_element(By.CSS_SELECTOR, "input")
    box.click()
    wait.until(lambda drv: not drv.execute_script(risk_on) and drv.execute_script(count) < before)
    sec = d.find_element(By.CSS_SELECTOR, ".dx-legend .dx-sec[data-layer='监测对象（返贫风险）']")
    assert not sec.is_displayed()
    box.click()
    wait.until(lambda drv: drv.execute_script(risk_on) and drv.execute_script(count) == before)
    assert sec.is_displayed()

    # a real click on the water source W1 (a tile feature) opens its popup with the record (the whole record from the
    # detail zoom; below it the tiles carry its name, kind, status and village)
    container = d.find_element(By.CSS_SELECTOR, "#map_div")
    d.execute_script("map_div.setZoom(%d)" % settings.map_tile_detail_zoom)
    x, y = tiled_point(d, wait, "water_sources", "W1")
    click_at(d, container, x, y)
    popup = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")))
    assert "大河水厂" in popup.text and "集中供水工程" in popup.text and "王水管" in popup.text

    # a click on a household failing the water rule (tiles from the detail zoom on) tells the page which one (its
    # tooltip), and only that reruns the page: the panel beside the map explains the check for it
    d.find_element(By.CSS_SELECTOR, ".leaflet-popup-close-button").click()
    x, y = tiled_point(d, wait, "water_failing", "H004")
    click_at(d, container, x, y)
    popup = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")))
    assert "取水水平距离超限" in popup.text and "950" in popup.text
    d.switch_to.default_content()
    # The panel's heading shows first; its explanation follows when the check for H004 is computed (the first one
    # in the server's process also loads the compiled kernels from numba's cache): wait for the whole of it.
    main = (By.CSS_SELECTOR, "[data-testid='stMain']")
    wait.until(lambda drv: "H004" in drv.find_element(*main).text and "大河水厂" in drv.find_element(*main).text)
    panel = d.find_element(*main).text
    assert "饮水安全：水源" in panel and "大河水厂" in panel
    # let the rerun finish (the status widget goes away) so the screenshot shows the page at rest
    wait.until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))
    time.sleep(1)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "map_browser.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000

    urls = requested_urls(d)
    assert any("/app/static/vendor/leaflet/leaflet.js" in u for u in urls), "Leaflet was not loaded from the app"
    outside = sorted({u for u in urls if not u.startswith(LOCAL_PREFIXES)})
    assert outside == [], f"requests left the machine: {outside}"


def test_a_name_with_markup_shows_as_text_in_a_popup_and_a_tooltip(server, browser):
    """W2's name carries an <img onerror> (see the server fixture): hovering and clicking it show the name as text,
    no element is made of it and no script runs."""
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, 60)
    d.get(f"{server}/map")
    login = (By.CSS_SELECTOR, "input[aria-label='登录名 Login']")
    frame = (By.CSS_SELECTOR, "iframe[title*='st_folium']")
    wait.until(lambda drv: drv.find_elements(*login) or drv.find_elements(*frame))
    if d.find_elements(*login):
        d.find_element(*login).send_keys("planner")
        d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
        next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()
        wait.until(ec.element_to_be_clickable((By.XPATH, "//a[.//span[normalize-space()='地图']]"))).click()
    d.switch_to.frame(wait.until(ec.presence_of_element_located(frame)))
    wait.until(lambda drv: drv.execute_script(
        "return (window.map_div && map_div._layers) ? Object.keys(map_div._layers).length : 0") > 20)
    container = d.find_element(By.CSS_SELECTOR, "#map_div")
    x, y = tiled_point(d, wait, "water_sources", "W2")     # a source: drawn from vector tiles, its values set as text
    click_at(d, container, x + 1, y, click=False)
    click_at(d, container, x, y, click=False)
    tip = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-tooltip.dx-tip")))
    assert tip.get_attribute("textContent").strip() == f"{MARKUP}高山泉 · W2"
    # the village's own tooltip (the area under the source) stays hidden while the source's shows
    assert [t.text for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip") if t.is_displayed()] == [tip.text]
    click_at(d, container, x, y)
    popup = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")))
    shown = popup.get_attribute("textContent")   # all of it, also rows Leaflet has not yet panned into view
    assert f"{MARKUP}高山泉" in shown and "断水" in shown
    assert d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content img, .leaflet-tooltip img") == []
    try:
        d.switch_to.alert
        raise AssertionError("the name's script ran")
    except NoAlertPresentException:
        pass
    d.switch_to.default_content()
