"""总览 Overview, read by a county leader in thirty seconds: the place named, the key indicators as cards against
their targets, per township (bars) and month by month (lines, from the cases' history); below, every indicator
beside its target and source rule, per township and village (a township drills down)."""
import streamlit as st

from accounts.ui import plain
from board import indicators, session, widgets
from geo.i18n import t
from geo.settings import settings
from monitoring import widgets as monitoring

lg = session.lang()
st.header(t("page_overview", lg))
with session.connection() as conn:
    if widgets.has_data(conn):
        rule_set = widgets.rule_set_choice(conn, "ov_rule")
        run = widgets.checks_notice(conn, rule_set)
        vil = session.overview_villages(settings.url, session.stamp(conn), rule_set, session.who())
        figures = monitoring.overview_figures(settings.url, session.stamp(conn), session.who())
        st.subheader(t("ov.place", lg, place=indicators.place(conn, session.user().scope_code),
                       day=figures["today"]))
        monitoring.overview_cards(vil, figures, run, lg)
        monitoring.overview_charts(vil, figures, lg)
        st.subheader(t("county_total", lg))
        table = indicators.county(vil, conn, rule_set, lg)
        st.dataframe(table.drop(columns=["key"]), hide_index=True, width="stretch", key="ov_county")
        try:
            st.metric(t("ind_inspections_overdue", lg), indicators.inspections_overdue(conn))
        except ModuleNotFoundError:
            st.caption(t("inspections_missing", lg))

        st.subheader(t("per_township", lg))
        tw = indicators.townships(vil)
        shown = indicators.labelled_table(tw, lg, "township")
        event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="ov_townships")
        st.caption(t("drill_hint", lg))
        rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
        names = dict(zip(tw["code"], tw["name"]))
        if rows and rows != st.session_state.get("ov_rows"):   # a click on a township's row drills down to it
            st.session_state["ov_drill"] = tw["code"].iloc[rows[0]]
        st.session_state["ov_rows"] = rows
        township = widgets.keep(st.selectbox, t("township", lg), [widgets.ALL] + tw["code"].tolist(), "ov_drill",
                                widgets.ALL,
                                format_func=lambda c: t("all", lg) if c == widgets.ALL else names.get(c, c)) or None
        scope = vil if township is None else vil[vil["township_code"] == township]
        st.subheader(t("per_village", lg) + ("" if township is None else f"：{plain(names.get(township, township))}"))
        villages = indicators.labelled_table(scope, lg, "village")
        st.dataframe(villages, hide_index=True, width="stretch", key="ov_villages")
        widgets.download_xlsx(t("export_xlsx", lg), villages, t("per_village", lg), "overview_villages.xlsx",
                         "overview_villages", key="ov_export")
        c1, c2 = st.columns(2)
        cat, risk = indicators.breakdown(conn, township, lg)
        c1.markdown(f"**{t('ind_monitored', lg)} · {t('by_category', lg)}**")
        c1.dataframe(cat, hide_index=True, width="stretch", key="ov_cat")
        c2.markdown(f"**{t('ind_monitored', lg)} · {t('by_risk', lg)}**")
        c2.dataframe(risk, hide_index=True, width="stretch", key="ov_risk")
