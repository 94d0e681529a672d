"""台账 Ledgers: each layer as a filterable table, exported to Excel with the county office's Chinese headers."""
import streamlit as st

from layers import ledgers, ui
from layers.i18n import t

lg = ui.lang()
st.header(t("page_ledgers", lg))
with ui.connection() as conn:
    if ui.has_data(conn):
        layer = ui.keep(st.sidebar.selectbox, t("ledger_layer", lg), list(ledgers.LEDGERS), "led_layer",
                        "households", format_func=lambda k: ledgers.title(k, lg))
        f = ui.scope(conn, "led", category=layer == "households")
        raw = ledgers.query_ledger(conn, layer, f.township, f.village, f.category)
        df = ledgers.labelled(layer, ui.masked(raw), lg)   # masked before its columns get their labels
        st.subheader(f"{ledgers.title(layer, lg)} · {len(df):,} {t('rows', lg)}")
        st.dataframe(df, hide_index=True, width="stretch", key="led_table")
        ui.download_xlsx(t("export_xlsx", lg), df, ledgers.title(layer, lg), f"{layer}.xlsx", layer, key="led_export")
