"""The map's vector tiles in Debian's headless Chromium against the real server on the demo (`python -m geo demo
--scale town`: 2,000 households over the real county's 124 villages, both checks run): zoomed to a village, every
household of it is drawn from tiles, as the database holds them; a click on one opens its explanation beside the map;
screenshots at 1400 and 390 px, county and street zoom, land in artifacts/; nothing leaves the machine."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, TEST_PASSWORD, account_for
from geo import db
from geo.settings import settings
from test_map_browser import CHROMIUM, CHROMEDRIVER, LOCAL_PREFIXES, click_at, free_port, requested_urls

pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def demo_server(module_db_url):
    env = {**os.environ, "DATABASE_URL": module_db_url}
    subprocess.run([sys.executable, "-m", "geo", "demo", "--scale", "town", "--seed", "7"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    account_for("county_planner", "530427000000", "planner", url=module_db_url)
    port = free_port()
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
    yield base, module_db_url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                 "--lang=zh-CN"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def settled(drv) -> bool:
    """The tiled layers have answered and none is loading."""
    return drv.execute_script("return window.DX && (DX.answered.households || 0) > 0 && !DX.loading()")


def drawn_households(d) -> dict[str, tuple[float, float]]:
    return {f["props"]["id"]: (f["lat"], f["lng"]) for f in d.execute_script("return DX.drawn('households')")}


def tile_answers(d) -> list[tuple[str, int]]:
    """(url, status) of the tile responses the browser received since the last read of the log."""
    out = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.responseReceived" and "/tiles/households/" in msg["params"]["response"]["url"]:
            out.append((msg["params"]["response"]["url"], msg["params"]["response"]["status"]))
    return out


def test_a_village_zoomed_to_shows_every_household_from_tiles_and_a_click_explains_one(demo_server, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, url = demo_server
    d, wait = chromium, WebDriverWait(chromium, 90)
    with db.connect(url) as c:
        # the village with the most households, its households and, of them, one failing the water rule
        village = db.query_value(c, """SELECT nv.village_code FROM households h
                                       JOIN natural_villages nv ON nv.id = h.natural_village_id
                                       GROUP BY nv.village_code ORDER BY count(*) DESC, 1 LIMIT 1""")
        homes = {r[0]: (r[1], r[2]) for r in db.query_rows(c, """
            SELECT h.id, ST_Y(h.geom), ST_X(h.geom) FROM households h
            JOIN natural_villages nv ON nv.id = h.natural_village_id WHERE nv.village_code = %s""", (village,))}
        failing = db.query_value(c, """SELECT r.subject_id FROM water_results r WHERE r.subject = 'household'
                                       AND r.compliant IS FALSE AND r.subject_id = ANY(%s) ORDER BY 1 LIMIT 1""",
                                 (list(homes),)) or min(homes)
    assert len(homes) >= 15

    d.get(f"{base}/map")
    login = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[aria-label='登录名 Login']")))
    login.send_keys("planner")
    d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
    next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()
    wait.until(ec.element_to_be_clickable((By.XPATH, "//a[.//span[normalize-space()='地图']]"))).click()
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe[title*='st_folium']")))
    d.switch_to.frame(frame)
    wait.until(settled)
    county_zoom = d.execute_script("return map_div.getZoom()")
    assert county_zoom < settings.map_tile_detail_zoom
    # at county zoom the households come counted per natural village, all 2,000 of them in the tiles of the view
    per_nv = d.execute_script("return DX.drawn('households')")
    counted = {f["props"]["id"]: f["props"]["n"] for f in per_nv}
    with db.connect(url) as c:
        assert sum(counted.values()) == db.query_value(c, "SELECT count(*) FROM households") == 2000
    d.switch_to.default_content()
    ARTIFACTS.mkdir(exist_ok=True)
    d.save_screenshot(str(ARTIFACTS / "map_tiles_1400_county.png"))
    tile_answers(d)

    # zoom to the village: each of its households is drawn from the tiles, where the database has it
    d.switch_to.frame(frame)
    lats, lngs = [p[0] for p in homes.values()], [p[1] for p in homes.values()]
    d.execute_script("map_div.fitBounds([[arguments[0], arguments[1]], [arguments[2], arguments[3]]])",
                     min(lats), min(lngs), max(lats), max(lngs))
    wait.until(lambda drv: drv.execute_script("return map_div.getZoom()") >= settings.map_tile_detail_zoom
               and settled(drv) and set(homes) <= set(drawn_households(drv)))
    drawn = drawn_households(d)
    for hid, (lat, lng) in homes.items():
        assert drawn[hid] == pytest.approx((lat, lng), abs=2e-5), hid      # within the tile grid's ~1 m
    # and the view holds exactly the households the database has in it (other villages' too), no more
    (s, w), (n, e) = d.execute_script("var b = map_div.getBounds(); return [[b.getSouth(), b.getWest()], "
                                      "[b.getNorth(), b.getEast()]]")
    with db.connect(url) as c:
        in_view = {r[0] for r in db.query_rows(c, "SELECT id FROM households WHERE geom && ST_MakeEnvelope(%s, %s, %s, "
                                                  "%s, 4490)", (w + 1e-5, s + 1e-5, e - 1e-5, n - 1e-5))}
    drawn_in_view = {hid for hid, (lat, lng) in drawn.items() if s + 1e-5 <= lat <= n - 1e-5 and w + 1e-5 <= lng <= e - 1e-5}
    assert drawn_in_view == in_view and len(in_view) >= len(homes)
    d.switch_to.default_content()
    answered = tile_answers(d)
    assert answered and all(status in (200, 304) for _, status in answered)
    d.switch_to.frame(frame)

    # a click on a household (tiles) tells the page which one, and the panel beside the map explains its check; the
    # map's frame wholly in view first (a click into a frame partly out of view scrolls the page between mouse down
    # and up, and lands elsewhere)
    d.switch_to.default_content()
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
    d.switch_to.frame(frame)
    lat, lng = drawn[failing]
    d.execute_script("map_div.setView([arguments[0], arguments[1]], 16, {animate: false})", lat, lng)
    wait.until(lambda drv: settled(drv) and failing in drawn_households(drv))
    x, y = d.execute_script("var p = map_div.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y];",
                            lat, lng)
    assert (d.execute_script("return DX.hitAt(arguments[0], arguments[1])", x, y) or {}).get("id") == failing
    click_at(d, d.find_element(By.CSS_SELECTOR, "#map_div"), x, y)
    popup = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".leaflet-popup-content")))
    assert failing in popup.text
    d.switch_to.default_content()
    main = (By.CSS_SELECTOR, "[data-testid='stMain']")
    wait.until(lambda drv: failing in drv.find_element(*main).text and "饮水安全：水源" in drv.find_element(*main).text)
    panel = d.find_element(*main).text
    assert "达标" in panel and "取水" in panel
    wait.until(lambda drv: not drv.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))
    time.sleep(1)
    d.save_screenshot(str(ARTIFACTS / "map_tiles_1400_street.png"))

    # a phone's width: the map at street and county zoom (the map's frame itself)
    d.set_window_size(390, 844)
    time.sleep(2)
    frame = d.find_element(By.CSS_SELECTOR, "iframe[title*='st_folium']")
    d.execute_script("arguments[0].scrollIntoView()", frame)
    d.switch_to.frame(frame)
    d.execute_script("map_div.invalidateSize(); map_div.closePopup()")
    wait.until(settled)
    d.switch_to.default_content()
    time.sleep(1)
    frame.screenshot(str(ARTIFACTS / "map_tiles_390_street.png"))
    d.switch_to.frame(frame)
    d.execute_script("map_div.setZoom(arguments[0], {animate: false})", county_zoom - 1)
    wait.until(settled)
    d.switch_to.default_content()
    time.sleep(1)
    frame.screenshot(str(ARTIFACTS / "map_tiles_390_county.png"))
    for name in ("1400_county", "1400_street", "390_street", "390_county"):
        assert (ARTIFACTS / f"map_tiles_{name}.png").stat().st_size > 10_000, name

    outside = sorted({u for u in requested_urls(d) if not u.startswith(LOCAL_PREFIXES)})
    assert outside == [], f"requests left the machine: {outside}"
