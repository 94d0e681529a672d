"""县水利局 Water bureau: emergency supply plan (scenario form, plan on the map, tables, Excel and printable map),
repair priority and new-source sites. Thin: every answer comes from waterplan/."""
import pandas as pd
import streamlit as st

from accounts.ui import plain
from board import mapframe, session, widgets
from geo.checks.rules import load_rules
from geo.i18n import label, t
from layers import basemaps
from waterplan import emergency, export, newsources, planmap, repair
from waterplan.scenario import Scenario, query

lg = session.lang()
st.header(t("plan.page_title", lg))


def heads(df):
    return df.rename(columns=lambda c: label("plan_column", c, lg))


def source_label(r) -> str:
    """A source in the picker: id and name, kind and status in words, capacity (each where known)."""
    parts = [f"{r.id} {r.name}" if pd.notna(r.name) else r.id, label("water_kind", r.kind, lg),
             label("water_status", r.status, lg),
             f"{r.capacity_m3_per_day:g} m³/d" if pd.notna(r.capacity_m3_per_day) else ""]
    return " · ".join(p for p in parts if p)


with session.connection() as conn:
    if widgets.has_data(conn):
        rule_set = widgets.rule_set_choice(conn, "wp_rule")
        maps = basemaps.available()
        basemap = st.sidebar.selectbox(t("basemap", lg), list(maps), format_func=lambda k: maps[k].label(lg),
                                       key="wp_base")
        tab_e, tab_r, tab_n = st.tabs([t("plan.tab_emergency", lg), t("plan.tab_repair", lg), t("plan.tab_new", lg)])
        with tab_e:
            srcs = query(conn, "source_options", {})
            shown = {r.id: source_label(r) for r in srcs.itertuples()}
            with st.form("wp_form"):
                failed = st.multiselect(t("plan.form_failed", lg), list(srcs.id), format_func=shown.get,
                                        key="wp_failed", placeholder=t("choose", lg))
                dry = st.checkbox(t("plan.form_dry", lg), key="wp_dry")
                c1, c2, c3, c4 = st.columns(4)
                litres = c1.number_input(t("plan.form_litres", lg), 1.0, 200.0,
                                         float(load_rules(conn, rule_set).emergency_litres_per_person_day), 5.0)
                truck = c2.number_input(t("plan.form_truck", lg), 0.5, 50.0, 5.0, 0.5)
                day = c3.number_input(t("plan.form_day", lg), 1.0, 24.0, 8.0, 0.5)
                factor = c4.number_input(t("plan.form_dry_factor", lg), 0.0, 1.0, 0.6, 0.05)
                go = st.form_submit_button(t("plan.form_go", lg), type="primary")
            if go:
                if not failed and not dry:
                    st.warning(t("plan.form_need", lg))
                else:
                    sets = {"litres_per_person_day": str(litres), "truck_m3": str(truck), "working_day_h": str(day),
                            "dry_capacity_factor": str(factor)}
                    with st.spinner("…"):
                        try:
                            plan = emergency.plan(conn, Scenario(list(failed), dry), rule_set, sets)
                        except (LookupError, ValueError) as err:
                            st.error(plain(err))
                            plan = None
                        finally:
                            conn.rollback()
                    if plan is not None:
                        st.session_state["wp_plan"] = plan
                        st.session_state["wp_out"] = query(conn, "failed_positions", {"ids": list(failed)})
            plan = st.session_state.get("wp_plan")
            if plan is not None:
                s = plan.summary
                st.caption(plain(f"{plan.scenario.describe()} · {s['rule_set']} · "
                                 f"{t('plan.computed_in', lg, s=s['seconds'])}"))
                cols = st.columns(6)
                for c, key in zip(cols, ("households", "people", "vulnerable_households", "delivery_points",
                                         "trucks", "unserved_households")):
                    c.metric(label("plan_summary", key, lg), s[key])
                st.caption(" · ".join(f"{label('plan_summary', key, lg)}: {s[key]}"
                                      for key in ("m3_per_day", "trips_per_day", "shortfall_m3_per_day")))
                m = planmap.build(plan, st.session_state.get("wp_out"), lg, basemap)
                mapframe.show(mapframe.payload(m), key="water_plan_map", height=560)
                d1, d2, d3 = st.columns(3)
                rows = len(plan.affected)
                widgets.download(t("plan.download_excel", lg), export.excel_bytes(plan),
                                 f"{t('plan.file_plan', lg)}.xlsx", widgets.XLSX, "emergency_plan", rows, "wp_excel", d1)
                widgets.download(t("plan.download_png", lg), export.map_bytes(plan, "png", lg, conn),
                                 f"{t('plan.file_map', lg)}.png", "image/png", "emergency_plan_map", rows, "wp_png", d2)
                widgets.download(t("plan.download_pdf", lg), export.map_bytes(plan, "pdf", lg, conn),
                                 f"{t('plan.file_map', lg)}.pdf", "application/pdf", "emergency_plan_map", rows,
                                 "wp_pdf", d3)
                st.subheader(t("plan.affected", lg))
                st.dataframe(heads(plan.affected.reindex(columns=["subject_id", "name", "people", "vulnerable",
                                                                  "vulnerable_kinds", "reason", "natural_village_id"])),
                             hide_index=True)
                st.subheader(t("plan.points", lg))
                st.dataframe(heads(plan.points.reindex(columns=["id", "source_id", "m3_per_day", "trips_per_day",
                                                                "route_km", "travel_min", "households", "people"])),
                             hide_index=True)
                st.subheader(t("plan.unserved", lg))
                st.dataframe(heads(plan.unserved.reindex(columns=["subject_id", "name", "people", "vulnerable",
                                                                  "why_zh" if lg == "zh" else "why"])),
                             hide_index=True)
                st.subheader(t("plan.sources_used", lg))
                st.dataframe(heads(plan.sources[plan.sources.load_m3_per_day > 0].reindex(
                    columns=["id", "name", "capacity_m3_per_day", "spare_m3_per_day", "load_m3_per_day"])),
                    hide_index=True)
        with tab_r:
            st.caption(t("plan.repair_note", lg))
            if st.button(t("plan.rank_go", lg), key="wp_repair_go"):
                st.session_state["wp_repair"] = repair.rank(conn, rule_set)
                conn.rollback()
            df = st.session_state.get("wp_repair")
            if df is not None:
                st.dataframe(heads(df), hide_index=True)
                widgets.download_csv(t("plan.download_csv", lg), df, "repair.csv", "repair_priority", "wp_repair_csv")
        with tab_n:
            st.caption(t("plan.new_note", lg))
            if st.button(t("plan.rank_go", lg), key="wp_new_go"):
                st.session_state["wp_new"] = newsources.rank(conn, rule_set, limit=200)
                conn.rollback()
            df = st.session_state.get("wp_new")
            if df is not None:
                st.dataframe(heads(df), hide_index=True)
                widgets.download_csv(t("plan.download_csv", lg), df, "new_sources.csv", "new_sources", "wp_new_csv")
