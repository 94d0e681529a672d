// The inspectors' offline app: sign in once, download my work, the task list by distance and the map, the outbox and
// its sending when the signal comes back, the account's screen; the form screen is capture.js. Every text from data
// is put in as text (never as HTML).
import * as api from "./api.js";
import * as capture from "./capture.js";
import { ask, h, $, toast } from "./dom.js";
import * as F from "./form.js";
import * as geo from "./geo.js";
import { lang, setLang, t } from "./i18n.js";
import * as mapview from "./map.js";
import { LIST_STEP, S, counts, formTitle, gpsLine, keyOf, mine, reloadItems, statusOf, when } from "./state.js";
import * as store from "./store.js";
import { syncNow } from "./sync.js";

const RENEW_AFTER_MS = 24 * 3600 * 1000;   // renew the token once a day while online
const STALE_WORK_MS = 30 * 60 * 1000;      // on opening online, download again when older than this

// --- the work ---------------------------------------------------------------------------------------------------

function indexWork() {
  S.forms = {};
  S.targets = new Map();
  if (!S.work) return;
  for (const [kind, rows] of Object.entries(S.work.forms)) S.forms[kind] = F.load(kind, rows);
  for (const tg of S.work.targets) S.targets.set(keyOf(tg.target_kind, tg.target_id), tg);
}

async function download(byHand) {
  if (!S.auth || S.auth.lost || S.downloading) return;
  S.downloading = true;
  render();
  try {
    const res = await api.work(S.auth.token);
    if (res.status === 200) {
      S.work = { ...res.body, fetched_at: Date.now() };
      await store.set("work", S.work);
      indexWork();
      if (byHand) toast(t("downloaded"));
    } else if (res.status === 401) {
      await authLost();
    } else if (byHand) {
      toast((res.body && res.body.error) || `HTTP ${res.status}`);
    }
  } catch {
    if (byHand) toast(t("need_signal"));
  } finally {
    S.downloading = false;
    render();
  }
}

// --- signing in, renewing, signing out ------------------------------------------------------------------------------

async function authLost() {
  if (!S.auth) return;
  S.auth = { ...S.auth, lost: true };
  await store.set("auth", S.auth);
  render();
}

async function signIn(login, password) {
  const others = S.items.filter((i) => ["waiting", "failed", "draft"].includes(i.status) && i.login !== login);
  if (others.length) {
    S.signInNote = t("sign_in_other", { n: others.length, login: others[0].login });
    return render();
  }
  let res;
  try {
    res = await api.signIn(login, password);
  } catch {
    S.signInNote = t("sign_in_offline");
    return render();
  }
  if (res.status !== 200) {
    S.signInNote = res.status === 429 ? t("throttled", { s: Math.ceil(res.body.retry_after || 2) })
      : res.status === 401 ? t("wrong_login") : (res.body && res.body.error) || `HTTP ${res.status}`;
    return render();
  }
  const now = Date.now();
  S.auth = { token: res.body.token, user: res.body.user, issued_at: now, expires_at: now + res.body.expires_in_s * 1000 };
  S.signInNote = null;
  await store.set("auth", S.auth);
  askPersistence();
  S.view = "tasks";
  render();
  await download(false);
  whenOnline("signed_in");
}

async function renewIfDue() {
  if (!S.auth || S.auth.lost || Date.now() - S.auth.issued_at < RENEW_AFTER_MS) return;
  try {
    const res = await api.renew(S.auth.token);
    if (res.status === 200) {
      const now = Date.now();
      S.auth = { ...S.auth, token: res.body.token, user: res.body.user, issued_at: now,
                 expires_at: now + res.body.expires_in_s * 1000 };
      await store.set("auth", S.auth);
    } else if (res.status === 401) {
      await authLost();
    }
  } catch { /* no signal after all: the old token serves until next time */ }
}

async function signOut() {
  const c = counts();
  const unsent = c.waiting + c.failed + c.draft;
  const ok = await ask(t("sign_out_confirm") + (unsent ? " " + t("sign_out_unsent", { n: unsent }) : ""),
                       t("sign_out"), true);
  if (!ok) return;
  let revoked = false;
  if (S.auth && navigator.onLine) {
    try {
      const res = await api.signOut(S.auth.token);
      revoked = res.status === 200 || res.status === 401;
    } catch { /* offline after all */ }
  }
  await store.wipe();
  capture.forgetMirror();
  Object.assign(S, { auth: null, work: null, forms: {}, targets: new Map(), items: [], editing: null,
                     view: "tasks", signInNote: revoked ? null : t("signed_out_offline") });
  render();
}

async function askPersistence() {
  if (!(navigator.storage && navigator.storage.persist)) return;
  S.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
}

// --- sync -------------------------------------------------------------------------------------------------------------

const syncContext = {
  auth: async () => (S.auth && !S.auth.lost ? S.auth : null),
  changed: async () => { await reloadItems(); renderChrome(); if (S.view === "outbox") renderMain(); },
  authLost,
};

async function runSync(reason) {
  S.syncing = true;
  renderChrome();
  if (S.view === "outbox") renderMain();
  const report = await syncNow(syncContext, reason);
  S.syncing = false;
  S.lastSync = report;
  await reloadItems();
  if (report.sent) toast(t("sync_done", { n: report.sent }));
  render();
  return report;
}

/** On opening, on the `online` event, after a save: renew the token if due, send the outbox, then refresh the due
 *  list when something went (or the work is stale). */
async function whenOnline(reason) {
  if (!S.auth || S.auth.lost || !navigator.onLine) return;
  await renewIfDue();
  const report = await runSync(reason);
  if (report.sent || !S.work || Date.now() - (S.work.fetched_at || 0) > STALE_WORK_MS) await download(false);
}

// --- chrome: header, banners, navigation ------------------------------------------------------------------------------

function renderChrome() {
  document.title = t("app");
  $("#title").textContent = t("app");
  const net = $("#net");
  net.textContent = navigator.onLine ? t("online") : t("offline");
  net.className = navigator.onLine ? "chip ok" : "chip off";
  const c = counts();
  const badge = $("#badge");
  badge.textContent = c.waiting + c.failed ? String(c.waiting + c.failed) : "";
  badge.hidden = !(c.waiting + c.failed);
  for (const b of document.querySelectorAll("#nav button")) {
    b.querySelector(".nav-label").textContent = t(`nav_${b.dataset.view}`);
    b.setAttribute("aria-current", String(S.view === b.dataset.view || (S.view === "form" && b.dataset.view === "tasks")));
  }
  $("#nav").hidden = !S.auth;
  const banners = [];
  if (!window.isSecureContext) banners.push(h("p", { class: "banner warn", id: "insecure" }, t("insecure")));
  else if (!("serviceWorker" in navigator)) banners.push(h("p", { class: "banner warn" }, t("no_sw")));
  if (S.updateReady) {
    banners.push(h("p", { class: "banner" }, t("updated"), " ",
                   h("button", { type: "button", class: "link", onclick: () => location.reload() }, t("reload"))));
  }
  if (S.auth && S.auth.lost && S.view !== "signin") {
    banners.push(h("p", { class: "banner warn", id: "auth-lost" }, t("sign_in_again"), " ",
                   h("button", { type: "button", class: "link", onclick: () => { S.view = "signin"; render(); } },
                     t("sign_in"))));
  }
  $("#banners").replaceChildren(...banners);
}

function render() {
  renderChrome();
  if (S.view !== "form") renderMain();
}

function renderMain() {
  const main = $("#main");
  let view;
  if (!S.auth || S.view === "signin") view = viewSignIn();
  else if (S.view === "form" && S.editing) view = capture.viewForm();
  else if (S.view === "map") view = viewMap();
  else if (S.view === "outbox") view = viewOutbox();
  else if (S.view === "me") view = viewMe();
  else view = viewTasks();
  main.replaceChildren(view);
  main.dataset.view = view.dataset.view;
}

function go(view) {
  S.view = view;
  S.shown = LIST_STEP;
  render();
  window.scrollTo(0, 0);
}

// --- where I am -------------------------------------------------------------------------------------------------------

let lastListFix = null;
function onFix(fix) {
  S.fix = fix;
  S.gps = "ok";
  for (const el of document.querySelectorAll("[data-gps]")) el.replaceWith(gpsLine());
  if (S.view === "form") capture.updateFormDistance();
  const moved = !lastListFix || geo.distance(lastListFix, fix) > 20;
  if (S.view === "tasks" && moved) { lastListFix = fix; renderMain(); }
  if (S.view === "map" && S.map) S.map.update({ fix });
}

// --- tasks ------------------------------------------------------------------------------------------------------------

function dueText(task) {
  if (task.overdue) return t("overdue_days", { n: task.days_overdue });
  const days = Math.round((new Date(task.due_on) - new Date(S.work.as_of)) / 86400000);
  return days <= 0 ? t("due_today") : t("due_in", { n: days });
}

function rows() {
  const q = S.query.trim().toLowerCase();
  const fits = (tg) => !q || String(tg.label).toLowerCase().includes(q) || String(tg.target_id).toLowerCase().includes(q);
  const out = S.all
    ? S.work.targets.filter(fits).map((tg) => ({ target: tg, task: null }))
    : S.work.tasks.map((task) => ({ task, target: S.targets.get(keyOf(task.target_kind, task.target_id)) }))
      .filter((r) => r.target && fits(r.target));
  for (const r of out) r.distance = S.fix ? geo.distance(S.fix, r.target) : null;
  out.sort((a, b) => (S.fix ? a.distance - b.distance
    : a.task && b.task ? String(a.task.due_on).localeCompare(b.task.due_on) || b.task.days_overdue - a.task.days_overdue
      : String(a.target.label).localeCompare(String(b.target.label))));
  return out;
}

function taskRow(r) {
  const { task, target } = r;
  const status = statusOf(task && task.kind, target.target_kind, target.target_id);
  const kinds = task ? [task.kind] : Object.keys(target.prefill);
  return h("li", {},
    h("button", { type: "button", class: `row ${status || ""}`, "data-target": keyOf(target.target_kind, target.target_id),
                  "data-kind": task ? task.kind : null, onclick: () => (task ? capture.open(task.kind, target) : pickForm(target)) },
      h("span", { class: "row-top" }, h("b", { class: "row-label" }, target.label),
        r.distance !== null ? h("span", { class: "dist" }, geo.metres(r.distance)) : null),
      h("span", { class: "row-sub" }, kinds.map(formTitle).join("、"),
        task ? h("span", { class: task.overdue ? "due late" : "due" }, " · ", dueText(task)) : null,
        status ? h("span", { class: `badge ${status}` }, t(status === "waiting" ? "captured"
          : status === "sent" ? "sent_today" : status === "failed" ? "failed" : "draft")) : null)));
}

function viewTasks() {
  const root = h("section", { "data-view": "tasks" }, gpsLine());
  const drafts = S.items.filter((i) => mine(i) && i.status === "draft");
  for (const d of drafts) {
    root.append(h("button", { type: "button", class: "banner resume", "data-resume": d.id,
                              onclick: () => capture.edit(d) }, `${t("resume")}：${d.target_label} · ${formTitle(d.kind)}`));
  }
  if (!S.work) {
    root.append(h("p", { class: "empty" }, t("no_work")),
                h("button", { type: "button", class: "btn primary", onclick: () => download(true),
                              disabled: S.downloading || !navigator.onLine }, S.downloading ? t("downloading") : t("download")));
    return root;
  }
  root.append(
    h("div", { class: "row2 tools" },
      h("button", { type: "button", class: "btn", "data-toggle": "all",
                    onclick: () => { S.all = !S.all; S.shown = LIST_STEP; renderMain(); } },
        S.all ? t("due_only") : t("all_targets")),
      h("input", { type: "search", class: "search", placeholder: t("search"), value: S.query, "aria-label": t("search"),
                   oninput: (e) => { S.query = e.target.value; const l = $("#list"); if (l) l.replaceWith(list()); } })),
    h("h2", {}, S.all ? t("all_targets") : S.fix ? t("due") : t("due_by_date")),
    list());
  return root;
}

function list() {
  const all = rows();
  const ul = h("ul", { class: "list", id: "list" }, all.slice(0, S.shown).map(taskRow));
  if (!all.length) ul.append(h("li", { class: "empty" }, t("none_due")));
  if (all.length > S.shown) {
    ul.append(h("li", {}, h("button", { type: "button", class: "btn", onclick: () => { S.shown += LIST_STEP; renderMain(); } },
                            `${t("more")} (${all.length - S.shown})`)));
  }
  return ul;
}

function pickForm(target) {
  const kinds = Object.keys(target.prefill);
  if (kinds.length === 1) return capture.open(kinds[0], target);
  const close = () => sheet.remove();
  const sheet = h("div", { class: "sheet", role: "dialog", "aria-modal": "true" },
    h("div", { class: "sheet-body" }, h("p", { class: "ask" }, target.label, " · ", t("pick_form")),
      kinds.map((k) => h("button", { type: "button", class: "btn primary", "data-kind": k,
                                     onclick: () => { close(); capture.open(k, target); } }, formTitle(k))),
      h("button", { type: "button", class: "btn", onclick: close }, t("cancel"))));
  document.body.append(sheet);
}

// --- the map ----------------------------------------------------------------------------------------------------------

function viewMap() {
  const root = h("section", { "data-view": "map" }, gpsLine());
  if (!S.work) {
    root.append(h("p", { class: "empty" }, t("no_work")));
    return root;
  }
  const box = h("div", { class: "map-box" });
  const key = (tone, text) => h("span", { class: `key ${tone}` }, h("i", {}), text);
  root.append(box, h("p", { class: "legend" }, key("late", t("key_late")), key("due", t("key_due")),
                     key("done", t("key_done")), key("other", t("key_other")), key("me", t("where"))));
  const due = new Map(S.work.tasks.map((tk) => [keyOf(tk.target_kind, tk.target_id), tk]));
  const targets = S.work.targets.map((tg) => {
    const key = keyOf(tg.target_kind, tg.target_id), task = due.get(key);
    const status = statusOf(null, tg.target_kind, tg.target_id);
    const tone = status && status !== "draft" ? "done" : task ? (task.overdue ? "late" : "due") : "other";
    return { key, lon: tg.lon, lat: tg.lat, label: tg.label, tone };
  });
  requestAnimationFrame(() => {
    S.map = mapview.mount(box, {
      outlines: S.work.outlines, targets, fix: S.fix,
      onPick: (key) => pickForm(S.targets.get(key)),
      labels: { zoomIn: "+", zoomOut: "−", locate: t("where") },
    });
  });
  return root;
}

// --- the outbox -------------------------------------------------------------------------------------------------------

function outboxItem(i) {
  const form = S.forms[i.kind];
  const li = h("li", { class: `item ${i.status}`, "data-item": i.id, "data-status": i.status },
    h("div", { class: "row-top" }, h("b", {}, i.target_label), h("span", { class: "sub" }, formTitle(i.kind))),
    h("div", { class: "sub" }, when(i.saved_at || i.created), ` · ${t("n_photos", { n: (i.photos || []).length })}`,
      i.result ? ` · ${t(i.result)}` : ""));
  if (i.status === "waiting" && i.error) {
    li.append(h("div", { class: "sub warn-text" }, t("attempts", { n: i.attempts, msg: i.error.message })));
  }
  if (i.status === "failed") {
    li.append(h("p", { class: "server-message" }, `${i.error.status} · ${i.error.message}`),
              capture.problemList(form, i.error.problems),
              h("div", { class: "row2" },
                h("button", { type: "button", class: "btn", "data-action": "discard", onclick: () => capture.discard(i) }, t("discard")),
                h("button", { type: "button", class: "btn primary", "data-action": "edit", onclick: () => capture.edit(i) }, t("edit"))));
  }
  if (i.status === "draft") {
    li.append(h("div", { class: "row2" },
      h("button", { type: "button", class: "btn", "data-action": "discard", onclick: () => capture.discard(i) }, t("discard")),
      h("button", { type: "button", class: "btn primary", "data-action": "edit", onclick: () => capture.edit(i) }, t("resume"))));
  }
  if (i.status === "sent") {
    const seen = new Map();  // one flag per photo reads once, with its count
    for (const f of i.flags || []) {
      const name = lang() === "en" ? f.label_en : f.label_zh;
      seen.set(name, (seen.get(name) || 0) + 1);
    }
    li.append(h("div", { class: "sub", "data-flags": (i.flags || []).map((f) => f.code).join(" ") }, `${t("flags")}：`,
      seen.size ? [...seen].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join("、") : t("no_flags")));
  }
  return li;
}

function viewOutbox() {
  const c = counts();
  const mineNow = S.items.filter(mine);
  const section = (status, title) => {
    const list = mineNow.filter((i) => i.status === status)
      .sort((a, b) => (b.sent_at || b.saved_at || b.created) - (a.sent_at || a.saved_at || a.created));
    return list.length ? [h("h2", {}, title), h("ul", { class: "list", "data-list": status }, list.map(outboxItem))] : [];
  };
  return h("section", { "data-view": "outbox" },
    h("p", { class: "counts", id: "counts", "data-waiting": c.waiting, "data-failed": c.failed, "data-sent": c.sent },
      t("counts", { w: c.waiting, f: c.failed, s: c.sent })),
    h("button", { type: "button", class: "btn primary", id: "sync", onclick: () => whenOnline("button"),
                  disabled: S.syncing || !navigator.onLine || !S.auth || S.auth.lost },
      S.syncing ? t("syncing") : t("sync")),
    navigator.onLine ? null : h("p", { class: "sub" }, t("sync_offline")),
    section("failed", t("failed")), section("waiting", t("waiting")), section("draft", t("drafts")),
    section("sent", t("sent")),
    mineNow.length ? null : h("p", { class: "empty" }, t("nothing_here")));
}

// --- me -----------------------------------------------------------------------------------------------------------------

function viewMe() {
  const u = S.auth.user, w = S.work;
  const storage = h("p", { class: "sub", id: "storage" });
  if (navigator.storage && navigator.storage.estimate) {
    navigator.storage.estimate().then((e) => {
      storage.textContent = t("used", { u: (e.usage / 1048576).toFixed(1), q: (e.quota / 1048576).toFixed(0) });
    });
  }
  return h("section", { "data-view": "me" },
    h("h2", {}, t("account")),
    h("p", {}, `${u.display_name || u.login} (${u.login}) · `,
      w && w.role_labels[u.role] ? w.role_labels[u.role][lang() === "en" ? 1 : 0] : u.role),
    h("p", { class: "sub" }, `${t("scope")}：${u.scope_code || "—"}`),
    h("h2", {}, t("work")),
    h("p", { class: "sub", id: "work-info" }, w ? t("work_at", { t: when(w.fetched_at), n: w.targets.length, d: w.tasks.length })
      + (w.targets_total > w.targets.length ? t("work_capped", { n: w.targets_total }) : "") : t("no_work")),
    h("button", { type: "button", class: "btn primary", id: "download", onclick: () => download(true),
                  disabled: S.downloading || !navigator.onLine || S.auth.lost },
      S.downloading ? t("downloading") : navigator.onLine ? t("download") : `${t("download")}（${t("need_signal")}）`),
    h("h2", {}, t("storage")),
    h("p", { class: "sub", id: "persisted" }, S.persisted ? t("persisted") : t("not_persisted")),
    storage,
    S.installEvent ? h("button", { type: "button", class: "btn", onclick: async () => {
      S.installEvent.prompt();
      S.installEvent = null;
    } }, t("install")) : h("p", { class: "sub" }, t("install_hint")),
    h("h2", {}, t("language")),
    h("div", { class: "row2" },
      h("button", { type: "button", class: "btn", "aria-pressed": String(lang() === "zh"), "data-lang": "zh",
                    onclick: () => { setLang("zh"); render(); } }, "中文"),
      h("button", { type: "button", class: "btn", "aria-pressed": String(lang() === "en"), "data-lang": "en",
                    onclick: () => { setLang("en"); render(); } }, "English")),
    h("button", { type: "button", class: "btn danger", id: "sign-out", onclick: signOut }, t("sign_out")));
}

// --- sign in ------------------------------------------------------------------------------------------------------------

function viewSignIn() {
  const login = h("input", { name: "login", autocomplete: "username", autocapitalize: "none", "aria-label": t("login"),
                             value: S.auth ? S.auth.user.login : "", readonly: S.auth ? true : null });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password",
                                "aria-label": t("password") });
  const button = h("button", { type: "submit", class: "btn primary" }, t("sign_in"));
  return h("section", { "data-view": "signin" },
    h("form", { class: "signin", onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      await signIn(login.value.trim(), password.value);
      button.disabled = false;
    } },
      h("h2", {}, t("sign_in_title")),
      h("label", {}, t("login"), login),
      h("label", {}, t("password"), password),
      S.signInNote ? h("p", { class: "q-error", id: "sign-in-note" }, S.signInNote) : null,
      button,
      h("div", { class: "row2" },
        h("button", { type: "button", class: "btn", onclick: () => { setLang("zh"); render(); } }, "中文"),
        h("button", { type: "button", class: "btn", onclick: () => { setLang("en"); render(); } }, "English"))));
}

// --- start ----------------------------------------------------------------------------------------------------------------

function registerWorker() {
  if (!window.isSecureContext || !("serviceWorker" in navigator)) return;
  const had = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (had) { S.updateReady = true; renderChrome(); }
  });
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field/", updateViaCache: "none" })
    .catch((err) => console.warn("service worker", err));
}

async function start() {
  setLang(lang());
  capture.wire({ go, renderChrome, renderMain, whenOnline });
  registerWorker();
  for (const b of document.querySelectorAll("#nav button")) b.addEventListener("click", () => go(b.dataset.view));
  S.auth = (await store.get("auth")) || null;
  S.work = (await store.get("work")) || null;
  indexWork();
  await reloadItems();
  await capture.restoreMirror();
  render();
  performance.mark("usable");
  document.documentElement.dataset.ready = S.auth ? "work" : "signin";
  geo.watch(onFix, (why) => { S.gps = why; for (const el of document.querySelectorAll("[data-gps]")) el.replaceWith(gpsLine()); });
  if (navigator.storage && navigator.storage.persisted) S.persisted = await navigator.storage.persisted();
  addEventListener("online", () => { renderChrome(); if (S.view !== "form") renderMain(); whenOnline("online"); });
  addEventListener("offline", () => { renderChrome(); if (S.view !== "form") renderMain(); });
  addEventListener("beforeinstallprompt", (e) => { e.preventDefault(); S.installEvent = e; });
  whenOnline("open");
}

start();
