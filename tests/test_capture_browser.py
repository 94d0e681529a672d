"""The phone's capture page in Debian's headless Chromium against the real server, as in test_map_browser: a phone
that refuses its position is told so in the page's language, not in the browser's English ("User denied
Geolocation"), and the page says which language it switched to."""
from __future__ import annotations

from conftest import TEST_PASSWORD, account_for
from test_map_browser import browser, server  # noqa: F401 (fixtures)

VILLAGE = "530427100201"   # 大河村 of tests/planner_dataset.py


def test_a_refused_position_is_said_in_the_pages_language(server, browser, module_db_url):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    account_for("village_monitor", VILLAGE, "monitor", url=module_db_url)
    d = browser
    d.delete_all_cookies()
    # the phone says no to the position, as a user who taps "Block" does
    d.execute_cdp_cmd("Browser.setPermission", {"permission": {"name": "geolocation"}, "setting": "denied",
                                                "origin": server})
    wait = WebDriverWait(d, 60)
    d.get(f"{server}/")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[aria-label='登录名 Login']"))).send_keys(
        "monitor")
    d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
    next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()

    def component(selector):   # the component draws inside a shadow root of the page
        return d.execute_script("""
            for (const host of document.querySelectorAll('*')) {
                const el = host.shadowRoot && host.shadowRoot.querySelector(arguments[0]);
                if (el) return el.textContent;
            }
            return null;""", selector)

    def status():
        return component(".geo .status")

    # a village monitor opens on the capture page, which asks for the position at once
    wait.until(lambda drv: (status() or "").startswith("无法定位"))
    assert status() == "无法定位：未获准使用位置，请在浏览器设置中允许本网站定位"
    assert component(".geo .locate") == "📍 定位"

    wait.until(ec.element_to_be_clickable((By.XPATH, "//label[.//p[normalize-space()='English']]"))).click()
    wait.until(lambda drv: (status() or "").startswith("No position"))
    assert status() == "No position: permission to use the position was refused; allow it for this site in the " \
                       "browser's settings"
    assert component(".geo .locate") == "📍 Locate"
