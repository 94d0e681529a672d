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
            # a printed map is an export too: one page, recorded when fetched
            widgets.download(t("print_png", lg), png, f"{f.township}.png", "image/png", "wall_map", 1, "print_png", c1)
            if c2.button(t("print_pdf", lg), key="print_make_pdf"):
                pdf = wallmap.township_map(conn, f.township, lg, "pdf", rule_set)
                widgets.download(t("print_pdf", lg), pdf, f"{f.township}.pdf", "application/pdf", "wall_map", 1,
                                 "print_pdf", c2)
