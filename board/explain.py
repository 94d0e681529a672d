"""The explanation beside the map: what the water and road checks found for the clicked household or natural
village (geo.checks.explain), shown as clauses against thresholds and an elevation profile. Names and ids come from
imported files: they are shown as text (markdown and HTML inert)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from accounts.ui import plain
from geo import db
from geo.i18n import label, t, yes_no

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql

CLAUSE_LABEL = {"horizontal": "horizontal_m", "vertical": "vertical_m", "time": "round_trip_min",
                "piped": "piped_to_home", "guarantee": "guarantee_rate", "road_access": "road_distance_m",
                "required": "required", "connected_to_seat": "connected_to_seat", "rai": "all_season"}


def subject_kind(conn, subject_id: str) -> str | None:
    """'household', 'natural_village' or None: what the clicked id names."""
    return db.query_value(conn, SQL("subject_kind"), {"s": subject_id})


def _text(v, lang: str) -> str:
    """A clause's value or threshold as text (they mix numbers, yes/no and unknown)."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return yes_no(v, lang)
    return f"{v:g}" if isinstance(v, float) else str(v)


def clauses_table(d: dict, lang: str) -> pd.DataFrame:
    rows = []
    for c in d.get("clauses") or []:
        ok = c.get("ok")
        rows.append({t("rect_problem", lang): t(CLAUSE_LABEL.get(c["clause"], c["clause"]), lang),
                     t("value", lang): _text(c.get("value"), lang), t("target", lang): _text(c.get("threshold"), lang),
                     "": "✔" if ok is True else ("✘" if ok is False else "？")})
    return pd.DataFrame(rows)


def _profile(d: dict, lang: str) -> None:
    prof = d.get("profile") or []
    if len(prof) > 1:
        df = pd.DataFrame(prof, columns=["m", "elevation"]).dropna()
        if len(df) > 1:
            st.caption(t("elevation_profile", lang))
            st.line_chart(df.set_index("m"), height=140)


def _water(d: dict, lang: str) -> None:
    if d.get("subject") == "natural_village" and d.get("household") is not None:
        h = d["households"]
        st.caption(f"✔ {h.get('compliant', 0)} · ✘ {h.get('non_compliant', 0)} · ？ {h.get('unknown', 0)}")
        d = d["household"]
    src = d.get("source") or {}
    st.markdown(f"**{t('layer_water', lang)}** · {t('source', lang)}: {plain(src.get('name') or src.get('id') or '—')}"
                f" · {t('distance_basis', lang)}: "
                f"{label('distance_basis', d.get('distance_basis'), lang) or yes_no(None, lang)}"
                f" · {t('compliant', lang)}: {yes_no(d.get('compliant'), lang)}")
    st.dataframe(clauses_table(d, lang), hide_index=True, width="stretch")
    if d.get("failed_clauses"):
        st.error(label("problem", d["failed_clauses"], lang, "；"))
    _profile(d, lang)


def _road(d: dict, lang: str) -> None:
    road = d.get("road") or {}
    st.markdown(f"**{t('layer_roads', lang)}** · {plain(road.get('name') or road.get('id') or '—')}"
                f" · {t('gap', lang)}: {yes_no(d.get('gap'), lang)}")
    st.dataframe(clauses_table(d, lang), hide_index=True, width="stretch")
    _profile(d, lang)


def panel(conn, subject_id: str, rule_set: str | None, lang: str) -> None:
    """Explain the clicked subject; other kinds of object have their record in the map's popup already."""
    kind = subject_kind(conn, subject_id)
    if kind is None:
        st.caption(plain(subject_id))
        return
    try:
        from geo.checks import explain as ex
    except ModuleNotFoundError:
        st.info(t("explain_missing", lang))
        return
    st.caption(plain(subject_id))
    try:
        _water(ex.explain_water(conn, subject_id, rule_set), lang)
    except LookupError as err:
        st.caption(plain(err))
    if kind == "natural_village":
        try:
            _road(ex.explain_road(conn, subject_id, rule_set), lang)
        except LookupError as err:
            st.caption(plain(err))
