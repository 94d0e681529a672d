// A form from its XLSForm rows (the same rows the server checks answers against, inspections/forms/*.json), and the
// check of answers with the server's meaning (inspections/forms.py check): types, required, relevant, constraints,
// the calculated result. Problems are named as the server names them (answers.NAME).
import { evaluate, truthy } from "./xpath.js";

export const DEVICE_TYPES = new Set(["geopoint", "image", "start", "end"]);
export const TARGET_FIELD = "target_id";
const LABEL = { zh: "label::中文 (zh)", en: "label::English (en)" };

/** The form's questions and choices, read from its rows. */
export function load(kind, rows) {
  const settings = rows.settings[0];
  const choices = {};
  for (const c of rows.choices || []) {
    (choices[c.list_name] ||= []).push({ code: c.name, zh: c[LABEL.zh] || "", en: c[LABEL.en] || "" });
  }
  const questions = rows.survey.map((r) => {
    const [type, list] = r.type.split(" ");
    const params = Object.fromEntries(String(r.parameters || "").split(/\s+/).filter(Boolean)
      .map((p) => p.split("=")));
    return {
      type, name: r.name, list: list || null, zh: r[LABEL.zh] || "", en: r[LABEL.en] || "",
      required: ["yes", "true", "1"].includes(String(r.required || "").toLowerCase()),
      constraint: r.constraint || null, constraintMessage: r.constraint_message || null,
      relevant: r.relevant || null, calculation: r.calculation || null, params,
    };
  });
  const [titleZh, titleEn] = String(settings.form_title).split(" / ");
  return { kind, title: { zh: titleZh, en: titleEn || titleZh }, targetKind: settings.target_kind,
           version: String(settings.version), questions, choices };
}

/** The questions a person answers (no notes, calculations, position, photos or the target's id). */
export function answerable(form) {
  return form.questions.filter((q) => !DEVICE_TYPES.has(q.type) && q.type !== "calculate" && q.type !== "note"
                                      && q.name !== TARGET_FIELD);
}

const empty = (v) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

function coerce(form, q, v) {
  if (q.type === "integer") {
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) return parseInt(v, 10);
    throw new Error("expected a whole number");
  }
  if (q.type === "decimal") {
    const f = typeof v === "number" ? v
      : typeof v === "string" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? parseFloat(v) : NaN;
    if (!Number.isFinite(f)) throw new Error("expected a number");
    return f;
  }
  if (q.type === "select_one") {
    const codes = (form.choices[q.list] || []).map((c) => c.code);
    if (typeof v === "boolean") v = v ? "yes" : "no";
    if (!codes.includes(String(v))) throw new Error(`expected one of ${codes.join(", ")}`);
    return String(v);
  }
  if (q.type === "select_multiple") {
    const codes = (form.choices[q.list] || []).map((c) => c.code);
    const list = typeof v === "string" ? v.split(/\s+/).filter(Boolean) : v;
    if (!Array.isArray(list) || list.some((x) => !codes.includes(String(x)))) {
      throw new Error(`expected a list of ${codes.join(", ")}`);
    }
    return list.map(String);
  }
  if (q.type === "date") {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(v));
    const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (!d || d.getUTCMonth() !== +m[2] - 1) throw new Error("expected a date YYYY-MM-DD");
    return m[0];
  }
  if (typeof v !== "string" && typeof v !== "number") throw new Error("expected text");
  return String(v);
}

/** Whether a question is shown, given the clean answers before it. */
export function isRelevant(q, clean) {
  return !q.relevant || truthy(evaluate(q.relevant, clean));
}

/** Typed, constrained, relevant answers and the result, as the server computes them:
 *  {clean, result, problems: [[field, message]], shown: the names of the questions relevant now}.
 *  Answers to questions not relevant are dropped. */
export function check(form, answers) {
  const byName = Object.fromEntries(form.questions.map((q) => [q.name, q]));
  const problems = Object.keys(answers).filter((k) => {
    const q = byName[k];
    return !q || k === TARGET_FIELD || DEVICE_TYPES.has(q.type) || q.type === "calculate" || q.type === "note";
  }).map((k) => [`answers.${k}`, `no such question in form ${form.kind}`]);
  const clean = {}, shown = new Set();
  for (const q of form.questions) {
    if (DEVICE_TYPES.has(q.type) || q.type === "note" || q.name === TARGET_FIELD) continue;
    if (q.type === "calculate") {
      clean[q.name] = evaluate(q.calculation, clean);
      continue;
    }
    if (!isRelevant(q, clean)) continue;
    shown.add(q.name);
    let v = answers[q.name];
    if (empty(v)) {
      if (q.required) problems.push([`answers.${q.name}`, "required"]);
      continue;
    }
    try {
      v = coerce(form, q, v);
    } catch (err) {
      problems.push([`answers.${q.name}`, err.message]);
      continue;
    }
    if (q.constraint && !truthy(evaluate(q.constraint, clean, v))) {
      problems.push([`answers.${q.name}`, q.constraintMessage || `breaks constraint ${q.constraint}`]);
      continue;
    }
    clean[q.name] = v;
  }
  const result = clean.result;
  delete clean.result;
  if (!problems.length && result !== "pass" && result !== "fail") {
    problems.push(["answers", `form ${form.kind} computed no result`]);
  }
  return { clean, result, problems, shown };
}
