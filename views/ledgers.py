"""台账 Ledgers: each layer as a filterable table, exported to Excel with the county office's Chinese headers."""
import streamlit as st

from board import ledgers, session, widgets
from geo.i18n import t

lg = session.lang()
st.header(t("page_ledgers", lg))
with session.connection() as conn:
    if widgets.has_data(conn):
        layer = widgets.keep(st.sidebar.selectbox, t("ledger_layer", lg), list(ledgers.LEDGERS), "led_layer",
                             "households", format_func=lambda k: ledgers.title(k, lg))
        f = widgets.scope(conn, "led", category=layer == "households")
        raw = ledgers.query_ledger(conn, layer, f.township, f.village, f.category)
        df = ledgers.labelled(layer, widgets.masked(raw), lg)   # masked before its columns get their labels
        st.subheader(f"{ledgers.title(layer, lg)} · {len(df):,} {t('rows', lg)}")
        st.dataframe(df, hide_index=True, width="stretch", key="led_table")
        widgets.download_xlsx(t("export_xlsx", lg), df, ledgers.title(layer, lg), f"{layer}.xlsx", layer,
                              key="led_export")
