"""The offline field app (/field/) in Debian's headless Chromium, driven through the DevTools protocol, against the real
server on a test database. The browser reaches the server only through a relay (tests/netcut.py) that can take the
signal away, so "offline" means no byte gets through, on top of Chromium's own offline emulation.

A day's work: sign in, download the work, go offline, reload twice, capture five inspections with photos (one a real
phone photo), close the browser and open it again, come back online: the `online` event sends the outbox, and the
server holds exactly the five with every photo (sha256 equal to the bytes the app kept in its outbox), their flags
computed; a second sync sends nothing; the due list is refreshed. Then: an upload whose answer is cut after the server
stored it is retried without a duplicate; four photos of 5 MB arrive whole; a refused submission stays in the outbox
with the server's message; plain HTTP still works online and says why it cannot work offline; the token is renewed
and signing out clears the phone. Screenshots at 390 px (and desktop) land in artifacts/field-*.png, the measured
shell size and time to a usable screen offline in artifacts/field-metrics.json."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, box

import inspections_world as iw
from conftest import DATA, ROOT, TEST_PASSWORD, account_for
from geo import db
from geo.store import write_layer
from inspections import fieldapp, photos
from netcut import Relay
from test_map_browser import CHROMEDRIVER, CHROMIUM, free_port

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason="Debian chromium and chromium-driver are not installed (make setup)")
ARTIFACTS = ROOT / "artifacts"
NOKIA = DATA / "exif-photos" / "HMD_Nokia_8.3_5G.jpg"
COUNTY, T1, T2, V1, V2 = "530427000000", "530427205000", "530427206000", "530427205001", "530427206001"
BASE = (101.95, 24.05)
XSS = '<img src=x onerror="window.__xss=1">张三'
# The targets, ten metres apart: the test walks between them in a few seconds, no faster than the too_fast flag allows
PLACES = {"F1": (0, 0), "F2": (10, 0), "F3": (20, 0), "F4": (0, 10), "F5": (10, 10), "HS1": (20, 10), "W1": (0, 20)}
at = {k: iw.offset(BASE, *v) for k, v in PLACES.items()}
TZ = timezone(timedelta(hours=8))
METRICS: dict = {}


def load_county(url: str) -> None:
    conn = db.connect(url)
    gdf = lambda rows, geoms: gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4490")  # noqa: E731
    with conn.cursor() as cur:
        write_layer(cur, "admin_units", gdf(
            [{"code": COUNTY, "level": "county", "name": "新平县"},
             {"code": T1, "level": "township", "name": "平掌乡", "parent_code": COUNTY},
             {"code": T2, "level": "township", "name": "另一乡", "parent_code": COUNTY},
             {"code": V1, "level": "village", "name": "一村", "parent_code": T1},
             {"code": V2, "level": "village", "name": "二村", "parent_code": T2}],
            [box(101.5, 23.5, 102.5, 24.5), box(101.5, 23.5, 102.0, 24.5), box(102.0, 23.5, 102.5, 24.5),
             box(101.94, 24.04, 101.96, 24.06), box(102.1, 24.1, 102.3, 24.3)]))
        write_layer(cur, "natural_villages", gdf(
            [{"id": "NV1", "name": "大寨", "village_code": V1, "households": 5},
             {"id": "NV2", "name": "小寨", "village_code": V2, "households": 1}],
            [Point(*at["F1"]), Point(102.2, 24.2)]))
        names = {"F1": "王正梅", "F2": XSS, "F3": "李国华", "F4": "赵小兰", "F5": "陈大山"}
        write_layer(cur, "households", gdf(
            [{"id": k, "natural_village_id": "NV1", "head_name": n, "members": 4, "category": "unstable"}
             for k, n in names.items()] +
            [{"id": "H9", "natural_village_id": "NV2", "members": 3, "category": "general"}],
            [Point(*at[k]) for k in names] + [Point(102.2, 24.2)]))
        write_layer(cur, "houses", gdf([{"id": "HS1", "household_id": "F1", "grade": "D", "idle": True,
                                         "occupied": False}], [Point(*at["HS1"])]))
        write_layer(cur, "water_sources", gdf(
            [{"id": "W1", "name": "大寨水厂", "kind": "centralised", "status": "working", "village_code": V1}],
            [Point(*at["W1"])]))
        write_layer(cur, "roads", gdf([{"id": "R1", "surface": "cement", "all_season": True}],
                                      [LineString([iw.offset(BASE, -300, -20), iw.offset(BASE, 300, -20)])]))
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def world(module_db_url, tmp_path_factory):
    """The county, the inspector's account, the server (`python -m geo serve`) and the relay in front of it."""
    load_county(module_db_url)
    account_for("village_monitor", V1, "insp", url=module_db_url)
    photo_dir = tmp_path_factory.mktemp("photos")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": module_db_url, "DIXIAN_PHOTO_DIR": str(photo_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "geo", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{server}/api/v1/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail("the server did not come up on its port within 60 s")
            time.sleep(0.3)
    relay = Relay(port)
    profile = tmp_path_factory.mktemp("chromium-profile")
    yield dataclasses.make_dataclass("World", ["server", "relay", "app", "url", "photo_dir", "profile", "tmp"])(
        server, relay, f"http://127.0.0.1:{relay.port}", module_db_url, photo_dir, profile,
        tmp_path_factory.mktemp("pictures"))
    relay.close()
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- the browser ------------------------------------------------------------------------------------------------------

def launch(world, width=390, height=844):
    """Chromium on the world's profile folder (so a second launch is the same phone, reopened), 390 CSS px wide.
    (Chromium's mobile emulation is left off: with it WebDriver's clicks miss what lies low on the page.)"""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN",
                 f"--window-size={width},{height}", f"--user-data-dir={world.profile}",
                 "--host-resolver-rules=MAP field.test 127.0.0.1"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_script_timeout(120)
    d.set_page_load_timeout(60)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": False})
    d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": world.app, "permissions": ["geolocation"]})
    d.execute_cdp_cmd("Network.enable", {})
    return d


def stand(d, lonlat, accuracy=8.0):
    d.execute_cdp_cmd("Emulation.setGeolocationOverride",
                      {"latitude": lonlat[1], "longitude": lonlat[0], "accuracy": accuracy})


def signal(d, world, on: bool):
    (world.relay.up if on else world.relay.down)()
    d.execute_cdp_cmd("Network.emulateNetworkConditions",
                      {"offline": not on, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def wait(d, cond, timeout=60, what="condition"):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(d, timeout, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda drv: cond(drv), message=what)


def css(d, sel):
    from selenium.webdriver.common.by import By
    return d.find_element(By.CSS_SELECTOR, sel)


def tap(d, sel_or_el):
    """Scroll to it and click it, as a thumb would (found again if the app redrew it meanwhile)."""
    from selenium.common.exceptions import StaleElementReferenceException
    for attempt in range(3):
        el = css(d, sel_or_el) if isinstance(sel_or_el, str) else sel_or_el
        try:
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            el.click()
            return
        except StaleElementReferenceException:
            if not isinstance(sel_or_el, str) or attempt == 2:
                raise


def opened(d, view):
    wait(d, lambda x: x.execute_script("return document.documentElement.dataset.ready")
         and x.execute_script("return document.querySelector('#main').dataset.view") == view, what=f"view {view}")


def nav(d, view):
    tap(d, f"#nav button[data-view={view}]")
    opened(d, view)


def shot(d, name):
    ARTIFACTS.mkdir(exist_ok=True)
    time.sleep(0.4)
    d.save_screenshot(str(ARTIFACTS / f"field-{name}.png"))


def no_horizontal_scroll(d):
    return d.execute_script("return document.documentElement.scrollWidth <= innerWidth")


def idb(d, script: str):
    """Run `script` (an async function body given `db`, the app's IndexedDB) in the page; its JSON result."""
    return d.execute_async_script("""const done = arguments[arguments.length - 1];
        const req = indexedDB.open('dixian-field');
        req.onsuccess = async () => { const db = req.result;
          const all = (store) => new Promise((ok, no) => { const r = db.transaction(store).objectStore(store).getAll();
                                                           r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
          const kv = (key) => new Promise((ok) => { const r = db.transaction('kv').objectStore('kv').get(key);
                                                    r.onsuccess = () => ok(r.result); });
          try { done(JSON.stringify(await (async () => { """ + script + """ })())); }
          catch (e) { done(JSON.stringify({error: String(e)})); } finally { db.close(); } };""")


def outbox(d) -> list[dict]:
    return json.loads(idb(d, "return await all('outbox');"))


def outbox_photos(d) -> dict[str, bytes]:
    """The photo bytes the app keeps in its outbox, by key ('ITEM/N')."""
    got = json.loads(idb(d, """const out = {};
        for (const p of await all('photos')) {
          const b = new Uint8Array(await p.blob.arrayBuffer()); let s = '';
          for (let i = 0; i < b.length; i += 32768) s += String.fromCharCode.apply(null, b.subarray(i, i + 32768));
          out[p.key] = btoa(s); }
        return out;"""))
    return {k: base64.b64decode(v) for k, v in got.items()}


def counts(d):
    """The outbox's counts as the app shows them (read in one go: the outbox is redrawn as items go)."""
    if d.execute_script("return document.querySelector('#main').dataset.view") != "outbox":
        nav(d, "outbox")
    return d.execute_script("""const c = document.querySelector('#counts').dataset;
                               return {waiting: +c.waiting, failed: +c.failed, sent: +c.sent};""")


# --- photos the camera takes ---------------------------------------------------------------------------------------------

def camera_photo(world, name, lonlat, size=(1200, 900), seed=0, when=None) -> str:
    """A JPEG as a phone's camera writes it: the picture, its position and time (now, +08:00) in EXIF."""
    when = when or datetime.now(TZ)
    data = iw.jpeg(seed=seed, lat=lonlat[1], lon=lonlat[0], when=when.strftime("%Y:%m:%d %H:%M:%S"), tz="+08:00",
                   size=size)
    path = world.tmp / name
    path.write_bytes(data)
    return str(path)


def five_megabytes(world, name, seed) -> str:
    """A 2048×1536 photo (the forms' max-pixels, so kept as taken) of exactly 5,000,000 bytes."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 255, (1536, 2048, 3), dtype=np.uint8))
    ex = Image.Exif()
    ex.get_ifd(0x8769)[36867] = datetime.now(TZ).strftime("%Y:%m:%d %H:%M:%S")
    ex.get_ifd(0x8769)[36881] = "+08:00"
    for quality in (92, 85, 75, 60):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, exif=ex.tobytes())
        if buf.tell() <= 5_000_000:
            break
    data = buf.getvalue() + b"\0" * (5_000_000 - buf.tell())  # padding after the image's end marker
    path = world.tmp / name
    path.write_bytes(data)
    return str(path)


# --- capturing ---------------------------------------------------------------------------------------------------------

def capture(d, target, kind, answers, photos, fix, accuracy=8.0, all_targets=False, check=None):
    """Walk to the target, open its form from the list, answer, take the photos, save."""
    stand(d, fix, accuracy)
    nav(d, "tasks")
    if all_targets:
        tap(d, "[data-toggle=all]")
    row = css(d, f'#list .row[data-target="{target}"]' + ("" if all_targets else f'[data-kind="{kind}"]'))
    tap(d, row)
    if all_targets and d.find_elements("css selector", f'.sheet [data-kind="{kind}"]'):
        tap(d, f'.sheet [data-kind="{kind}"]')
    opened(d, "form")
    wait(d, lambda x: x.find_elements("css selector", "#distance") and "±" in css(x, "[data-gps]").text, what="fix")
    for name, value in answers.items():
        box = f'.q[data-q="{name}"]'
        if isinstance(value, list):
            for v in value:
                tap(d, f'{box} [data-value="{v}"]')
        elif isinstance(value, str) and d.find_elements("css selector", f'{box} [data-value="{value}"]'):
            tap(d, f'{box} [data-value="{value}"]')
        else:
            field = css(d, f"{box} input, {box} textarea")
            field.clear()
            field.send_keys(str(value))
    assert no_horizontal_scroll(d)
    if check:
        check(d)
    for i, p in enumerate(photos):
        before = len(d.find_elements("css selector", "#thumbs li"))
        css(d, "[data-input=camera]" if i % 2 == 0 else "[data-input=gallery]").send_keys(p)
        wait(d, lambda x: len(x.find_elements("css selector", "#thumbs li")) == before + 1, what="photo kept")
    tap(d, "[data-action=save]")
    opened(d, "tasks")


# --- reading the server -------------------------------------------------------------------------------------------------

def server_records(world, ids):
    conn = db.connect(world.url)
    from inspections import records
    out = {}
    with conn.cursor() as cur:
        for i in ids:
            out[i] = records.get(cur, i)
        cur.execute("SELECT count(*) FROM inspections")
        total = cur.fetchone()[0]
    conn.close()
    return out, total


def stored_file(world, sha):
    return world.photo_dir / sha[:2] / sha[2:]


# --- the day -------------------------------------------------------------------------------------------------------------

def test_a_day_without_signal(world):
    d = launch(world)
    try:
        stand(d, at["F1"])
        d.get(f"{world.app}/field/")
        opened(d, "signin")
        assert d.execute_script("return isSecureContext") is True
        shot(d, "390-sign-in")
        css(d, "input[name=login]").send_keys("insp")
        css(d, "input[name=password]").send_keys(TEST_PASSWORD)
        tap(d, "form.signin button[type=submit]")
        opened(d, "tasks")
        wait(d, lambda x: len(x.find_elements("css selector", "#list .row")) >= 7, what="the due list")
        # the service worker holds the shell before the signal goes
        wait(d, lambda x: x.execute_script("return Boolean(navigator.serviceWorker.controller)"), what="worker")
        auth = json.loads(idb(d, "return await kv('auth');"))
        assert auth["token"].startswith("dxa_") and auth["user"]["login"] == "insp"
        work = json.loads(idb(d, "return await kv('work');"))
        due = {(t["kind"], t["target_id"]) for t in work["tasks"]}
        assert {("household_visit", f"F{i}") for i in range(1, 6)} | {("house_safety", "HS1"),
                                                                      ("water_works_patrol", "W1")} <= due
        assert "H9" not in {t["target_id"] for t in work["targets"]}      # the other township's household
        # a name that is HTML shows as text and runs nothing
        assert XSS in css(d, '#list .row[data-target="household/F2"]').text
        assert d.execute_script("return window.__xss") is None
        assert no_horizontal_scroll(d)

        # --- no signal: the app opens from the phone, twice -----------------------------------------------------
        signal(d, world, False)
        since = time.time()
        usable = []
        for _ in range(2):
            d.refresh()
            opened(d, "tasks")
            wait(d, lambda x: len(x.find_elements("css selector", "#list .row")) >= 7, what="the due list offline")
            usable.append(d.execute_script("return performance.getEntriesByName('usable')[0].startTime"))
            assert css(d, "#net").text == "离线"
        stand(d, at["F1"])
        wait(d, lambda x: "±8 m" in css(x, "[data-gps]").text, what="fix offline")
        assert css(d, "#list .row").get_attribute("data-target") == "household/F1"   # nearest first
        shot(d, "390-tasks-offline")
        nav(d, "map")
        wait(d, lambda x: len(x.find_elements("css selector", "svg.map [data-target]")) == 8, what="map targets")
        assert d.find_elements("css selector", "svg.map path.village") and d.find_elements("css selector",
                                                                                           "svg.map path.road.hard")
        shot(d, "390-map-offline")
        for _ in range(5):                                                    # zoom in: the targets are 10 m apart
            tap(d, ".map-tools [data-tool=in]")
        shot(d, "390-map-offline-zoomed")
        tap(d, 'svg.map [data-target="house/HS1"] .dot')                    # a target picked on the map
        opened(d, "form")
        assert css(d, "[data-view=form] .sub").text.startswith("住房安全排查")
        prefilled = {q: css(d, f'.q[data-q="{q}"] [aria-checked="true"]').get_attribute("data-value")
                     for q in ("grade", "idle", "occupied")}
        assert prefilled == {"grade": "D", "idle": "yes", "occupied": "no"}   # from the house's record
        assert css(d, '.q[data-q="warning_sign"]').is_displayed()           # relevant: the house is idle
        tap(d, "[data-action=discard]")
        tap(d, ".sheet [data-answer=yes]")
        opened(d, "tasks")

        # --- five inspections with photos, no signal ----------------------------------------------------------------
        # what is typed survives a reload (saved at every change): the draft is offered again, its answers in it
        tap(d, '#list .row[data-target="household/F1"]')
        opened(d, "form")
        tap(d, '.q[data-q="food_clothing"] [data-value="yes"]')
        css(d, '.q[data-q="notes"] textarea').send_keys("门口有狗")
        d.refresh()
        opened(d, "tasks")
        assert "王正梅" in css(d, "[data-resume]").text
        capture(d, "household/F1", "household_visit",
                {"education": "yes", "medical": "yes", "housing": "yes", "drinking_water": "yes"},
                [camera_photo(world, "f1.jpg", at["F1"], seed=1)], at["F1"],
                check=lambda d: css(d, '.q[data-q="notes"] textarea').get_attribute("value") == "门口有狗" or
                pytest.fail("the typed note was lost"))

        def relevant_appears(d):
            assert css(d, '.q[data-q="new_risks"]').is_displayed()           # a "no" brings up the new risks
        capture(d, "household/F2", "household_visit",
                {"food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes", "drinking_water": "no",
                 "new_risks": ["water"]}, [str(NOKIA)], at["F2"], check=relevant_appears)
        shot(d, "390-tasks-captured")

        def poor_fix(d):
            assert "超过 50 m" in css(d, "[data-gps]").text                  # the accuracy warning, from the setting
            assert not css(d, '.q[data-q="new_risks"]').is_displayed()
            shot(d, "390-form")
        capture(d, "household/F3", "household_visit",
                {"members": "6", "food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes",
                 "drinking_water": "yes", "notes": "=cmd|' /C calc'!A0 <b>门前</b>"},
                [camera_photo(world, "f3-big.jpg", at["F3"], size=(3000, 2250), seed=3)], at["F3"], accuracy=80,
                check=poor_fix)
        capture(d, "house/HS1", "house_safety", {"cracks": "no", "roof_leaks": "no", "warning_sign": "yes"},
                [camera_photo(world, "hs1.jpg", at["HS1"], seed=4)], at["HS1"])

        def chlorine_constraint(d):
            tap(d, "[data-action=save]")                                       # 5 mg/L breaks the form's 0–4
            wait(d, lambda x: "0–4" in css(x, '.q[data-q="residual_chlorine_mg_l"] .q-error').text, what="constraint")
            field = css(d, '.q[data-q="residual_chlorine_mg_l"] input')
            field.clear()
            field.send_keys("0.5")
        capture(d, "water_source/W1", "water_works_patrol",
                {"facility_intact": "yes", "chlorine_dosed": "yes", "residual_chlorine_mg_l": "5", "look_clear": "yes",
                 "smell_none": "yes", "ask_no_illness": "yes", "taste_normal": "yes"},
                [camera_photo(world, "w1.jpg", at["W1"], seed=5)], at["W1"], check=chlorine_constraint)

        items = outbox(d)
        assert sorted(i["status"] for i in items) == ["waiting"] * 5
        kept = outbox_photos(d)
        assert len(kept) == 5
        for i in items:  # what the app recorded beside each photo is what it holds
            for p in i["photos"]:
                assert hashlib.sha256(kept[p["key"]]).hexdigest() == p["sha256"]
        by_target = {i["target_id"]: i for i in items}
        nokia = by_target["F2"]["photos"][0]
        assert nokia["resized"] and (nokia["width"], nokia["height"]) == (2048, 878)
        assert (nokia["original"]["width"], nokia["original"]["height"]) == (4608, 1976)
        assert nokia["exif"]["lat"] == pytest.approx(60.1467056, abs=1e-6)
        f1 = by_target["F1"]["photos"][0]
        assert not f1["resized"] and kept[f1["key"]] == open(world.tmp / "f1.jpg", "rb").read()  # kept as taken
        assert by_target["F3"]["location"]["accuracy_m"] == 80
        assert by_target["F1"]["clean"] == {"members": 4, "food_clothing": "yes", "education": "yes", "medical": "yes",
                                            "housing": "yes", "drinking_water": "yes", "notes": "门口有狗"}
        assert by_target["W1"]["clean"]["residual_chlorine_mg_l"] == 0.5
        assert [r for r in world.relay.requests if r.at >= since] == [], since  # nothing got out
        assert counts(d) == {"waiting": 5, "failed": 0, "sent": 0}
        shot(d, "390-outbox-waiting")
    finally:
        d.quit()

    # --- the phone is closed and opened again, still without signal ------------------------------------------------------
    d = launch(world)
    try:
        signal(d, world, False)
        stand(d, at["F1"])
        d.get(f"{world.app}/field/")
        opened(d, "tasks")
        usable.append(d.execute_script("return performance.getEntriesByName('usable')[0].startTime"))
        assert counts(d) == {"waiting": 5, "failed": 0, "sent": 0}
        assert outbox_photos(d) == kept
        METRICS["usable_offline_ms"] = [round(u) for u in usable]
        METRICS["shell_bytes"] = json.loads(d.execute_async_script("""const done = arguments[0];
            (async () => { let n = 0, files = 0;
              for (const name of await caches.keys()) { const c = await caches.open(name);
                for (const r of await c.keys()) { n += (await (await c.match(r)).arrayBuffer()).byteLength; files++; } }
              done(JSON.stringify({bytes: n, files})); })();"""))
        assert METRICS["shell_bytes"]["files"] == len(fieldapp.shell()[0])

        # --- the signal comes back: the online event sends the outbox -------------------------------------------------
        posted_from = time.time()
        signal(d, world, True)
        wait(d, lambda x: counts(x) == {"waiting": 0, "failed": 0, "sent": 5}, timeout=120, what="five sent")
        shot(d, "390-outbox-sent")
        sent = world.relay.submissions(posted_from)
        assert sorted(r.uuid for r in sent) == sorted(i["id"] for i in items)   # one POST each, by its UUID
        recs, total = server_records(world, [i["id"] for i in items])
        assert total == 5
        flags = {}
        for i in items:
            rec = recs[i["id"]]
            assert rec is not None and rec["target_id"] == i["target_id"] and rec["kind"] == i["kind"]
            taken = {hashlib.sha256(kept[p["key"]]).hexdigest() for p in i["photos"]}
            assert {p["sha256"] for p in rec["photos"]} == taken           # every photo, byte for byte
            for sha in taken:
                assert hashlib.sha256(stored_file(world, sha).read_bytes()).hexdigest() == sha
            flags[i["target_id"]] = {f["code"] for f in rec["flags"]}
            assert rec["answers"] == i["clean"]
        assert flags == {"F1": set(), "F2": {"photo_far_from_target", "photo_time_outside_visit"},
                         "F3": {"gps_accuracy_poor"}, "HS1": set(), "W1": set()}
        assert recs[by_target["F2"]["id"]]["result"] == "fail" and recs[by_target["F1"]["id"]]["result"] == "pass"
        # the phone photo, shrunk on the phone, kept its EXIF position and time
        stored = recs[by_target["F2"]["id"]]["photos"][0]
        assert (stored["lat"], stored["lon"]) == pytest.approx((60.1467056, 24.9067722), abs=1e-6)
        assert datetime.fromisoformat(stored["time_utc"]) == datetime(2022, 8, 14, 11, 12, 32, tzinfo=timezone.utc)
        assert Image.open(stored_file(world, stored["sha256"])).size == (2048, 878)
        # the big camera photo too: shrunk, its position kept (so no photo flag on F3)
        big = recs[by_target["F3"]["id"]]["photos"][0]
        assert big["lat"] == pytest.approx(at["F3"][1], abs=1e-5)
        assert Image.open(stored_file(world, big["sha256"])).size == (2048, 1536)

        # the due list was downloaded again after the sync: the inspected targets are no longer due
        work = json.loads(idb(d, "return await kv('work');"))
        assert not {("household_visit", "F1"), ("household_visit", "F2"), ("household_visit", "F3"),
                    ("house_safety", "HS1"), ("water_works_patrol", "W1")} & {(t["kind"], t["target_id"])
                                                                              for t in work["tasks"]}
        assert any(r.path == "/api/v1/work" and r.at > sent[-1].at for r in world.relay.requests)
        nav(d, "tasks")
        assert not d.find_elements("css selector", '#list .row[data-target="household/F1"]')

        # a second sync sends nothing
        again = time.time()
        nav(d, "outbox")
        tap(d, "#sync")
        wait(d, lambda x: css(x, "#sync").is_enabled(), what="sync done")
        assert world.relay.submissions(again) == []
        assert server_records(world, [])[1] == 5

        # the same screens on a desktop browser
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        nav(d, "tasks")
        shot(d, "desktop-tasks")
        nav(d, "outbox")
        shot(d, "desktop-outbox")
    finally:
        d.quit()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "field-metrics.json").write_text(json.dumps(METRICS, indent=1))


def test_an_upload_cut_after_the_server_stored_it_is_retried_without_a_duplicate(world):
    d = launch(world)
    try:
        signal(d, world, True)
        d.get(f"{world.app}/field/")
        opened(d, "tasks")
        start = time.time()
        world.relay.cut_next_answer()
        capture(d, "household/F4", "household_visit",
                {"food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes", "drinking_water": "yes"},
                [camera_photo(world, "f4.jpg", at["F4"], seed=6)], at["F4"])
        wait(d, lambda x: any(i["target_id"] == "F4" and i["status"] == "sent" for i in outbox(x)), timeout=90,
             what="F4 sent after the cut")
        item = next(i for i in outbox(d) if i["target_id"] == "F4")
        posts = world.relay.submissions(start)
        assert [p.uuid for p in posts] == [item["id"], item["id"]] and [p.cut for p in posts] == [True, False]
        assert world.relay.cuts == 1 and item["attempts"] == 2
        assert item["created"] is False        # the retry found the first copy: 200, the same id
        conn = db.connect(world.url)
        with conn.cursor() as cur:
            cur.execute("SELECT id::text FROM inspections WHERE target_id = 'F4'")
            assert [r[0] for r in cur.fetchall()] == [item["id"]]
            cur.execute("SELECT count(*) FROM inspection_photos WHERE inspection_id = %s", (item["id"],))
            assert cur.fetchone()[0] == 1
        conn.close()
    finally:
        d.quit()


def test_four_photos_of_5_mb_arrive_whole(world):
    d = launch(world)
    try:
        signal(d, world, True)
        d.get(f"{world.app}/field/")
        opened(d, "tasks")
        stand(d, at["F5"])
        files = [five_megabytes(world, f"big{i}.jpg", seed=10 + i) for i in range(4)]
        capture(d, "household/F5", "household_visit",
                {"food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes", "drinking_water": "yes"},
                files, at["F5"])
        wait(d, lambda x: any(i["target_id"] == "F5" and i["status"] == "sent" for i in outbox(x)), timeout=180,
             what="20 MB sent")
        item = next(i for i in outbox(d) if i["target_id"] == "F5")
        rec = server_records(world, [item["id"]])[0][item["id"]]
        want = {hashlib.sha256(open(f, "rb").read()).hexdigest() for f in files}
        assert {p["sha256"] for p in rec["photos"]} == want and len(want) == 4
        assert [p["bytes"] for p in rec["photos"]] == [5_000_000] * 4
        for sha in want:
            assert stored_file(world, sha).stat().st_size == 5_000_000
        # sent photos leave the phone (the server holds them); the record of them stays
        assert not [k for k in outbox_photos(d) if k.startswith(item["id"])]
        assert {p["sha256"] for p in item["photos"]} == want
    finally:
        d.quit()


def test_a_refused_submission_stays_in_the_outbox_with_the_servers_message(world):
    conn = db.connect(world.url)
    with conn.cursor() as cur:  # a household for this test, downloaded with the work, removed before the sync
        write_layer(cur, "households", gpd.GeoDataFrame(
            [{"id": "F6", "natural_village_id": "NV1", "head_name": "孙二", "members": 2, "category": "unstable"}],
            geometry=[Point(*iw.offset(BASE, 30, 0))], crs="EPSG:4490"), replace=False)
    conn.commit()
    d = launch(world)
    try:
        signal(d, world, True)
        d.get(f"{world.app}/field/")
        opened(d, "tasks")
        nav(d, "me")
        tap(d, "#download")
        wait(d, lambda x: "F6" in idb(x, "return (await kv('work')).targets.map(t => t.target_id);"), what="F6")
        signal(d, world, False)
        capture(d, "household/F6", "household_visit",
                {"food_clothing": "yes", "education": "yes", "medical": "yes", "housing": "yes", "drinking_water": "yes"},
                [camera_photo(world, "f6.jpg", iw.offset(BASE, 30, 0), seed=7)], iw.offset(BASE, 30, 0))
        with conn.cursor() as cur:
            cur.execute("DELETE FROM households WHERE id = 'F6'")
        conn.commit()
        signal(d, world, True)
        wait(d, lambda x: any(i["target_id"] == "F6" and i["status"] == "failed" for i in outbox(x)), timeout=90,
             what="F6 refused")
        item = next(i for i in outbox(d) if i["target_id"] == "F6")
        assert item["error"]["status"] == 422 and "nothing was stored" in item["error"]["message"]
        assert item["error"]["problems"] == [{"field": "target_id", "message": "no household with id 'F6'"}]
        assert len(outbox_photos(d)) >= 1 and any(k.startswith(item["id"]) for k in outbox_photos(d))
        d.refresh()                                                              # kept across a reload
        assert counts(d)["failed"] == 1
        failed = css(d, f'[data-item="{item["id"]}"]')
        assert "no household with id 'F6'" in failed.text and "对象编号" in failed.text
        shot(d, "390-outbox-refused")
        tap(d, failed.find_element("css selector", "[data-action=edit]"))      # to correct: the answers are there
        opened(d, "form")
        assert css(d, '.q[data-q="food_clothing"] [aria-checked="true"]').get_attribute("data-value") == "yes"
        assert "no household with id" in css(d, "#server-said").text
        tap(d, "[data-action=discard]")                                          # or discard it
        tap(d, ".sheet [data-answer=yes]")
        assert not [i for i in outbox(d) if i["target_id"] == "F6"]
        assert not [k for k in outbox_photos(d) if k.startswith(item["id"])]
        assert counts(d)["failed"] == 0
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM inspections WHERE target_id = 'F6'")
            assert cur.fetchone()[0] == 0
        conn.rollback()
    finally:
        d.quit()
        conn.close()


def test_plain_http_works_online_and_says_why_not_offline(world):
    d = launch(world)
    try:
        signal(d, world, True)
        insecure = f"http://field.test:{world.relay.port}"
        d.get(f"{insecure}/field/")
        opened(d, "signin")
        assert d.execute_script("return isSecureContext") is False
        banner = css(d, "#insecure").text
        assert "HTTPS" in banner and "没有信号时无法打开" in banner and "无法保存巡查" in banner
        assert d.execute_script("return navigator.serviceWorker === undefined || !navigator.serviceWorker.controller")
        css(d, "input[name=login]").send_keys("insp")
        css(d, "input[name=password]").send_keys(TEST_PASSWORD)
        tap(d, "form.signin button[type=submit]")
        opened(d, "tasks")
        wait(d, lambda x: x.find_elements("css selector", "#list"), what="work over plain HTTP")
        tap(d, "[data-toggle=all]")                      # everything due was inspected by now: all the targets
        assert len(d.find_elements("css selector", "#list .row")) == 8
        assert "HTTP 页面无法读取定位" in css(d, "[data-gps]").text          # browsers give no position either
        shot(d, "390-plain-http")
    finally:
        d.quit()


def test_the_token_is_renewed_and_signing_out_clears_the_phone(world):
    d = launch(world)
    try:
        signal(d, world, True)
        d.get(f"{world.app}/field/")
        opened(d, "tasks")
        old = json.loads(idb(d, """const tx = db.transaction('kv', 'readwrite'); const s = tx.objectStore('kv');
            const a = await new Promise((ok) => { const r = s.get('auth'); r.onsuccess = () => ok(r.result); });
            a.issued_at -= 2 * 86400000; s.put(a, 'auth');
            await new Promise((ok) => { tx.oncomplete = ok; }); return a;"""))
        d.refresh()
        opened(d, "tasks")
        wait(d, lambda x: json.loads(idb(x, "return (await kv('auth')).token;")) != old["token"], what="renewed")
        token = json.loads(idb(d, "return (await kv('auth')).token;"))
        me = lambda tok: urllib.request.urlopen(urllib.request.Request(  # noqa: E731
            f"{world.server}/api/v1/auth/me", headers={"Authorization": f"Bearer {tok}"})).status
        assert me(token) == 200
        nav(d, "me")
        shot(d, "390-me")
        tap(d, "[data-lang=en]")                                                # English is there too
        assert css(d, "#nav button[data-view=tasks] .nav-label").text == "Tasks" and "Sign out" in css(d, "#sign-out").text
        tap(d, "[data-lang=zh]")
        tap(d, "#sign-out")
        assert "退出登录将删除" in css(d, ".sheet").text
        tap(d, ".sheet [data-answer=yes]")
        opened(d, "signin")
        assert d.execute_script("return indexedDB.databases()") in ([], None) or not any(
            db_["name"] == "dixian-field" for db_ in d.execute_script("return indexedDB.databases()"))
        with pytest.raises(urllib.error.HTTPError) as err:
            me(token)
        assert err.value.code == 401                                            # revoked on the server too
    finally:
        d.quit()
