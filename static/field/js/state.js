// What the app knows while it runs (the signed-in account, the work, the outbox's items, the fix, the screen), and the
// small readings of it that several screens share.
import { h } from "./dom.js";
import { lang, t } from "./i18n.js";
import * as store from "./store.js";

export const LIST_STEP = 60;  // rows drawn at a time in a list

export const S = {
  auth: null, work: null, forms: {}, targets: new Map(), items: [], fix: null, gps: "locating",
  view: "tasks", all: false, query: "", shown: LIST_STEP, editing: null, showErrors: false,
  syncing: false, downloading: false, persisted: null, updateReady: false, installEvent: null, signInNote: null,
};

export const keyOf = (targetKind, targetId) => `${targetKind}/${targetId}`;
export const label = (q) => (lang() === "en" ? q.en || q.zh : q.zh || q.en);
export const choiceLabel = (form, list, code) => {
  const c = (form.choices[list] || []).find((x) => x.code === code);
  return c ? (lang() === "en" ? c.en || c.zh : c.zh || c.en) : code;
};
export const formTitle = (kind) => (S.forms[kind] ? S.forms[kind].title[lang()] : kind);
export const mine = (i) => S.auth && i.login === S.auth.user.login;
export const when = (ms) => new Date(ms).toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", { hour12: false });

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));  // plain HTTP has no randomUUID; the same v4 from bytes
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function counts() {
  const c = { waiting: 0, failed: 0, sent: 0, draft: 0 };
  for (const i of S.items) if (mine(i)) c[i.status] += 1;
  return c;
}

export async function reloadItems() {
  S.items = await store.items();
}

/** The latest state of a target's check in the outbox today: draft, failed, waiting or sent (null if none). */
export function statusOf(kind, targetKind, targetId) {
  const today = new Date().toDateString();
  let best = null;
  for (const i of S.items) {
    if (!mine(i) || i.target_kind !== targetKind || i.target_id !== targetId || (kind && i.kind !== kind)) continue;
    if (i.status === "sent" && new Date(i.sent_at).toDateString() !== today) continue;
    const rank = { draft: 1, failed: 2, waiting: 3, sent: 4 }[i.status];
    if (!best || rank > best.rank) best = { rank, status: i.status };
  }
  return best && best.status;
}

/** The fix with its accuracy, or why there is none; a warning beyond the accuracy setting. */
export function gpsLine() {
  const max = S.work ? S.work.settings.gps_max_accuracy_m : 50;
  const p = h("p", { class: "gps", "data-gps": "" });
  if (S.fix) {
    const acc = Math.round(S.fix.accuracy_m);
    p.append(h("span", { class: "fix" }, `${S.fix.lat.toFixed(6)}, ${S.fix.lon.toFixed(6)} · ±${acc} m`));
    if (S.fix.accuracy_m > max) {
      p.classList.add("warn");
      p.append(h("span", { class: "gps-warn" }, t("gps_poor", { acc, max })));
    }
  } else {
    p.append(t({ denied: "gps_denied", unavailable: "gps_none", insecure: "gps_insecure" }[S.gps] || "locating"));
  }
  return p;
}
