"""三保障与部门比对 The guarantees per person and the departments' lists: counts per village and township with a chart,
a ledger per guarantee with Excel, a household's members (ID numbers masked by role) with what each fails, and the
upload of a department's monthly list with its unmatched numbers."""
import tempfile
from pathlib import Path

import streamlit as st

from accounts import masking
from board import session, widgets
from departments import ledger, lists
from geo.checks import guarantees
from geo.i18n import label, t
from geo.settings import settings

lg = session.lang()
st.header(t("page_guarantees", lg))
planner = session.user().role in ("admin", "county_planner")
with session.connection() as conn:
    rule_set = ledger.default_label(conn)
    rollup = guarantees.rollup(conn, rule_set)
    tab_sum, tab_ledger, tab_hh, tab_lists = st.tabs([t("guar.tab_rollup", lg), t("guar.tab_ledger", lg),
                                                      t("guar.tab_household", lg), t("guar.tab_lists", lg)])
    with tab_sum:
        if planner and st.button(t("guar.run", lg), key="guar_run"):
            with guarantees.db.transaction(settings.url) as owner:   # stored results are the owner's to write
                run = guarantees.check_guarantees(owner, guarantees.load_guarantees(owner))
            st.success(t("guar.ran", lg, n=len(run.rows)))
            rollup = guarantees.rollup(conn, rule_set)
        if rollup.empty or not rollup[["out_of_school", "uninsured"]].sum().sum() and not len(
                guarantees.results(conn, rule_set)):
            st.info(t("guar.not_run", lg))
        shown = ledger.labelled_rollup(rollup, lg)
        left, right = st.columns([3, 2])
        left.dataframe(shown, hide_index=True, width="stretch", key="guar_rollup")
        towns = rollup[rollup.level == "township"].set_index("name")[list(guarantees.RULES)]
        right.caption(t("guar.townships", lg))
        right.bar_chart(towns.rename(columns=lambda c: label("guarantee", c, lg)), horizontal=True, stack=True)
        widgets.download_xlsx(t("export_xlsx", lg), shown, t("page_guarantees", lg), "guarantees.xlsx",
                              "guarantee_rollup", key="guar_rollup_xlsx", where=left)
    with tab_ledger:
        rule = st.selectbox(t("guar.rule", lg), guarantees.RULES, key="guar_rule",
                            format_func=lambda r: label("guarantee", r, lg))
        led = ledger.ledger(conn, rule_set, rule, lg)
        st.caption(t("guar.count", lg, n=len(led)))
        st.dataframe(led, hide_index=True, width="stretch", key="guar_ledger")
        widgets.download_xlsx(t("export_xlsx", lg), led, label("guarantee", rule, lg), f"guarantee-{rule}.xlsx",
                              "guarantee_results", key="guar_ledger_xlsx")
    with tab_hh:
        hid = st.text_input(t("guar.household", lg), key="guar_household").strip()
        if hid:
            mem = ledger.household_members(conn, hid, rule_set, lg)
            if mem.empty:
                st.info(t("guar.no_members", lg))
            else:
                st.dataframe(mem, hide_index=True, width="stretch", key="guar_members")
    with tab_lists:
        if planner:
            c1, c2 = st.columns(2)
            kind = c1.selectbox(t("guar.kind", lg), list(lists.KINDS), key="guar_kind",
                                format_func=lambda k: label("dept_kind", k, lg))
            period = c2.text_input(t("guar.period", lg), key="guar_period")
            up = st.file_uploader(t("guar.upload", lg), type=["csv", "xlsx"], key="guar_upload")
            if up is not None and st.button(t("guar.import", lg), key="guar_import"):
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / ("list" + Path(up.name).suffix.lower())
                    path.write_bytes(up.getvalue())
                    try:
                        rep = lists.import_list(kind, path, period.strip(), name=up.name)
                        st.success(t("guar.imported", lg, rows=rep.rows, matched=rep.matched,
                                     unmatched=len(rep.unmatched), signals=rep.signals))
                    except lists.ListProblems as err:
                        st.error(t("guar.refused", lg) + "\n\n" + "\n\n".join(err.lines[:20]))
        else:
            st.caption(t("guar.lists_only_planners", lg))
        st.subheader(t("guar.unmatched", lg))
        st.dataframe(ledger.unmatched(conn, lg, not masking.needs_masking(session.user().role)), hide_index=True, width="stretch", key="guar_unmatched")
