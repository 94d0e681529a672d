"""挂图 Wall map: a township's A3 map (PNG or PDF) with title, legend, scale bar, north arrow, date and source."""
import streamlit as st

from board import session, wallmap, widgets
from geo.i18n import t

lg = session.lang()
st.header(t("page_print", lg))
with session.connection() as conn:
    if widgets.has_data(conn):
        rule_set = widgets.rule_set_choice(conn, "print_rule")
        f = widgets.scope(conn, "print", village=False)
        if f.township is None:
            st.info(t("print_township", lg))
        else:
            png = wallmap.township_map(conn, f.township, lg, "png", rule_set, dpi=110)
            st.image(png, width="stretch")
            c1, c2 = st.columns(2)
            c1.download_button(t("print_png", lg), png, file_name=f"{f.township}.png", mime="image/png",
                               key="print_png")
            if c2.button(t("print_pdf", lg), key="print_make_pdf"):
                pdf = wallmap.township_map(conn, f.township, lg, "pdf", rule_set)
                c2.download_button(t("print_pdf", lg), pdf, file_name=f"{f.township}.pdf",
                                   mime="application/pdf", key="print_pdf")
