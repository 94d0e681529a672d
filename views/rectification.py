"""整改清单 Rectification list: every failing water, road, housing and asset item with owner and due date."""
import streamlit as st

from geo.settings import settings
from layers import rectification, ui
from layers.i18n import t

lg = ui.lang()
st.header(t("page_rectification", lg))
with ui.connection() as conn:
    if ui.has_data(conn):
        rule_set = ui.rule_set_choice(conn, "rect_rule")
        ui.checks_notice(conn, rule_set)
        ui.refreshed_rectification(settings.url, ui.stamp(conn), rule_set)
        f = ui.scope(conn, "rect")
        kind = ui.keep(st.sidebar.selectbox, t("rect_kind", lg), [ui.ALL, *rectification.KINDS], "rect_kind", ui.ALL,
                       format_func=lambda k: t("all", lg) if k == ui.ALL else t(f"kind_{k}", lg))
        show_closed = ui.keep(st.sidebar.checkbox, t("show_closed", lg), None, "rect_closed", False)
        items = rectification.items(conn, f.township, f.village, kind or None, show_closed)
        c1, c2, c3 = st.columns(3)
        c1.metric(t("rect_open_n", lg), int(items["closed_on"].isna().sum()))
        c2.metric(t("rect_overdue", lg), int(items["overdue"].sum()))
        c3.metric(t("rect_closed_n", lg), int(items["closed_on"].notna().sum()))
        table = rectification.labelled(items, lg)
        st.dataframe(table, hide_index=True, width="stretch", key="rect_table")
        ui.download_xlsx(t("export_xlsx", lg), table, t("page_rectification", lg), "rectification.xlsx",
                         "rectification", key="rect_export")
