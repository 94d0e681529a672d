"""Streamlit entry: sign-in first, then the pages the user's role opens; no logic of its own."""
from pathlib import Path

import streamlit as st

from accounts.ui import logout_button, require_login
from geo.i18n import LANGUAGES, both, t
from geo.settings import settings

st.set_page_config(page_title=both("app_name"), layout="wide")
HERE = Path(__file__).resolve().parent
lang = st.sidebar.radio(both("language", " / "), list(LANGUAGES), format_func=LANGUAGES.get,
                        index=0 if settings.language == "zh" else 1, horizontal=True, key="lang")
user = require_login()   # nobody signed in: the login form, and nothing else runs
logout_button(user)

PLANNER = ("overview", "monitoring_queue", "monitoring_case", "monitoring_report", "map", "ledgers", "rectification",
           "print_map", "guarantees")
# role → its pages, the first one opening by default (accounts.ROLES; row-level security scopes what each reads)
PAGES = {
    "admin": (*PLANNER, "water_plan", "water_works", "inspect_review", "admin"),
    "county_planner": (*PLANNER, "water_plan", "water_works", "inspect_review"),
    "township_officer": (*PLANNER, "inspect_review"),
    "village_monitor": ("inspect_capture", "monitoring_queue", "monitoring_case", "inspect_review"),
    "water_bureau": ("water_plan", "water_works", "map"),
    "viewer": ("overview", "map", "ledgers", "monitoring_report"),
}
TITLES = {"print_map": "page_print"}   # a page's title in the catalogue, when not page_NAME
# On a phone the wide-screen title and top padding took a third of the first screen.
PHONE_CSS = """<style>@media (max-width: 640px) {
  h1 { font-size: 1.4rem !important; padding: 0.25rem 0 !important; }
  h2 { font-size: 1.2rem !important; padding: 0.5rem 0 0.25rem !important; }
  h3 { font-size: 1.05rem !important; }
  [data-testid="stMainBlockContainer"] { padding-top: 4rem !important; }
}</style>"""


def view(name: str, default: bool = False):
    return st.Page(str(HERE / "views" / f"{name}.py"), title=t(TITLES.get(name, f"page_{name}"), lang), url_path=name,
                   default=default)


names = PAGES.get(user.role, ())
if not names:
    st.error(both("no_pages", " · ", role=user.role))
    st.stop()
st.html(PHONE_CSS)
st.title(t("app_title", lang))
st.navigation([view(n, default=i == 0) for i, n in enumerate(names)]).run()
