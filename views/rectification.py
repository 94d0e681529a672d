"""整改清单 Rectification list, one ledger: every finding of checks, records, inspections and tours, with its owner,
deadline and state; findings entered here by hand and closed (销号) with evidence and a reviewer."""
from datetime import date, timedelta

import streamlit as st

from board import rectification, session, widgets
from geo.i18n import label, t
from geo.settings import settings

lg = session.lang()
st.header(t("page_rectification", lg))
with session.connection() as conn:
    if widgets.has_data(conn):
        rule_set = widgets.rule_set_choice(conn, "rect_rule")
        widgets.checks_notice(conn, rule_set)
        session.refreshed_rectification(settings.url, session.stamp(conn), rule_set)
        f = widgets.scope(conn, "rect")
        kind = widgets.keep(st.sidebar.selectbox, t("rect_kind", lg), [widgets.ALL, *rectification.KINDS],
                            "rect_kind", widgets.ALL,
                            format_func=lambda k: t("all", lg) if k == widgets.ALL
                            else label("rectification_kind", k, lg))
        source = widgets.keep(st.sidebar.selectbox, t("ledger.source", lg), [widgets.ALL, *rectification.SOURCES],
                              "rect_source", widgets.ALL,
                              format_func=lambda k: t("all", lg) if k == widgets.ALL
                              else label("rectification_source", k, lg))
        overdue_only = widgets.keep(st.sidebar.checkbox, t("ledger.overdue_only", lg), None, "rect_overdue", False)
        show_closed = widgets.keep(st.sidebar.checkbox, t("show_closed", lg), None, "rect_closed", False)
        items = rectification.items(conn, f.township, f.village, kind or None, show_closed, source or None,
                                    overdue_only)
        c1, c2, c3 = st.columns(3)
        c1.metric(t("rect_open_n", lg), int(items["closed_on"].isna().sum()))
        c2.metric(t("rect_overdue", lg), int(items["overdue"].sum()))
        c3.metric(t("rect_closed_n", lg), int(items["closed_on"].notna().sum()))
        table = rectification.labelled(items, lg)
        st.dataframe(table, hide_index=True, width="stretch", key="rect_table")
        widgets.download_xlsx(t("export_xlsx", lg), table, t("page_rectification", lg), "rectification.xlsx",
                              "rectification", key="rect_export")

        with st.expander(t("ledger.enter", lg)), st.form("ledger_enter"):
            src = st.selectbox(t("ledger.source", lg), rectification.FINDING_SOURCES, key="ledger_src",
                               format_func=lambda k: label("rectification_source", k, lg))
            category = st.text_input(t("ledger.category", lg), key="ledger_category")
            owner = st.text_input(t("ledger.owner", lg), key="ledger_owner")
            village = st.text_input(t("ledger.village", lg), value=f.village or "", key="ledger_village")
            due = st.date_input(t("ledger.due", lg), value=date.today() + timedelta(days=30), key="ledger_due")
            detail = st.text_area(t("ledger.detail", lg), key="ledger_detail")
            if st.form_submit_button(t("ledger.enter_button", lg)):
                try:
                    number = rectification.enter(conn, src, category, owner, due, village or None, detail)
                    st.success(t("ledger.entered", lg, number=number))
                except rectification.LedgerError as e:
                    st.error(f"{t('ledger.' + e.field, lg)}: {t(e.key, lg)}")

        open_findings = rectification.items(conn, kind="finding")
        with st.expander(t("ledger.close", lg)):
            if open_findings.empty:
                st.caption(t("ledger.none_open", lg))
            else:
                with st.form("ledger_close"):
                    names = dict(zip(open_findings["subject_id"], open_findings["category"]))
                    number = st.selectbox(t("ledger.close_item", lg), list(names), key="ledger_close_item",
                                          format_func=lambda n: f"{n} {names[n] or ''}")
                    evidence = st.text_input(t("ledger.evidence", lg), key="ledger_evidence")
                    if st.form_submit_button(t("ledger.close_button", lg)):
                        reviewer = session.user().display_name or session.user().login
                        try:
                            done = rectification.close(conn, number, evidence, reviewer)
                            (st.success if done else st.error)(
                                t("ledger.closed", lg, number=number) if done else t("ledger.not_closed", lg))
                        except rectification.LedgerError as e:
                            st.error(f"{t('ledger.' + e.field, lg)}: {t(e.key, lg)}")
