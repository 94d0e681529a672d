"""Streamlit entry: navigation by role; no logic of its own."""
from pathlib import Path

import streamlit as st

from geo.settings import settings
from layers import ui
from layers.i18n import t

st.set_page_config(page_title="底线 Dixian", layout="wide")
HERE = Path(__file__).resolve().parent
lang = st.sidebar.radio(t("language", "zh"), ["zh", "en"], format_func={"zh": "中文", "en": "English"}.get,
                        index=0 if settings.language == "zh" else 1, horizontal=True, key="lang")
role = ui.keep(st.sidebar.selectbox, t("role", lang), ["planner", "inspector", "water"], "role", "planner",
               format_func=lambda r: t(f"role_{r}", lang))


def water_later():
    st.header(t("page_water_later", lang))
    st.info(t("water_later_text", lang))


def inspections_missing():
    st.info(t("inspections_missing", lang))


def view(name: str, title: str, **kw):
    return st.Page(str(HERE / "views" / f"{name}.py"), title=title, url_path=name, **kw)


if role == "planner":
    pages = [view("overview", t("page_overview", lang), default=True), view("map", t("page_map", lang)),
             view("ledgers", t("page_ledgers", lang)), view("rectification", t("page_rectification", lang)),
             view("print_map", t("page_print", lang))]
elif role == "inspector":
    found = [n for n in ("inspect_capture", "inspect_review") if (HERE / "views" / f"{n}.py").exists()]
    pages = [view(n, t(f"page_{n}", lang)) for n in found] or [st.Page(inspections_missing, title=t("role_inspector", lang),
                                                    url_path="inspect")]
elif (HERE / "views" / "water_plan.py").exists():
    pages = [view("water_plan", t("page_water_plan", lang))]
else:
    pages = [st.Page(water_later, title=t("page_water_later", lang), url_path="water")]
st.title(t("app_title", lang))
st.navigation(pages).run()
