"""What the monitoring pages share: signals raised once per change of the data, a case named in a line, a refusal
in words, a case's steps as buttons (the database decides; a step it refuses shows why), the consent and notice
forms, a case's notices with their photos and objections, the case's place on a small map, and the overview's
cards and charts. Every value a person typed or an import brought is escaped before markdown shows it."""
from __future__ import annotations

import html
from contextlib import closing

import folium
import pandas as pd
import streamlit as st

from accounts.scoped import connect_as
from accounts.ui import plain
from board import mapframe, session
from board import widgets as board_widgets
from geo import db
from geo.i18n import label, t
from geo.settings import settings
from inspections.photos import NotAnImage
from layers import admin, basemaps, risk, vendor
from layers.base import Filters

from . import cases, machine, notices, report, signals
from .machine import Refused


@st.cache_data(ttl=settings.map_cache_ttl_s, show_spinner=False)
def refreshed_signals(url: str, stamp: int) -> dict[str, int]:
    """Raise every source's signals once per change of the data (not on every rerun). Derived from the check results
    and records of the whole county, so it runs on the owner's connection like the checks; the pages read the
    signals as the user."""
    with closing(db.connect(url)) as conn:
        return signals.raise_signals(conn)


def case_line(row, lang: str) -> str:
    """A case in one line: number, household, name, village, state."""
    return (f"#{row['case_id']} · {row['household_id']} {row['head_name'] or ''} · {row['village_name'] or ''} · "
            f"{machine.state_label(row['state'], lang)}")


def open_case_link(case_id: int, lang: str) -> None:
    """A link to the case page, opening this case (in the app's navigation; a plain link when a page runs alone)."""
    from streamlit.errors import StreamlitPageNotFoundError
    try:
        st.page_link("views/monitoring_case.py", label=t("mon.open_case", lang), query_params={"case": case_id})
    except StreamlitPageNotFoundError:
        st.markdown(f"[{t('mon.open_case', lang)}](monitoring_case?case={int(case_id)})")


def refusal_words(refusal: dict | None, lang: str) -> str:
    """A refusal the database gave (its JSON) in words; '' for none."""
    return "" if not refusal else Refused(refusal).words(lang)


def act(fn, *args, lang: str, done: str) -> bool:
    """Take a step; say it was done, or why the database refused it. Whether it was taken."""
    try:
        fn(*args)
    except Refused as err:
        st.error(plain(err.words(lang)))
        return False
    st.session_state["mon_done"] = done
    return True


def done_notice() -> None:
    """The last step's confirmation, shown once after the rerun it caused."""
    msg = st.session_state.pop("mon_done", None)
    if msg:
        st.success(msg)


def step_buttons(conn, case: dict, lang: str) -> None:
    """The plain steps open to the signed-in person on this case, each a button (a return or a close needs the reason
    typed first); steps refused now are listed with the reason."""
    steps = case["steps"]
    plain_steps = steps[steps["via"] == "mon_transition"]
    if plain_steps.empty:
        st.caption(t("mon.no_steps", lang))
        return
    reason = st.text_input(t("mon.reason", lang), key=f"mon_reason_{case['case_id']}", max_chars=500)
    open_steps = plain_steps[plain_steps["refusal"].isna()]
    if not open_steps.empty:
        cols = st.columns(len(open_steps))
        for col, step in zip(cols, open_steps.itertuples()):
            text = f"{machine.action_label(step.action, lang)} → {machine.state_label(step.to_state, lang)}"
            if col.button(text, key=f"mon_step_{case['case_id']}_{step.action}_{step.to_state}",
                          type="secondary" if step.action == "return" else "primary"):
                if act(machine.step, conn, case["case_id"], step.to_state, reason, lang=lang,
                       done=t("mon.moved", lang, state=machine.state_label(step.to_state, lang))):
                    st.rerun()
    for step in plain_steps[plain_steps["refusal"].notna()].itertuples():
        if step.refusal.get("code") in cases.WAITING:
            st.info(f"{machine.action_label(step.action, lang)}：{plain(refusal_words(step.refusal, lang))}")


def consent_input(conn, lang: str):
    """Inside a proposal's form: the day the household signed its consent (承诺授权), if it has; None if not."""
    signed = st.checkbox(t("mon.consent_signed", lang))
    day = machine.today(conn)
    on = st.date_input(t("mon.consent_on", lang), value=day, max_value=day)
    return on if signed else None


def propose_with_consent(conn, consent, *args) -> int:
    """Propose a case (machine.propose's arguments), then record the consent signed with the proposal, if any."""
    case_id = machine.propose(conn, *args)
    if consent is not None:
        machine.record_consent(conn, case_id, consent)
    return case_id


def consent_form(conn, case: dict, lang: str) -> None:
    """Record the household's consent (承诺授权) while the case is being identified."""
    if case["state"] not in ("proposed", "village_assessed", "returned"):
        return
    if case["consent_on"] is not None and case["consent_on"] == case["consent_on"]:
        st.caption(t("mon.consent_recorded", lang, on=case["consent_on"], by=plain(case["consent_by_login"] or "")))
        return
    with st.form(f"mon_consent_{case['case_id']}", border=False):
        day = machine.today(conn)
        on = st.date_input(t("mon.consent_on", lang), value=day, max_value=day)
        if st.form_submit_button(t("mon.record_consent", lang)):
            if act(machine.record_consent, conn, case["case_id"], on, lang=lang, done=t("mon.consent_done", lang)):
                st.rerun()


def notice_form(conn, village_code: str, ready: pd.DataFrame, kind: str, lang: str, key: str) -> None:
    """Post a notice of some of a village's cases ready for one (assessed with consent, or confirmed eliminations)."""
    if ready.empty:
        return
    with st.form(key):
        rows = {int(r["case_id"]): r for r in ready.to_dict("records")}
        picked = st.multiselect(t("mon.notice_cases", lang), list(rows), default=list(rows),
                                format_func=lambda i: case_line(rows[i], lang))
        day = machine.today(conn)
        posted_on = st.date_input(t("mon.posted_on", lang), value=day, max_value=day)
        place = st.text_input(t("mon.place", lang), value=t("mon.place_default", lang), max_chars=200)
        if st.form_submit_button(t(f"mon.post_{kind}", lang), type="primary") and picked:
            if act(notices.post, conn, kind, village_code, picked, posted_on, place, lang=lang,
                   done=t("mon.notice_posted", lang)):
                st.rerun()


def notice_panel(conn, case: dict, lang: str) -> None:
    """The notices that listed this case: window, the printable notice, the photo of it posted (with its flags), the
    objections with what was done, and forms to add a photo, an objection (while the case is on notice) or an
    outcome."""
    acts = cases.my_actions(conn)
    for n in case["notices"].itertuples():
        window = t("mon.window", lang, first=n.posted_on, closes=n.closes_on, days=n.window_days)
        st.markdown(f"**{label('notice_kind', n.kind, lang)} #{n.id}** · {window} · {plain(n.place or '')}")
        board_widgets.download(t("mon.notice_pdf", lang), notices.pdf(conn, n.id), f"notice-{n.id}.pdf",
                               "application/pdf", "monitoring_notice", 1,
                               key=f"mon_pdf_{case['case_id']}_{n.id}")
        conn.rollback()
        for p in n.photos:
            flags = "、".join(label("photo_flag", f, lang) for f in p["flags"]) or t("mon.no_flags", lang)
            st.caption(f"📷 {p['sha256'][:12]} · {plain(p['time_local'] or '—')} · {flags}")
        up = st.file_uploader(t("mon.notice_photo", lang), type=["jpg", "jpeg", "heic", "heif"],
                              key=f"mon_photo_{case['case_id']}_{n.id}") if "notice" in acts else None
        if up is not None and st.button(t("mon.upload", lang), key=f"mon_photo_go_{case['case_id']}_{n.id}"):
            try:
                flags = notices.add_photo(conn, n.id, up.getvalue())
            except NotAnImage as err:
                st.error(plain(str(err)))
            except Refused as err:
                st.error(plain(err.words(lang)))
            else:
                st.session_state["mon_done"] = t("mon.photo_done", lang) + (
                    "：" + "、".join(label("photo_flag", f, lang) for f in flags) if flags else "")
                st.rerun()
        for o in n.objections:
            st.warning(f"{t('mon.objection', lang)} #{o['id']} · {o['received_on']} · "
                       f"{label('objection_channel', o['channel'], lang)}：{plain(o['content'])}"
                       + (f"\n\n{t('mon.outcome', lang)}：{plain(o['outcome'])}" if o["outcome"] else ""))
            if not o["outcome"] and "object" in acts:
                with st.form(f"mon_resolve_{o['id']}"):
                    outcome = st.text_area(t("mon.outcome", lang), max_chars=1000)
                    if st.form_submit_button(t("mon.resolve", lang)):
                        if act(notices.resolve, conn, o["id"], outcome, lang=lang, done=t("mon.resolved", lang)):
                            st.rerun()
        if case["state"] in ("notice", "elimination_notice") and n.id == case["notices"]["id"].iloc[-1] \
                and "object" in acts:
            with st.form(f"mon_object_{case['case_id']}_{n.id}"):
                st.markdown(f"**{t('mon.record_objection', lang)}**")
                day = machine.today(conn)
                received = st.date_input(t("mon.received_on", lang), value=day, max_value=day)
                channel = st.selectbox(t("mon.channel", lang), list(notices.CHANNELS),
                                       format_func=lambda c: label("objection_channel", c, lang))
                content = st.text_area(t("mon.objection_content", lang), max_chars=2000)
                if st.form_submit_button(t("mon.record_objection", lang)):
                    if act(notices.object_to, conn, n.id, case["case_id"], received, channel, content, lang=lang,
                           done=t("mon.objection_done", lang)):
                        st.rerun()


def small_map(conn, case: dict, lang: str) -> None:
    """The household on a small map of its village: the boundaries and seats, the monitored households around it
    (the risk layer's points, without its shading of villages), the household ringed; no legend or layer control."""
    if case["lat"] is None or case["lat"] != case["lat"]:
        return
    f = Filters(village=case["village_code"])
    m = folium.Map(location=[case["lat"], case["lon"]], zoom_start=15, tiles=None, control_scale=True,
                   prefer_canvas=True)
    m.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{basemaps.PLAIN_BACKGROUND};}}</style>"))
    for g in admin.build(conn, f, lang).groups:
        g.add_to(m)
    risk.build(conn, f, lang).groups[-1].add_to(m)
    conn.rollback()
    folium.CircleMarker([case["lat"], case["lon"]], radius=11, color="#1f78b4", weight=3, fill=False,
                        tooltip=html.escape(f"{case['head_name'] or ''} · {case['household_id']}")).add_to(m)
    vendor.localize(m)
    mapframe.show(mapframe.payload(m), key=f"mon_map_{case['case_id']}", height=320,
                  center=(case["lat"], case["lon"]), zoom=15)


# ---- the overview's cards and charts (views/overview.py) -----------------------------------------------------------

@st.cache_data(ttl=settings.map_cache_ttl_s, show_spinner=False)
def overview_figures(url: str, stamp: int, key: tuple) -> dict:
    """This month's report rows (county and townships) and the last twelve months, as the user reads them; cached per
    data stamp and user (`key`: board.session.who())."""
    u = session.user()
    if (u.id, u.role, u.scope_code) != tuple(key):
        raise PermissionError("the signed-in user changed; reload the page")
    with closing(connect_as(u, url)) as conn:
        day = machine.today(conn)
        rep = report.monthly(conn, day.strftime("%Y-%m"))
        return {"today": day, "report": rep[rep["level"] != "village"].reset_index(drop=True),
                "history": report.history(conn)}


def _card(where, title: str, value, target, rule: str, lang: str, chart=None, change=None) -> None:
    """One key indicator: its value, against its target (or its change since last month), its source rule on
    hover, its months as a sparkline."""
    if value is None:
        where.metric(title, "—", help=rule, border=True)
        return
    if target is not None:
        delta, colour = (f"{value - target:+,}" if value != target else "0"), "inverse"
        note = t("ov.vs_target", lang, target=target)
    else:
        delta, colour, note = (None if change is None else f"{change:+,}"), "off", t("ov.vs_last_month", lang)
    where.metric(title, f"{value:,}", delta=delta, delta_color=colour, help=rule, border=True,
                 delta_description=note if delta is not None else None,
                 delta_arrow="off" if delta in ("0", "+0") else "auto", chart_data=chart)


def overview_cards(vil: pd.DataFrame, figures: dict, checks: dict, lang: str) -> None:
    """The key indicators as cards against their targets, read in thirty seconds."""
    county = figures["report"].iloc[0] if len(figures["report"]) else None
    hist = figures["history"]
    last = hist["monitored"].iloc[-2] if len(hist) > 1 else None
    n = lambda col: int(county[col]) if county is not None else 0  # noqa: E731
    overdue_reviews = sum(n(f"overdue_{lv}") for lv in report.LEVELS)
    water = int(vil["water_fail_hh"].sum()) if checks.get("water_results", True) else None
    roads = int(vil["road_gaps"].sum()) if checks.get("road_results", True) else None
    row1 = st.columns(4)
    _card(row1[0], t("ind_monitored", lang), n("monitored"), None, label("rule", "monitored", lang), lang,
          hist["monitored"].tolist(), None if last is None else n("monitored") - int(last))
    _card(row1[1], t("ov.identified", lang), n("identified"), None, t("ov.identified_rule", lang), lang,
          hist["identified"].tolist())
    _card(row1[2], t("ov.eliminated", lang), n("eliminated"), None, t("ov.eliminated_rule", lang), lang,
          hist["eliminated"].tolist())
    _card(row1[3], t("ov.reviews_overdue", lang), overdue_reviews, 0, t("ov.reviews_rule", lang), lang)
    row2 = st.columns(4)
    _card(row2[0], t("ind_overdue_visits", lang), int(vil["overdue_visits"].sum()), 0, label("rule", "visits", lang),
          lang)
    _card(row2[1], t("ov.no_measure", lang), n("no_measure"), 0, t("ov.no_measure_rule", lang), lang)
    _card(row2[2], t("ind_water_fail_hh", lang), water, 0, label("rule", "water", lang), lang)
    _card(row2[3], t("ind_dangerous_houses", lang), int(vil["dangerous_houses"].sum()), 0,
          label("rule", "housing", lang), lang)
    if roads is not None and roads:
        st.caption(f"{t('ind_road_gaps', lang)}: {roads:,} · {label('rule', 'road', lang)}")


def overview_charts(vil: pd.DataFrame, figures: dict, lang: str) -> None:
    """Per township (bars) and month by month (lines, from the cases' history)."""
    left, right = st.columns(2)
    towns = vil.groupby("township_name", dropna=False)[["monitored", "overdue_visits"]].sum()
    rep = figures["report"]
    per = rep[rep["level"] == "township"].set_index("name")
    towns["no_measure"] = per["no_measure"].reindex(towns.index).fillna(0).astype(int)
    towns = towns.rename(columns={"monitored": t("ind_monitored", lang),
                                  "overdue_visits": t("ind_overdue_visits", lang),
                                  "no_measure": t("ov.no_measure", lang)})
    towns.index = towns.index.fillna("—").rename(t("township", lang))
    with left:
        st.markdown(f"**{t('ov.per_township', lang)}**")
        st.bar_chart(towns, stack=False, horizontal=True, height=max(260, 28 * len(towns)))
    with right:
        hist = figures["history"].set_index("month")
        st.markdown(f"**{t('ov.by_month', lang)}**")
        st.line_chart(hist[["monitored"]].rename(columns={"monitored": t("ind_monitored", lang)}), height=180)
        st.line_chart(hist[["identified", "eliminated"]].rename(
            columns={"identified": t("ov.identified", lang), "eliminated": t("ov.eliminated", lang)}), height=180)
