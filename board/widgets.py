"""Widgets the planner's pages share: choices that survive a change of language, the township/village/category
filters, the rule-set choice, the 'checks not run yet' and 'no data' notices, and Excel downloads masked for the
user's role and recorded in the export log."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from accounts import audit, masking
from accounts.scoped import scoped_transaction
from geo import db, vocab
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


def download_xlsx(label: str, df: pd.DataFrame, sheet: str, file_name: str, layer: str, key: str, **kw) -> None:
    """An Excel download of `df` with ID and phone numbers masked for the user's role, recorded in export_log
    (who, which layer, how many rows, when) when the user clicks it. Mask `df` before labelling its columns."""
    u = user()
    data = ledgers.to_xlsx(df, sheet)

    def record():
        with scoped_transaction(u) as conn:
            audit.record_export(conn, u, layer, len(df), "xlsx", file_name)
    st.download_button(label, data, file_name=file_name, key=key, on_click=record,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", **kw)


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
        st.warning(f"**{both('checks_not_run', ' / ')}** ({rule_set}). "
                   f"{t('checks_not_run_cmd', lg)}\n\n" + "\n".join(f"`{c}`" for c in missing))
    return run


def has_data(conn) -> bool:
    """Whether anything is loaded; when not, say how to load it."""
    ok = bool(db.query_value(conn, "SELECT EXISTS (SELECT 1 FROM natural_villages) "
                                   "OR EXISTS (SELECT 1 FROM admin_units)"))
    if not ok:
        st.info(t("no_data", lang()))
    return ok
