"""Widgets the planner's pages share: choices that survive a change of language, the township/village/category
filters, the rule-set choice, the 'checks not run yet' and 'no data' notices, and downloads: every file a page offers
(Excel masked for the user's role, CSV, a printed map) is fetched through the authenticated export route, which
records it in the export log before it streams it (accounts.downloads)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from accounts import downloads, masking
from accounts.ui import plain
from geo import cells, db, vocab
from geo.i18n import both, label, t
from geo.settings import settings
from layers.base import Filters

from . import indicators, ledgers
from .session import lang, options, stamp, user, who

ALL = ""   # the 'all' choice of a selector (None would read as 'nothing chosen')


def keep(widget, label: str, options: list | None, key: str, default, **kw):
    """A widget whose choice survives a change of language. Streamlit resets a widget whose label or option
    labels change, so the choice lives in session_state[key] and the widget itself is keyed per language.
    `widget` is st.selectbox, st.multiselect, st.checkbox or st.radio (or their st.sidebar forms)."""
    if key not in st.session_state:
        st.session_state[key] = default
    value = st.session_state[key]
    name = getattr(widget, "__name__", "")
    if name == "multiselect":
        kw["default"] = [v for v in (value or []) if v in options]
        kw.setdefault("placeholder", t("choose", lang()))
    elif name == "checkbox":
        kw["value"] = bool(value)
    else:
        kw["index"] = options.index(value) if value in options else 0
    wkey = f"{key}__{lang()}"
    args = (label,) if name == "checkbox" else (label, options)
    out = widget(*args, key=wkey, **kw)
    st.session_state[key] = out
    return out


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(label: str, data: bytes, file_name: str, mime: str, layer: str, rows: int, key: str, where=st) -> str:
    """A link that downloads `data` through the authenticated export route: fetched with the browser's session of the
    signed-in user only, recorded in export_log (who, which layer, how many rows, when) as it is fetched. `key` names
    the download on its page (a rerun replaces its file under the same link). Returns the link."""
    url = downloads.prepare(user(), key, data, file_name, mime, layer, rows)
    where.link_button(label, url, icon=":material/download:")
    return url


def download_xlsx(label: str, df: pd.DataFrame, sheet: str, file_name: str, layer: str, key: str, where=st) -> str:
    """An Excel download of `df` (ID and phone numbers masked for the user's role: mask `df` before labelling its
    columns; formula cells neutralised by ledgers.to_xlsx) through the export route."""
    return download(label, ledgers.to_xlsx(df, sheet), file_name, XLSX, layer, len(df), key, where)


def download_csv(label: str, df: pd.DataFrame, file_name: str, layer: str, key: str, where=st) -> str:
    """A CSV download of `df` (formula cells neutralised, geo.cells) through the export route."""
    return download(label, cells.to_csv(df).encode("utf-8-sig"), file_name, "text/csv", layer, len(df), key, where)


def masked(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with personal numbers masked for the signed-in user's role (the database masks too)."""
    return masking.mask_frame(df, user().role)


def rule_set_choice(conn, key: str) -> str | None:
    """A rule-set selector (the default first); returns the name chosen."""
    rs = options(settings.url, stamp(conn), "rule_sets", None, who())
    if rs.empty:
        return None
    rs = rs.sort_values("is_default", ascending=False)
    col = "title_zh" if lang() == "zh" else "title_en"
    names = rs["name"].tolist()
    titles = dict(zip(rs["name"], rs[col]))
    return keep(st.sidebar.selectbox, t("rule_set", lang()), names, key, names[0],
                format_func=lambda n: titles.get(n, n))


def scope(conn, key: str, *, village: bool = True, category: bool = False) -> Filters:
    """Township → village (→ category) selectors in the sidebar."""
    lg = lang()
    s = stamp(conn)
    tw = options(settings.url, s, "townships", None, who())
    tw_names = dict(zip(tw["code"], tw["name"]))
    township = keep(st.sidebar.selectbox, t("township", lg), [ALL] + tw["code"].tolist(), f"{key}_township", ALL,
                    format_func=lambda c: t("all", lg) if c == ALL else f"{tw_names[c]} {c}")
    vil_code = ALL
    if village and township:
        vl = options(settings.url, s, "villages", township, who())
        vl_names = dict(zip(vl["code"], vl["name"]))
        vil_code = keep(st.sidebar.selectbox, t("village", lg), [ALL] + vl["code"].tolist(), f"{key}_village", ALL,
                        format_func=lambda c: t("all", lg) if c == ALL else vl_names[c])
    cat = ALL
    if category:
        cat = keep(st.sidebar.selectbox, t("category", lg), [ALL, *vocab.MONITORED], f"{key}_category", ALL,
                   format_func=lambda c: t("all", lg) if c == ALL else label("category", c, lg))
    return Filters(township=township or None, village=vil_code or None, category=cat or None)


def checks_notice(conn, rule_set: str | None) -> dict[str, bool]:
    """Say plainly which checks have no results yet and the command that makes them."""
    run = indicators.checks_run(conn, rule_set)
    missing = [indicators.CHECK_COMMANDS[k] for k, ok in run.items() if not ok]
    if missing:
        lg = lang()
        st.warning(f"**{both('checks_not_run', ' / ')}** ({plain(rule_set)}). "
                   f"{t('checks_not_run_cmd', lg)}\n\n" + "\n".join(f"`{c}`" for c in missing))
    return run


def has_data(conn) -> bool:
    """Whether anything is loaded; when not, say how to load it."""
    ok = bool(db.query_value(conn, "SELECT EXISTS (SELECT 1 FROM natural_villages) "
                                   "OR EXISTS (SELECT 1 FROM admin_units)"))
    if not ok:
        st.info(t("no_data", lang()))
    return ok
