"""Review page (审核): inspections in my scope with their flags and photos; verify, review, confirm or return with a
reason; open rectification items, overdue checks per village, county spot checks."""
import streamlit as st

from inspections import forms, page, photos, records, schedule, spotcheck, validation, workflow
from layers.i18n import t as layers_t

L = {
    "title": ("巡查审核", "Review inspections"),
    "state": ("审核状态", "Review state"),
    "flagged": ("只看有提示的", "Flagged only"),
    "none": ("没有符合条件的记录", "Nothing matches"),
    "pick": ("选择记录", "Pick an inspection"),
    "answers": ("答案", "Answers"),
    "flags": ("提示（不阻止提交，请核实）", "Flags (never blocking: check them)"),
    "no_flags": ("无提示", "No flags"),
    "photos": ("照片", "Photos"),
    "history": ("审核记录（只增不改）", "Review log (append-only)"),
    "reason": ("理由（退回必填）", "Reason (required to return)"),
    "done": ("已更新为", "Moved to"),
    "rect": ("未销号整改项", "Open rectification items"),
    "overdue": ("各村到期与逾期", "Due and overdue per village"),
    "spot": ("县级抽查", "County spot check"),
    "seed": ("随机种子", "Seed"),
    "rate": ("每乡抽取比例", "Share per township"),
    "draw": ("抽取", "Draw"),
    "result": ("结论", "Result"),
    "pass": ("合格", "Pass"),
    "fail": ("不合格", "Fail"),
    "nothing_allowed": ("您在此状态下无可执行的操作", "No step is open to you in this state"),
}


lang, t, who, conn = page.start(L)
st.caption(page.signed_in_as(who, lang))

tab_list, tab_rect, tab_due, tab_spot = st.tabs([t("title"), t("rect"), t("overdue"), t("spot")])

with tab_list:
    states = st.multiselect(t("state"), list(workflow.STATES), default=["submitted", "village_verified",
                                                                        "township_reviewed"],
                            format_func=lambda s: workflow.state_label(s, lang),
                            placeholder=layers_t("choose", lang))
    flagged_only = st.checkbox(t("flagged"))
    df = records.listing(conn, who.scope_prefix, states or None, flagged_only)
    if df.empty:
        st.info(t("none"))
    else:
        view = df.assign(
            kind=df["kind"].map(lambda k: forms.load(k).title.split(" / ")[0 if lang == "zh" else -1]),
            review_state=df["review_state"].map(lambda s: workflow.state_label(s, lang)),
            result=df["result"].map(t),
            flags=df["flags"].map(lambda fs: "、".join(validation.label(f, lang) for f in fs)))
        heads = dict(zip(["kind", "target_kind", "target_id", "village_code", "result", "review_state", "inspector",
                          "submitted_at", "flags"],
                         ["检查类型", "对象类别", "对象", "村", "结论", "状态", "监测员", "提交时间", "提示"]
                         if lang == "zh" else
                         ["Check", "Target kind", "Target", "Village", "Result", "State", "Inspector", "Submitted",
                          "Flags"]))
        st.dataframe(view.drop(columns=["id"]).rename(columns=heads), hide_index=True, key="review_table")
        labels = {r.id: f"{r.target_id} · {r.kind} · {r.review_state} · {r.result}" + (f" · ⚠ {r.flags}" if r.flags else "")
                  for r in view.itertuples()}
        iid = st.selectbox(t("pick"), list(labels), index=None, format_func=labels.get, key="review_pick",
                           placeholder=layers_t("choose", lang))
        if iid is not None:
            with conn.cursor() as cur:
                rec = records.get(cur, iid)
            conn.rollback()
            form = forms.load(rec["kind"])
            st.subheader(f"{form.title} · {rec['target_id']} · {workflow.state_label(rec['review_state'], lang)}")
            st.caption(f"{rec['inspector']} · {rec['submitted_at']} · {rec['lat']:.6f}, {rec['lon']:.6f} "
                       f"±{rec['accuracy_m'] if rec['accuracy_m'] is not None else '?'} m")
            st.markdown(f"**{t('answers')}** · {t('result')}: {t(rec['result'])}")
            for q in form.questions:  # in the form's order
                if q.name not in rec["answers"]:
                    continue
                value = rec["answers"][q.name]
                if q.list_name:
                    vals = value if isinstance(value, list) else [value]
                    value = "、".join(form.choice_label(q.list_name, v, lang) for v in vals)
                st.write(f"- {q.label(lang)}: {value}")
            st.markdown(f"**{t('flags')}**")
            if rec["flags"]:
                for f in rec["flags"]:
                    st.warning(validation.describe(f["code"], f["detail"], lang))
            else:
                st.caption(t("no_flags"))
            if rec["photos"]:
                st.markdown(f"**{t('photos')}**")
                cols = st.columns(min(3, len(rec["photos"])))
                for i, p in enumerate(rec["photos"]):
                    data = photos.load(p["sha256"])
                    if data:
                        cols[i % len(cols)].image(photos.display_jpeg(data),
                                                  caption=f"{p['time_local'] or '—'} · {p['make'] or ''} {p['model'] or ''}")
            st.markdown(f"**{t('history')}**")
            st.table([{"时间 / at": h["at"][:19], "人 / who": f"{h['actor']} ({h['role']})",
                       "从 / from": workflow.state_label(h["from"], lang) if h["from"] else "",
                       "到 / to": workflow.state_label(h["to"], lang), "理由 / why": h["reason"] or ""}
                      for h in rec["history"]])
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
                            st.error(str(err))
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
            sid, drawn = spotcheck.draw(conn, int(seed), float(rate), who.scope_prefix, drawn_by=who.id)
            st.session_state["spot_sample"] = sid
        if st.session_state.get("spot_sample"):
            st.dataframe(spotcheck.results(conn, st.session_state["spot_sample"]), hide_index=True)
            conn.rollback()
    else:
        st.caption(t("nothing_allowed"))
conn.close()
