// The app's small DOM helpers: elements built with every text put in as text (never as HTML), a short message, and
// an in-page question with two large buttons.
import { t } from "./i18n.js";

/** An element: attributes (on* are listeners), then children (strings become text nodes). */
export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export const $ = (sel) => document.querySelector(sel);

let toastTimer = null;
export function toast(text) {
  const el = $("#toast");
  el.textContent = text;
  el.hidden = !text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

/** An in-page question with two buttons (large, and testable, unlike window.confirm). */
export function ask(message, ok, danger = false) {
  return new Promise((resolve) => {
    const close = (v) => { sheet.remove(); resolve(v); };
    const sheet = h("div", { class: "sheet", role: "dialog", "aria-modal": "true" },
      h("div", { class: "sheet-body" }, h("p", { class: "ask" }, message),
        h("div", { class: "row2" },
          h("button", { type: "button", class: "btn", "data-answer": "no", onclick: () => close(false) }, t("cancel")),
          h("button", { type: "button", class: danger ? "btn danger" : "btn primary", "data-answer": "yes",
                        onclick: () => close(true) }, ok))));
    document.body.append(sheet);
  });
}
