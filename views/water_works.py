"""县水利局 Water works: the operating records (managers and trainings, fees, samples, complaints) — listed in scope,
imported from files, a complaint's answer and return visit recorded, exported to Excel — and the rule set's works
rules with their sources. Thin: every answer comes from waterplan/works.py and the ledger."""
from pathlib import Path

import streamlit as st

from board import rectification, session, widgets
from geo.checks.rules import load_rules
from geo.i18n import label, t
from geo.settings import settings
from waterplan import works

lg = session.lang()
st.header(t("page_water_works", lg))
with session.connection() as conn:
    rules = load_rules(conn)
    st.subheader(t("works.rules", lg))
    st.dataframe([{t("works.rule", lg): label("works_rule", k, lg),
                   t("works.value", lg): str(rules.settings.get(k, ""))} for k in ("works_managers", "works_training_county", "works_training_township",
                                       "works_disinfection_people", "works_fee_rate", "works_complaints",
                                       "works_samples")], hide_index=True, width="stretch", key="works_rules")
    kind = widgets.keep(st.selectbox, t("works.kind", lg), list(works.KINDS), "works_kind", "complaints",
                        format_func=lambda k: t(f"works.{k}", lg))
    records = works.read(conn, kind)
    table = works.labelled(kind, records, lg)
    st.dataframe(table, hide_index=True, width="stretch", key="works_table")
    widgets.download_xlsx(t("export_xlsx", lg), table, t(f"works.{kind}", lg), f"works_{kind}.xlsx",
                          f"works_{kind}", key="works_export")
    session.refreshed_rectification(settings.url, session.stamp(conn), None)
    failing = rectification.items(conn, kind="works")
    st.metric(t("works.open_items", lg), len(failing))

    with st.expander(t("works.import", lg)):
        up = st.file_uploader(t("works.import_file", lg), type=["csv", "xlsx"], key="works_upload")
        if up is not None and st.button(t("works.import_button", lg), key="works_import_go"):
            try:
                n = works.import_frame(conn, kind, works.read_file(Path(up.name), up.getvalue()), up.name)
                st.success(t("works.imported", lg, n=n))
            except works.WorksImportError as e:
                st.error("\n".join(e.problems[:50]))
    if kind == "complaints" and not records.empty:
        open_ = records[records.return_visit_on.isna()]
        with st.expander(t("works.answer", lg)), st.form("works_answer"):
            cid = st.selectbox(t("works.complaint", lg), open_["id"].tolist(), key="works_cid")
            answered = st.date_input(t("works.answered_on", lg), value=None, key="works_answered")
            visited = st.date_input(t("works.return_visit_on", lg), value=None, key="works_visited")
            if st.form_submit_button(t("works.save", lg)) and cid is not None:
                try:
                    ok = works.record_answer(conn, int(cid), answered, visited)
                    (st.success if ok else st.error)(t("works.saved" if ok else "works.not_saved", lg))
                except works.WorksImportError as e:
                    st.error("\n".join(e.problems))
