// The form screen: a target's check opened as a draft saved at every change (IndexedDB, and the answers mirrored to
// localStorage), its questions shown as the form's relevant rules say, photos taken and kept, the answers checked as
// the server will, and the inspection put in the outbox under a UUID made here.
import { ask, h, $, toast } from "./dom.js";
import * as F from "./form.js";
import * as geo from "./geo.js";
import { half, lang, t } from "./i18n.js";
import { prepare } from "./photo.js";
import { S, choiceLabel, formTitle, gpsLine, keyOf, label, mine, reloadItems, uuid } from "./state.js";
import * as store from "./store.js";

let app = null;
/** The app's moves this screen calls: {go(view), renderChrome(), renderMain(), whenOnline(reason)}. */
export const wire = (moves) => { app = moves; };

export async function open(kind, target) {
  const existing = S.items.find((i) => mine(i) && i.kind === kind && i.target_id === target.target_id
                                       && i.target_kind === target.target_kind && ["draft", "failed"].includes(i.status));
  if (existing) return edit(existing);
  const now = Date.now();
  const item = { id: uuid(), login: S.auth.user.login, status: "draft", kind, target_kind: target.target_kind,
                 target_id: target.target_id, target_label: target.label, started_at: geo.localIso(now),
                 answers: { ...(target.prefill[kind] || {}) }, photos: [], created: now };
  await store.putItem(item);  // saved before the first answer: a visit is never lost
  await reloadItems();
  edit(item);
}

export function edit(item) {
  S.editing = item;
  S.showErrors = false;
  S.view = "form";
  app.renderChrome();
  app.renderMain();
  window.scrollTo(0, 0);
}

const MESSAGES = { required: "required", "expected a whole number": ["请输入整数", "a whole number"],
                   "expected a number": ["请输入数字", "a number"] };
function message(msg) {
  const m = MESSAGES[msg];
  if (m === "required") return t("required");
  if (m) return m[lang() === "en" ? 1 : 0];
  return half(msg);
}

// At every change the form goes to IndexedDB; its answers also go to localStorage, which is written at once, so a
// reload right after a keystroke (before IndexedDB has committed) still finds them (see restoreMirror).
const MIRROR = "dixian-field-draft";

function persist() {
  localStorage.setItem(MIRROR, JSON.stringify({ id: S.editing.id, answers: S.editing.answers, at: Date.now() }));
  store.putItem(S.editing);
}

export async function restoreMirror() {
  let m = null;
  try { m = JSON.parse(localStorage.getItem(MIRROR) || "null"); } catch { /* unreadable: nothing to restore */ }
  const item = m && S.items.find((i) => i.id === m.id);
  if (item && ["draft", "failed"].includes(item.status) && (item.updated || 0) < m.at) {
    await store.putItem({ ...item, answers: m.answers });
    await reloadItems();
  }
}

function setAnswer(name, value) {
  const a = S.editing.answers;
  if (value === "" || value === null || (Array.isArray(value) && !value.length)) delete a[name];
  else a[name] = value;
  persist();
  applyForm();
}

function questionBlock(form, q) {
  const a = S.editing.answers;
  const box = h("div", { class: "q", "data-q": q.name },
                h("div", { class: "q-label", id: `ql-${q.name}` }, label(q), q.required ? h("span", { class: "req" }, " *") : null));
  if (q.type === "select_one" || q.type === "select_multiple") {
    const multi = q.type === "select_multiple";
    const group = h("div", { class: "choices", role: multi ? "group" : "radiogroup", "aria-labelledby": `ql-${q.name}` });
    for (const c of form.choices[q.list] || []) {
      const on = multi ? (a[q.name] || []).includes(c.code) : a[q.name] === c.code;
      group.append(h("button", {
        type: "button", class: "choice", "data-value": c.code, role: multi ? null : "radio",
        "aria-checked": multi ? null : String(on), "aria-pressed": multi ? String(on) : null,
        onclick: (e) => {
          const b = e.currentTarget;
          if (multi) {
            const now = new Set(S.editing.answers[q.name] || []);
            if (now.has(c.code)) now.delete(c.code); else now.add(c.code);
            b.setAttribute("aria-pressed", String(now.has(c.code)));
            setAnswer(q.name, (form.choices[q.list] || []).map((x) => x.code).filter((x) => now.has(x)));
          } else {
            for (const o of group.children) o.setAttribute("aria-checked", String(o === b));
            setAnswer(q.name, c.code);
          }
        },
      }, choiceLabel(form, q.list, c.code)));
    }
    box.append(group);
  } else if (q.type === "text") {
    box.append(h("textarea", { rows: 3, "aria-labelledby": `ql-${q.name}`, oninput: (e) => setAnswer(q.name, e.target.value) },
                 a[q.name] === undefined ? "" : String(a[q.name])));
  } else {
    const numeric = q.type === "integer" || q.type === "decimal";
    box.append(h("input", {
      type: numeric ? "text" : q.type === "date" ? "date" : "text",
      inputmode: q.type === "integer" ? "numeric" : q.type === "decimal" ? "decimal" : null,
      value: a[q.name] === undefined ? "" : String(a[q.name]), "aria-labelledby": `ql-${q.name}`,
      oninput: (e) => setAnswer(q.name, e.target.value),
    }));
  }
  box.append(h("p", { class: "q-error", "aria-live": "polite" }));
  return box;
}

function photoLimit(form) {
  const q = form.questions.find((x) => x.type === "image");
  return q && Number(q.params["max-pixels"]) > 0 ? Number(q.params["max-pixels"]) : null;
}

async function addPhotos(files) {
  const item = S.editing, form = S.forms[item.kind];
  const status = $("#photo-status");
  for (const file of files) {
    status.textContent = "…";
    try {
      const p = await prepare(file, { maxPx: photoLimit(form), quality: S.work.settings.photo_quality });
      const n = item.photos.reduce((m, x) => Math.max(m, x.n + 1), 0);
      const key = `${item.id}/${n}`;
      const { blob, ...meta } = p;
      const record = { key, item: item.id, n, blob, ...meta, fix: S.fix, added_at: Date.now() };
      item.photos.push({ key, n, ...meta, fix: S.fix, added_at: record.added_at });
      await store.putItemWithPhotos(item, [record]);
    } catch (err) {
      toast(`${t("photo_fail")}: ${err.message || err}`);
    }
  }
  status.textContent = "";
  renderThumbs();
  applyForm();
}

function renderThumbs() {
  const box = $("#thumbs");
  if (!box) return;
  for (const img of box.querySelectorAll("img")) URL.revokeObjectURL(img.src);
  box.replaceChildren(...S.editing.photos.map((p) => {
    const img = h("img", { alt: p.name, class: "thumb" });
    store.photo(p.key).then((r) => { if (r) img.src = URL.createObjectURL(r.blob); });
    const e = p.exif || {};
    const size = (x) => `${x.width}×${x.height}`;
    return h("li", { class: "photo", "data-photo": p.key, "data-sha256": p.sha256 || "" }, img,
      h("div", { class: "photo-text" },
        h("div", {}, `${(p.bytes / 1048576).toFixed(2)} MB · `,
          p.resized ? t("photo_resized", { a: size(p.original), b: size(p) }) : t("photo_kept")),
        h("div", { class: e.lat === null ? "warn-text" : "" },
          e.lat === null ? t("photo_no_pos") : t("photo_pos", { lat: e.lat.toFixed(5), lon: e.lon.toFixed(5) }),
          e.time ? ` · ${t("photo_time", { t: e.time })}` : ""),
        h("button", { type: "button", class: "link", "data-remove": p.key, onclick: async () => {
          S.editing.photos = S.editing.photos.filter((x) => x.key !== p.key);
          await store.deletePhoto(p.key);
          persist();
          renderThumbs();
          applyForm();
        } }, t("remove"))));
  }));
}

function distanceLine() {
  const p = h("p", { class: "distance", id: "distance" });
  const tg = S.targets.get(keyOf(S.editing.target_kind, S.editing.target_id));
  if (!S.fix || !tg) return p;
  const d = geo.distance(S.fix, tg);
  const r = (S.work.settings.target_radius_m || {})[tg.target_kind] || 100;
  if (d > Math.max(r, S.fix.accuracy_m)) {
    p.className = "distance warn";
    p.textContent = t("far", { d: geo.metres(d), r });
  } else {
    p.textContent = t("distance_to", { d: geo.metres(d) });
  }
  return p;
}

export function updateFormDistance() {
  const el = $("#distance");
  if (el) el.replaceWith(distanceLine());
}

function formProblems(form, r) {
  const item = S.editing, problems = [...r.problems];
  const image = form.questions.find((q) => q.type === "image");
  if (image && image.required && !item.photos.length) problems.push(["photos", t("need_photo")]);
  const bytes = item.photos.reduce((n, p) => n + p.bytes, 0), max = S.work.settings.upload_max_bytes;
  if (bytes > max - 100000) {
    problems.push(["photos", t("too_big", { mb: (bytes / 1048576).toFixed(1), max: Math.floor(max / 1048576) })]);
  }
  if (!item.location && !S.fix) problems.push(["location", t("need_fix")]);
  return problems;
}

function applyForm() {
  const item = S.editing, form = S.forms[item.kind];
  const r = F.check(form, item.answers);
  const problems = formProblems(form, r);
  for (const box of document.querySelectorAll(".q[data-q]")) {
    box.hidden = !r.shown.has(box.dataset.q);
    const p = problems.find(([f]) => f === `answers.${box.dataset.q}`);
    box.querySelector(".q-error").textContent = S.showErrors && p ? message(p[1]) : "";
    box.classList.toggle("bad", Boolean(S.showErrors && p));
  }
  for (const [field, sel] of [["photos", "#photo-error"], ["location", "#location-error"]]) {
    const el = $(sel);
    if (el) el.textContent = S.showErrors ? problems.filter(([f]) => f === field).map(([, m]) => m).join("；") : "";
  }
  const res = $("#result");
  res.textContent = r.problems.length ? "" : `${t("result")}：${t(r.result)}`;
  res.className = `result ${r.problems.length ? "" : r.result}`;
  $("#form-problems").textContent = S.showErrors && problems.length ? t("fix_these") : "";
  return { r, problems };
}

async function saveForm() {
  const item = S.editing, form = S.forms[item.kind];
  S.showErrors = true;
  const { r, problems } = applyForm();
  if (problems.length) {
    const first = document.querySelector(".q.bad") || $("#form-problems");
    if (first) first.scrollIntoView({ block: "center" });
    return;
  }
  const now = Date.now();
  Object.assign(item, { status: "waiting", clean: r.clean, result: r.result, error: null, saved_at: now });
  if (!item.submitted_at) {  // a corrected item keeps the time and place of its visit
    Object.assign(item, { submitted_at: geo.localIso(now), utc_offset_min: geo.utcOffsetMin(),
                          location: { lon: S.fix.lon, lat: S.fix.lat, accuracy_m: S.fix.accuracy_m } });
  }
  await store.putItem(item);
  await reloadItems();
  S.editing = null;
  app.go("tasks");
  toast(t("saved", { id: item.id.slice(0, 8) }));
  app.whenOnline("saved");
}

export async function discard(item) {
  if (!(await ask(t("discard_confirm"), t("discard"), true))) return;
  await store.deleteItem(item.id);
  await reloadItems();
  if (S.editing && S.editing.id === item.id) S.editing = null;
  app.go(S.view === "form" ? "tasks" : S.view);
}

export function viewForm() {
  const item = S.editing, form = S.forms[item.kind];
  const root = h("section", { "data-view": "form", "data-item": item.id, class: "form" },
    h("h2", {}, item.target_label),
    h("p", { class: "sub" }, formTitle(item.kind), ` · ${item.target_id}`),
    item.error && !item.error.transient ? h("div", { class: "banner warn", id: "server-said" },
      `${item.error.status} · ${item.error.message}`, problemList(form, item.error.problems)) : null,
    gpsLine(), distanceLine(),
    F.answerable(form).map((q) => questionBlock(form, q)));
  const camera = h("input", { type: "file", accept: "image/*", capture: "environment", class: "file", "data-input": "camera",
                              onchange: (e) => { addPhotos([...e.target.files]); e.target.value = ""; } });
  const gallery = h("input", { type: "file", accept: "image/*", multiple: true, class: "file", "data-input": "gallery",
                               onchange: (e) => { addPhotos([...e.target.files]); e.target.value = ""; } });
  const image = form.questions.find((q) => q.type === "image");
  root.append(
    h("div", { class: "q photos" },
      h("div", { class: "q-label" }, image ? label(image) : t("photos"), image && image.required ? h("span", { class: "req" }, " *") : null),
      h("div", { class: "row2" }, h("label", { class: "btn" }, t("take_photo"), camera),
        h("label", { class: "btn" }, t("from_gallery"), gallery)),
      h("p", { id: "photo-status", class: "sub", "aria-live": "polite" }),
      h("ul", { id: "thumbs", class: "thumbs" }),
      h("p", { class: "q-error", id: "photo-error" })),
    h("p", { class: "q-error", id: "location-error" }),
    h("p", { id: "result", class: "result" }),
    h("div", { class: "actions" },
      h("p", { id: "form-problems", class: "q-error", "aria-live": "polite" }),
      h("div", { class: "row2" },
        h("button", { type: "button", class: "btn", "data-action": "discard", onclick: () => discard(item) }, t("discard")),
        h("button", { type: "button", class: "btn primary", "data-action": "save", onclick: saveForm }, t("save")))));
  queueMicrotask(() => { renderThumbs(); applyForm(); });
  return root;
}

/** The server's problems, each under the name the form gives its field (answers.NAME, or target_id…). */
export function problemList(form, problems) {
  const name = (field) => {
    const q = form && form.questions.find((x) => x.name === field.replace(/^answers\./, ""));
    return q ? label(q) : field;
  };
  return h("ul", { class: "problems" }, (problems || []).map((p) => h("li", {}, `${name(p.field)}：${p.message}`)));
}


/** Forget the mirrored answers (signing out). */
export const forgetMirror = () => localStorage.removeItem(MIRROR);
