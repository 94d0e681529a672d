"""Signed in, a reload stays signed in (the browser keeps the web session in an HttpOnly cookie) and a page opened by
its address too; signing out ends it, and a reload after shows the login form. Debian's headless Chromium against
the real server, as in test_map_browser."""
from __future__ import annotations

from conftest import TEST_PASSWORD
from test_map_browser import browser, server  # noqa: F401 (fixtures)


def test_reload_keeps_the_session_and_sign_out_ends_it(server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.delete_all_cookies()
    wait = WebDriverWait(d, 60)
    login_box = (By.CSS_SELECTOR, "input[aria-label='登录名 Login']")
    sign_out = (By.XPATH, "//button[contains(., '退出登录')]")
    d.get(f"{server}/")
    wait.until(ec.presence_of_element_located(login_box)).send_keys("planner")
    d.find_element(By.CSS_SELECTOR, "input[aria-label='密码 Password']").send_keys(TEST_PASSWORD)
    next(b for b in d.find_elements(By.TAG_NAME, "button") if "登录 Sign in" in b.text).click()
    wait.until(ec.presence_of_element_located(sign_out))
    wait.until(lambda drv: drv.get_cookie("dixian_session"))
    cookie = d.get_cookie("dixian_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["value"].startswith("dxs_")
    assert d.execute_script("return document.cookie").find("dixian_session") < 0  # page scripts cannot read it

    d.refresh()
    wait.until(ec.presence_of_element_located(sign_out))
    assert not d.find_elements(*login_box)
    d.get(f"{server}/ledgers")  # a page opened by its address, as a bookmark would
    wait.until(ec.presence_of_element_located(sign_out))
    assert not d.find_elements(*login_box)

    d.find_element(*sign_out).click()
    wait.until(ec.presence_of_element_located(login_box))
    wait.until(lambda drv: drv.get_cookie("dixian_session") is None)
    d.refresh()
    wait.until(ec.presence_of_element_located(login_box))
    assert not d.find_elements(*sign_out)
