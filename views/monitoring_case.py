"""监测对象档案 Case page: one monitored household's case — the household, its risks, the steps open to the signed-in
person, support measures, visits, signals, public notices, the timeline and its place on a small map."""
import streamlit as st

from accounts import role_label
from accounts.ui import plain
from board import session
from geo.i18n import label, t, vocabulary
from geo.settings import settings
from monitoring import cases, machine, measures, signals, widgets

lg = session.lang()
st.header(t("page_monitoring_case", lg))
with session.connection() as conn:
    widgets.refreshed_signals(settings.url, session.stamp(conn))
    widgets.done_notice()
    listed = cases.listing(conn)
    if listed.empty:
        st.info(t("mon.no_cases", lg))
        st.stop()
    rows = {int(r.case_id): r._asdict() for r in listed.itertuples()}
    asked = st.query_params.get("case")
    if asked and asked.isdigit() and int(asked) in rows and st.session_state.get("mon_case_asked") != asked:
        st.session_state["mon_case"] = int(asked)   # a link (the queue's) opens its case once
        st.session_state["mon_case_asked"] = asked
    case_id = st.selectbox(t("mon.pick_case", lg), list(rows), key="mon_case",
                           format_func=lambda i: widgets.case_line(rows[i], lg))
    case = cases.one(conn, case_id)
    conn.rollback()

    st.subheader(f"{plain(case['head_name'] or '')}（{plain(case['household_id'])}）· "
                 f"{machine.state_label(case['state'], lg)}")
    left, right = st.columns([3, 2])
    with left:
        facts = {
            t("village", lg): f"{case['township_name'] or ''} {case['village_name'] or ''} · {case['nv_name'] or ''}",
            t("members", lg): case["members"],
            t("category", lg): label("category", case["category"], lg),
            t("risk_types", lg): label("risk_type", list(case["risk_types"] or []), lg),
            t("mon.found_by", lg): label("found_by", case["found_by"], lg),
            t("support_contact", lg): case["support_contact"] or "—",
            t("mon.consent", lg): (f"{case['consent_on']} · {case['consent_by_login'] or ''}"
                                   if case["consent_on"] is not None and case["consent_on"] == case["consent_on"]
                                   else "—"),
            t("mon.proposed_on", lg): case["proposed_on"] or "—",
            t("mon.identified_on", lg): case["identified_on"] or "—",
            t("mon.elimination_proposed_on", lg): case["elimination_proposed_on"] or "—",
            t("mon.eliminated_on", lg): case["eliminated_on"] or "—",
            t("last_visit_on", lg): case["last_visit_on"] or "—",
            t("mon.income", lg): case["income_per_capita"] if case["income_per_capita"] is not None else "—",
            t("mon.proposal_reason", lg): case["reason"] or "—",
        }
        st.table({t("mon.field", lg): list(facts), t("value", lg): [str(v) for v in facts.values()]})
        if case["uncovered"]:
            st.warning(t("mon.uncovered", lg, risks=label("risk_type", case["uncovered"], lg)))
    with right:
        widgets.small_map(conn, case, lg)

    st.subheader(t("mon.steps", lg))
    widgets.consent_form(conn, case, lg)
    widgets.step_buttons(conn, case, lg)

    st.subheader(t("mon.measures", lg))
    ms = case["measures"]
    if ms.empty:
        st.caption(t("mon.no_measures", lg))
    else:
        ms = ms.astype(object).where(ms.notna(), "")
        st.dataframe(ms.assign(kind=ms["kind"].map(lambda k: label("measure_kind", k, lg)),
                               risk_types=ms["risk_types"].map(lambda r: label("risk_type", list(r or []), lg)),
                               state=ms["state"].map(lambda s: label("measure_state", s, lg)),
                               in_effect=ms["in_effect"].map(lambda v: label("answer", "yes" if v else "no", lg)))
                     .rename(columns=lambda c: t(f"mon.m_{c}", lg)), hide_index=True, key="mon_measures")
    if case["state"] not in ("eliminated", "not_included"):
        with st.expander(t("mon.add_measure", lg)):
            with st.form(f"mon_measure_{case_id}", clear_on_submit=True):
                kind = st.selectbox(t("mon.m_kind", lg), list(measures.KINDS),
                                    format_func=lambda k: label("measure_kind", k, lg))
                answers = st.multiselect(t("mon.m_risk_types", lg), list(vocabulary("risk_type")),
                                         default=[r for r in case["risk_types"] or []],
                                         format_func=lambda r: label("risk_type", r, lg), placeholder=t("choose", lg))
                department = st.text_input(t("mon.m_department", lg), max_chars=100)
                c1, c2 = st.columns(2)
                start_on = c1.date_input(t("mon.m_start_on", lg), value=machine.today(conn))
                end_on = c2.date_input(t("mon.m_end_on", lg), value=None)
                amount = st.text_input(t("mon.m_amount_yuan", lg), max_chars=20)
                state = st.selectbox(t("mon.m_state", lg), list(measures.STATES),
                                     index=measures.STATES.index("in_effect"),
                                     format_func=lambda s: label("measure_state", s, lg))
                note = st.text_input(t("mon.m_note", lg), max_chars=500)
                if st.form_submit_button(t("mon.add_measure", lg), type="primary"):
                    try:
                        measures.add(conn, measures.Measure(case_id, kind, start_on, tuple(answers), department,
                                                            end_on, measures.amount(amount), state, note))
                    except measures.BadMeasure as err:
                        st.error(plain(str(err)))
                    else:
                        st.session_state["mon_done"] = t("mon.measure_added", lg)
                        st.rerun()

    st.subheader(t("mon.notices", lg))
    if case["notices"].empty:
        st.caption(t("mon.no_notices", lg))
    widgets.notice_panel(conn, case, lg)

    c1, c2 = st.columns(2)
    with c1:
        st.subheader(t("mon.visits", lg))
        vs = case["visits"]
        if vs.empty:
            st.caption(t("mon.no_visits", lg, last=case["last_visit_on"] or "—"))
        else:
            st.dataframe(vs.assign(result=vs["result"].map(lambda r: label("inspection_result", r, lg)),
                                   review_state=vs["review_state"].map(lambda s: label("review_state", s, lg)),
                                   new_risks=vs["new_risks"].map(lambda r: "、".join(r) if isinstance(r, list) else ""))
                         .drop(columns=["id"]).rename(columns=lambda c: t(f"mon.v_{c}", lg)), hide_index=True,
                         key="mon_visits")
    with c2:
        st.subheader(t("mon.signals", lg))
        sg = case["signals"]
        if sg.empty:
            st.caption(t("mon.no_signals", lg))
        else:
            st.dataframe(sg.assign(what=[signals.describe(s, r, d, lg) for s, r, d in
                                         zip(sg["source"], sg["rule"], sg["detail"])],
                                   state=sg["state"].map(lambda s: label("signal_state", s, lg)),
                                   raised=sg["raised_at"].map(lambda d: str(d)[:10]))[["id", "what", "state", "raised"]]
                         .rename(columns=lambda c: t(f"mon.col_{c}", lg)), hide_index=True, key="mon_case_signals")

    st.subheader(t("mon.timeline", lg))
    log = case["log"]
    st.dataframe(log.assign(at=log["at"].map(lambda d: str(d)[:16]),
                            action=log["action"].map(lambda a: machine.action_label(a, lg)),
                            from_state=log["from_state"].map(lambda s: machine.state_label(s, lg) if s else ""),
                            to_state=log["to_state"].map(lambda s: machine.state_label(s, lg)),
                            actor_role=log["actor_role"].map(lambda r: role_label(r, lg) if r else ""),
                            reason=log["reason"].fillna(""),
                            level=log["level"].map(lambda v: label("level", v, lg) if v else ""))[
        ["at", "actor_login", "actor_role", "action", "from_state", "to_state", "level", "reason"]]
        .rename(columns=lambda c: t(f"mon.l_{c}", lg)), hide_index=True, key="mon_log", height="auto")
