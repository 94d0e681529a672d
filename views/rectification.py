"""整改清单 Rectification list: every failing water, road, housing and asset item with owner and due date."""
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
        show_closed = widgets.keep(st.sidebar.checkbox, t("show_closed", lg), None, "rect_closed", False)
        items = rectification.items(conn, f.township, f.village, kind or None, show_closed)
        c1, c2, c3 = st.columns(3)
        c1.metric(t("rect_open_n", lg), int(items["closed_on"].isna().sum()))
        c2.metric(t("rect_overdue", lg), int(items["overdue"].sum()))
        c3.metric(t("rect_closed_n", lg), int(items["closed_on"].notna().sum()))
        table = rectification.labelled(items, lg)
        st.dataframe(table, hide_index=True, width="stretch", key="rect_table")
        widgets.download_xlsx(t("export_xlsx", lg), table, t("page_rectification", lg), "rectification.xlsx",
                         "rectification", key="rect_export")
