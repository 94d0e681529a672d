"""Phone capture page (巡查录入): due checks nearest first, the form prefilled, photos, submit (retry-safe)."""
import uuid
from datetime import datetime, timedelta, timezone

import streamlit as st

from accounts.ui import plain
from geo import i18n
from geo.settings import settings
from inspections import forms, geolocate, page, records, schedule, validation

TASKS_SHOWN = 15  # a phone screen's worth; the rest by id below or from the map

lang, t, who, conn = page.start("capture")
st.caption(plain(f"{t('hello')}, {page.signed_in_as(who, lang)}"))

st.subheader(t("where"))
pos = geolocate.position(lang=lang)
fix = pos if pos and "lat" in pos else None
if fix:
    st.caption(f"{fix['lat']:.6f}, {fix['lon']:.6f} · ±{fix['accuracy_m']:.0f} m")
else:
    st.info(t("no_fix"))

# the target: from the due list, from a map link (?target_kind=…&target_id=…), or typed
st.subheader(t("due"))
tasks = schedule.tasks(conn, who, fix["lon"] if fix else None, fix["lat"] if fix else None).head(TASKS_SHOWN)
conn.rollback()
qp = st.query_params
choice = None
if tasks.empty:
    st.caption(t("none_due"))
else:
    def describe(i):
        r = tasks.iloc[i]
        form = forms.load(r["kind"])
        parts = [f"{r['label']} · {page.form_title(form, lang)}"]
        if r["distance_m"] is not None and r["distance_m"] == r["distance_m"]:
            d = r["distance_m"]
            parts.append(f"{t('distance')} " + (f"{d:.0f} m" if d < 1000 else f"{d / 1000:.1f} km"))
        if r["overdue"]:
            parts.append(f"{t('overdue')} {r['days_overdue']} {t('days')}")
        return plain(" · ".join(parts))   # radio options are markdown; a name from a file is text
    idx = st.radio(t("pick"), list(range(len(tasks))), format_func=describe, index=None, key="task_pick")
    if idx is not None:
        choice = (tasks.iloc[idx]["kind"], tasks.iloc[idx]["target_kind"], tasks.iloc[idx]["target_id"])

with st.expander(t("or_id"), expanded=choice is None and "target_id" in qp):
    kind_typed = st.selectbox(t("kind"), forms.kinds(),
                              format_func=lambda k: page.form_title(forms.load(k), lang),
                              index=forms.kinds().index(qp["kind"]) if qp.get("kind") in forms.kinds() else 0)
    tid_typed = st.text_input(t("target_id"), value=qp.get("target_id", ""))
    if tid_typed and choice is None:
        choice = (kind_typed, forms.load(kind_typed).target_kind, tid_typed)
if choice is None:
    conn.close()
    st.stop()

kind, target_kind, target_id = choice
form = forms.load(kind)
# one UUID and start time per visit: a retry after a dropped connection sends the same UUID
visit_key = f"visit:{kind}:{target_id}"
if st.session_state.get("visit_key") != visit_key:
    st.session_state.update(visit_key=visit_key, visit_id=str(uuid.uuid4()),
                            visit_started=datetime.now(timezone.utc))
with conn.cursor() as cur:
    record = records.target_record(cur, target_kind, target_id)
conn.rollback()
defaults = forms.prefill(form, record)
st.subheader(plain(page.form_title(form, lang)))

answers: dict = {}
for q in form.answerable:
    if q.relevant and not forms.evaluate(q.relevant, answers):
        continue
    label = q.label(lang) + (" *" if q.required else "")
    key = f"{visit_key}:{q.name}"
    default = defaults.get(q.name)
    if q.type == "select_one":
        codes = [c for c, _, _ in form.choices[q.list_name]]
        answers[q.name] = st.radio(label, codes, format_func=lambda c, ln=q.list_name: form.choice_label(ln, c, lang),
                                   index=codes.index(default) if default in codes else None, horizontal=True, key=key)
    elif q.type == "select_multiple":
        codes = [c for c, _, _ in form.choices[q.list_name]]
        answers[q.name] = st.multiselect(label, codes, default=[c for c in (default or []) if c in codes],
                                         format_func=lambda c, ln=q.list_name: form.choice_label(ln, c, lang), key=key,
                                         placeholder=i18n.t("choose", lang))
    elif q.type == "integer":
        answers[q.name] = st.number_input(label, value=default, step=1, format="%d", key=key)
    elif q.type == "decimal":
        answers[q.name] = st.number_input(label, value=default, key=key)
    elif q.type == "date":
        d = st.date_input(label, value=None, key=key)
        answers[q.name] = d.isoformat() if d else None
    else:
        answers[q.name] = st.text_area(label, value=default or "", key=key)
answers = {k: v for k, v in answers.items() if v not in (None, "", [])}

uploads = st.file_uploader(t("photos"), type=["jpg", "jpeg", "heic", "heif"], accept_multiple_files=True,
                           key=f"{visit_key}:photos", max_upload_size=max(1, settings.upload_max_bytes // 2**20))
shot = st.camera_input(t("camera"), key=f"{visit_key}:camera")
files = [(u.name, u.getvalue()) for u in (uploads or [])] + ([(shot.name, shot.getvalue())] if shot else [])

if st.button(t("submit"), type="primary", disabled=fix is None, help=None if fix else t("need_pos")):
    offset = int((fix or {}).get("utc_offset_min", 480))
    tz = timezone(timedelta(minutes=offset))
    submission = {
        "id": st.session_state["visit_id"], "kind": kind, "target_id": target_id,
        "started_at": st.session_state["visit_started"].astimezone(tz).isoformat(),
        "submitted_at": datetime.now(tz).isoformat(), "utc_offset_min": offset,
        "location": {"lon": fix["lon"], "lat": fix["lat"], "accuracy_m": fix.get("accuracy_m")},
        "answers": answers,
    }
    try:
        size = sum(len(data) for _, data in files)
        if size > settings.upload_max_bytes:   # the field API's limit, for the whole submission
            raise records.BadInput([("photos", f"{size / 2**20:.1f} MB in all, more than "
                                               f"{settings.upload_max_bytes / 2**20:.0f} MB")], 413)
        res = records.submit(conn, who, submission, files)
    except records.BadInput as err:
        st.error(t("fix"))
        for field, message in err.problems:  # name the question as the form shows it
            q = next((q for q in form.questions if f"answers.{q.name}" == field), None)
            st.write(f"- **{plain(q.label(lang) if q else field)}**: {plain(message)}")
    else:
        st.session_state["last_result"] = res

res = st.session_state.get("last_result")
if res is not None and res.id == st.session_state.get("visit_id"):
    st.success(f"{t('saved') if res.created else t('again')} · {res.id}")
    st.write(f"{t('result')}: {t(res.result)}")
    if res.flags:
        st.warning(t("flags"))
        for f in res.flags:
            st.write(f"- {validation.label(f['code'], lang)}")
    else:
        st.caption(t("no_flags"))
    if st.button(t("new")):
        st.session_state.pop("visit_key", None)
        st.session_state.pop("last_result", None)
        st.rerun()
conn.close()
