"""Review page (审核): inspections in my scope with their flags and photos; verify, review, confirm or return with a
reason; open rectification items, overdue checks per village, county spot checks. What inspectors typed (answers,
reasons, ids, names, a camera's make) is shown as text: markdown and HTML in it are inert (accounts.ui.plain)."""
import streamlit as st

from accounts.ui import plain
from geo import i18n
from inspections import forms, page, photos, records, schedule, spotcheck, validation, workflow

lang, t, who, conn = page.start("review")
st.caption(plain(page.signed_in_as(who, lang)))

tab_list, tab_rect, tab_due, tab_spot = st.tabs([t("title"), t("rect"), t("overdue"), t("spot")])

with tab_list:
    states = st.multiselect(t("state"), list(workflow.STATES), default=["submitted", "village_verified",
                                                                        "township_reviewed"],
                            format_func=lambda s: workflow.state_label(s, lang),
                            placeholder=i18n.t("choose", lang))
    flagged_only = st.checkbox(t("flagged"))
    df = records.listing(conn, who.scope_prefix, states or None, flagged_only)
    if df.empty:
        st.info(t("none"))
    else:
        view = df.assign(
            kind=df["kind"].map(lambda k: page.form_title(forms.load(k), lang)),
            target_kind=df["target_kind"].map(lambda k: i18n.label("target_kind", k, lang)),
            review_state=df["review_state"].map(lambda s: workflow.state_label(s, lang)),
            result=df["result"].map(lambda r: i18n.label("inspection_result", r, lang)),
            flags=df["flags"].map(lambda fs: "、".join(validation.label(f, lang) for f in fs)))
        st.dataframe(view.drop(columns=["id"]).rename(columns=lambda c: i18n.label("review_column", c, lang)),
                     hide_index=True, key="review_table")
        labels = {r.id: f"{r.target_id} · {r.kind} · {r.review_state} · {r.result}"
                  + (f" · ⚠ {r.flags}" if r.flags else "") for r in view.itertuples()}
        iid = st.selectbox(t("pick"), list(labels), index=None, format_func=labels.get, key="review_pick",
                           placeholder=i18n.t("choose", lang))
        if iid is not None:
            with conn.cursor() as cur:
                rec = records.get(cur, iid)
            conn.rollback()
            form = forms.load(rec["kind"])
            st.subheader(plain(f"{page.form_title(form, lang)} · {rec['target_id']} · "
                               f"{workflow.state_label(rec['review_state'], lang)}"))
            st.caption(plain(f"{rec['inspector']} · {rec['submitted_at']} · {rec['lat']:.6f}, {rec['lon']:.6f} "
                             f"±{rec['accuracy_m'] if rec['accuracy_m'] is not None else '?'} m"))
            st.markdown(f"**{t('answers')}** · {i18n.t('result', lang)}: "
                        f"{i18n.label('inspection_result', rec['result'], lang)}")
            for q in form.questions:  # in the form's order
                if q.name not in rec["answers"]:
                    continue
                value = rec["answers"][q.name]
                if q.list_name:
                    vals = value if isinstance(value, list) else [value]
                    value = "、".join(form.choice_label(q.list_name, v, lang) for v in vals)
                st.markdown(f"- {plain(q.label(lang))}: {plain(value)}")
            st.markdown(f"**{t('flags')}**")
            if rec["flags"]:
                for f in rec["flags"]:
                    st.warning(plain(validation.describe(f["code"], f["detail"], lang)))
            else:
                st.caption(t("no_flags"))
            if rec["photos"]:
                st.markdown(f"**{t('photos')}**")
                cols = st.columns(min(3, len(rec["photos"])))
                for i, p in enumerate(rec["photos"]):
                    data = photos.load(p["sha256"])
                    if data:
                        cols[i % len(cols)].image(photos.display_jpeg(data))
                        cols[i % len(cols)].caption(plain(f"{p['time_local'] or '—'} · {p['make'] or ''} "
                                                          f"{p['model'] or ''}"))
            st.markdown(f"**{t('history')}**")
            log = [{"at": h["at"][:19], "who": plain(f"{h['actor']} ({h['role']})"),
                    "from": workflow.state_label(h["from"], lang) if h["from"] else "",
                    "to": workflow.state_label(h["to"], lang), "why": plain(h["reason"] or "")} for h in rec["history"]]
            st.table([{i18n.label("review_column", k, lang): v for k, v in row.items()} for row in log])
            options = workflow.allowed(rec["review_state"], who, rec["inspector_id"] == who.id)
            if options:
                reason = st.text_input(t("reason"), key=f"reason:{iid}")
                cols = st.columns(len(options))
                for col, to in zip(cols, options):
                    if col.button(workflow.action_label(to, lang), key=f"go:{iid}:{to}",
                                  type="secondary" if to == "returned" else "primary"):
                        try:
                            workflow.transition(conn, iid, who, to, reason)
                        except workflow.WorkflowError as err:
                            st.error(plain(err))
                        else:
                            st.success(f"{t('done')} {workflow.state_label(to, lang)}")
                            st.rerun()
            else:
                st.caption(t("nothing_allowed"))

with tab_rect:
    with conn.cursor() as cur:
        items = workflow.open_rectifications(cur, who.scope_prefix)
    conn.rollback()
    st.dataframe(items, hide_index=True) if items else st.info(t("none"))

with tab_due:
    st.dataframe(schedule.by_village(conn, prefix=who.scope_prefix), hide_index=True)
    conn.rollback()

with tab_spot:
    if who.role in ("county", "admin"):
        c1, c2 = st.columns(2)
        seed = c1.number_input(t("seed"), value=2026, step=1)
        rate = c2.slider(t("rate"), 0.01, 1.0, 0.1)
        if st.button(t("draw")):
            sid, _ = spotcheck.draw(conn, int(seed), float(rate), who.scope_prefix, drawn_by=who.id)
            st.session_state["spot_sample"] = sid
        if st.session_state.get("spot_sample"):
            st.dataframe(spotcheck.results(conn, st.session_state["spot_sample"]), hide_index=True)
            conn.rollback()
    else:
        st.caption(t("nothing_allowed"))
conn.close()
