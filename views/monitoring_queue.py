"""待我处理 Waiting on me: the steps on monitored households' cases that the signed-in person's role and scope may take
now, those waiting for something, the signals for the village's weekly assessment, notices to post, a new proposal
and the county's spot check. The database decides every step; this page asks it and shows its answers."""
import streamlit as st

from accounts import role_label
from accounts.ui import plain
from board import session
from geo.i18n import label, t, vocabulary
from geo.settings import settings
from monitoring import cases, machine, signals, spotcheck, widgets

lg = session.lang()
st.header(t("page_monitoring_queue", lg))
user = session.user()
st.caption(f"{plain(user.name)} · {role_label(user.role, lg)} · {user.scope_code or '*'}")
with session.connection() as conn:
    widgets.refreshed_signals(settings.url, session.stamp(conn))
    widgets.done_notice()
    queue = cases.queue(conn)
    ready, waiting = queue[queue["ready"]], queue[~queue["ready"] & queue["mine"]]
    eligible = ready[ready["action"] == "propose_elimination"]
    waiting = waiting[waiting["action"] != "propose_elimination"]   # under support: not waiting on anyone
    ready = ready[~ready["action"].isin(["propose_elimination", "notice", "draw"])]
    found = cases.open_signals(conn)
    proposer = user.role in ("village_monitor", "township_officer")
    with st.container(horizontal=True):   # side by side, two to a row on a phone
        for key, n in (("ready", ready), ("waiting", waiting), ("signals_open", found), ("eligible", eligible)):
            st.metric(t(f"mon.{key}", lg), len(n), border=True, width=165)

    names = [t("mon.tab_ready", lg), t("mon.tab_signals", lg), t("mon.tab_notices", lg), t("mon.tab_new", lg)]
    if user.role == "county_planner":
        names.append(t("mon.tab_spot", lg))
    tabs = st.tabs(names)

    with tabs[0]:
        if ready.empty:
            st.info(t("mon.nothing_ready", lg))
        else:
            st.dataframe(ready.assign(
                state=ready["state"].map(lambda s: machine.state_label(s, lg)),
                action=ready["action"].map(lambda a: machine.action_label(a, lg)),
                category=ready["category"].map(lambda c: label("category", c, lg)))[
                ["case_id", "household_id", "head_name", "village_name", "category", "state", "action", "days"]]
                .rename(columns=lambda c: t(f"mon.col_{c}", lg)), hide_index=True, key="mon_ready")
            rows = {int(r.case_id): r._asdict() for r in ready.itertuples()}
            pick = st.selectbox(t("mon.pick_case", lg), list(rows), index=None, key="mon_pick",
                                format_func=lambda i: widgets.case_line(rows[i], lg), placeholder=t("choose", lg))
            if pick is not None:
                case = cases.one(conn, pick)
                st.markdown(f"**{plain(widgets.case_line(rows[pick], lg))}** · "
                            f"{label('risk_type', list(case['risk_types'] or []), lg)}")
                widgets.consent_form(conn, case, lg)
                widgets.step_buttons(conn, case, lg)
                widgets.open_case_link(pick, lg)
        if not waiting.empty:
            st.subheader(t("mon.waiting", lg))
            st.dataframe(waiting.assign(
                state=waiting["state"].map(lambda s: machine.state_label(s, lg)),
                action=waiting["action"].map(lambda a: machine.action_label(a, lg)),
                why=waiting["refusal"].map(lambda r: widgets.refusal_words(r, lg)))[
                ["case_id", "household_id", "head_name", "village_name", "state", "action", "why", "days"]]
                .rename(columns=lambda c: t(f"mon.col_{c}", lg)), hide_index=True, key="mon_waiting")
        if not eligible.empty:
            st.subheader(t("mon.eligible", lg))
            st.caption(t("mon.eligible_hint", lg))
            st.dataframe(eligible[["case_id", "household_id", "head_name", "village_name", "days"]]
                         .rename(columns={"days": "supported"}).rename(columns=lambda c: t(f"mon.col_{c}", lg)),
                         hide_index=True, key="mon_eligible")

    with tabs[1]:
        if found.empty:
            st.info(t("mon.no_signals", lg))
        else:
            found = found.assign(what=[signals.describe(s, r, d, lg) for s, r, d in
                                       zip(found["source"], found["rule"], found["detail"])])
            st.dataframe(found.assign(risks=found["risk_types"].map(lambda r: label("risk_type", list(r or []), lg)),
                                      raised=found["raised_at"].map(lambda d: str(d)[:10]))[
                ["id", "household_id", "head_name", "village_name", "what", "risks", "raised"]]
                .rename(columns=lambda c: t(f"mon.col_{c}", lg)), hide_index=True, key="mon_signals")
            if proposer:
                by_id = {int(r.id): r._asdict() for r in found.itertuples()}
                sid = st.selectbox(t("mon.pick_signal", lg), list(by_id), index=None, key="mon_signal_pick",
                                   format_func=lambda i: f"#{i} · {by_id[i]['household_id']} "
                                                         f"{by_id[i]['head_name'] or ''} · {by_id[i]['what']}",
                                   placeholder=t("choose", lg))
                if sid is not None:
                    s = by_id[sid]
                    with st.form(f"mon_from_signal_{sid}"):
                        st.markdown(f"**{t('mon.propose_from_signal', lg)}** · {plain(s['household_id'])} "
                                    f"{plain(s['head_name'] or '')}")
                        category = st.selectbox(t("category", lg), ["marginal", "unstable", "sudden_hardship"],
                                                format_func=lambda c: label("category", c, lg))
                        risks = st.multiselect(t("risk_types", lg), list(vocabulary("risk_type")),
                                               default=list(s["risk_types"] or []),
                                               format_func=lambda r: label("risk_type", r, lg),
                                               placeholder=t("choose", lg))
                        reason = st.text_area(t("mon.proposal_reason", lg), value=s["what"], max_chars=1000)
                        contact = st.text_input(t("support_contact", lg), max_chars=100)
                        consent = widgets.consent_input(conn, lg)
                        if st.form_submit_button(t("mon.propose", lg), type="primary"):
                            if widgets.act(widgets.propose_with_consent, conn, consent, s["household_id"], category,
                                           risks, None, reason, None, [sid], contact, lang=lg,
                                           done=t("mon.proposed", lg)):
                                st.rerun()
                    with st.form(f"mon_dismiss_{sid}"):
                        why = st.text_input(t("mon.dismiss_reason", lg), max_chars=500)
                        if st.form_submit_button(t("mon.dismiss", lg)):
                            if widgets.act(machine.dismiss_signal, conn, sid, why, lang=lg,
                                           done=t("mon.dismissed", lg)):
                                st.rerun()

    with tabs[2]:
        to_post = queue[queue["ready"] & (queue["action"] == "notice")]
        unsigned = queue[(queue["action"] == "notice")
                         & queue["refusal"].map(lambda r: (r or {}).get("code") == "no_consent")]
        if to_post.empty and unsigned.empty:
            st.info(t("mon.nothing_to_post", lg))
        for row in unsigned.to_dict("records"):   # no notice without the household's consent: record it here
            st.markdown(f"**{plain(widgets.case_line(row, lg))}** · {t('mon.needs_consent', lg)}")
            widgets.consent_form(conn, {**row, "consent_on": None}, lg)
        for (village, kind), group in to_post.assign(
                kind=to_post["state"].map(lambda s: "identification" if s == "village_assessed" else "elimination")
        ).groupby(["village_code", "kind"]):
            st.markdown(f"**{plain(group['village_name'].iloc[0] or village)} · {label('notice_kind', kind, lg)}**")
            widgets.notice_form(conn, village, group, kind, lg, key=f"mon_notice_{village}_{kind}")

    with tabs[3]:
        if not proposer:
            st.caption(t("mon.propose_roles", lg))
        else:
            with st.form("mon_new"):
                household = st.text_input(t("mon.household_id", lg), max_chars=64)
                category = st.selectbox(t("category", lg), ["marginal", "unstable", "sudden_hardship"],
                                        format_func=lambda c: label("category", c, lg))
                found_by = st.selectbox(t("mon.found_by", lg), ["self_declaration", "screening", "department_alert"],
                                        format_func=lambda c: label("found_by", c, lg))
                risks = st.multiselect(t("risk_types", lg), list(vocabulary("risk_type")),
                                       format_func=lambda r: label("risk_type", r, lg), placeholder=t("choose", lg))
                income = st.number_input(t("mon.income", lg), min_value=0.0, value=None, step=100.0)
                reason = st.text_area(t("mon.proposal_reason", lg), max_chars=1000)
                contact = st.text_input(t("support_contact", lg), max_chars=100)
                consent = widgets.consent_input(conn, lg)
                if st.form_submit_button(t("mon.propose", lg), type="primary"):
                    if widgets.act(widgets.propose_with_consent, conn, consent, household.strip(), category, risks,
                                   found_by, reason, income, [], contact, lang=lg, done=t("mon.proposed", lg)):
                        st.rerun()

    if user.role == "county_planner":
        with tabs[4]:
            pool = spotcheck.pool(conn, user.scope_code)
            conn.rollback()
            rate = spotcheck.rate(conn)
            st.caption(t("mon.spot_hint", lg, n=len(pool), rate=f"{rate:.0%}"))
            if not pool.empty:
                st.dataframe(pool.groupby("township_code").size().rename(t("mon.col_cases", lg)).reset_index()
                             .rename(columns={"township_code": t("township", lg)}), hide_index=True, key="mon_pool")
                with st.form("mon_spot"):
                    seed = st.number_input(t("mon.seed", lg), value=machine.today(conn).year, step=1)
                    share = st.slider(t("mon.rate", lg), rate, 1.0, rate)
                    if st.form_submit_button(t("mon.draw", lg), type="primary"):
                        try:
                            check_id, picked = spotcheck.draw(conn, int(seed), user.scope_code, share)
                        except machine.Refused as err:
                            st.error(plain(err.words(lg)))
                        else:
                            st.session_state["mon_done"] = t("mon.drawn", lg, id=check_id, n=len(picked),
                                                             cases="、".join(f"#{i}" for i in picked))
                            st.rerun()
