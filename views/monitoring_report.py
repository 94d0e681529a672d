"""月报与台账 Monthly report and ledger of the monitored households: per county, township and village (cases by category,
state and risk type, identified and eliminated in the month, reviews waiting and overdue per level, cases with no
measure, no visit in 30 days, elimination asked for before the minimum time), the ledger one row per case with what
is wrong with it, and the notices; each as Excel with Chinese headers."""
import streamlit as st

from board import session, widgets
from geo.i18n import label, t
from geo.settings import settings
from monitoring import machine, notices, report
from monitoring import widgets as mon_widgets

lg = session.lang()
st.header(t("page_monitoring_report", lg))
with session.connection() as conn:
    mon_widgets.refreshed_signals(settings.url, session.stamp(conn))
    tab_month, tab_ledger, tab_notices = st.tabs([t("mon.tab_month", lg), t("mon.tab_ledger", lg),
                                                  t("mon.tab_notice_list", lg)])
    with tab_month:
        month = st.selectbox(t("mon.month", lg), report.recent_months(conn), key="mon_month")
        rep = report.monthly(conn, month)
        st.caption(t("mon.as_of", lg, as_of=rep.attrs["as_of"], visit_days=settings.visit_monitored_days))
        shown = report.labelled_report(rep, lg)
        st.dataframe(shown, hide_index=True, width="stretch", key="mon_report")
        widgets.download_xlsx(t("export_xlsx", lg), shown, report.title("report", lg, month=month),
                              f"monitoring-report-{month}.xlsx", "monitoring_report", key="mon_report_xlsx")
    with tab_ledger:
        c1, c2 = st.columns(2)
        state = c1.selectbox(t("mon.state", lg), [widgets.ALL, *report.states()], key="mon_ledger_state",
                             format_func=lambda s: t("all", lg) if s == widgets.ALL else machine.state_label(s, lg))
        problem_only = c2.checkbox(t("mon.problems_only", lg), key="mon_ledger_problems")
        led = report.ledger(conn, state or None)
        if problem_only:
            led = led[led["problems"].map(bool)]
        st.caption(t("mon.ledger_count", lg, n=len(led)))
        shown = report.labelled_ledger(led, lg)
        st.dataframe(shown, hide_index=True, width="stretch", key="mon_ledger")
        widgets.download_xlsx(t("export_xlsx", lg), shown, report.title("ledger", lg),
                              "monitoring-ledger.xlsx", "monitoring_ledger", key="mon_ledger_xlsx")
    with tab_notices:
        ns = notices.listing(conn)
        if ns.empty:
            st.caption(t("mon.no_notices", lg))
        else:
            st.dataframe(ns.assign(kind=ns["kind"].map(lambda k: label("notice_kind", k, lg)))[
                ["id", "kind", "township_name", "village_name", "posted_on", "closes_on", "cases", "photos",
                 "objections", "objections_open"]].rename(columns=lambda c: t(f"mon.n_{c}", lg)),
                hide_index=True, width="stretch", key="mon_notices")
            pick = st.selectbox(t("mon.pick_notice", lg), ns["id"].tolist(), index=None, key="mon_notice_pick",
                                placeholder=t("choose", lg))
            if pick is not None:
                widgets.download(t("mon.notice_pdf", lg), notices.pdf(conn, pick), f"notice-{pick}.pdf",
                                 "application/pdf", "monitoring_notice", 1, key="mon_notice_pdf")
