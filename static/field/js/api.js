// The field API as the app calls it (same origin, an account's bearer token). A request that fails on the way, or
// whose answer cannot be read whole, is a NetworkError (worth retrying); an answer is {status, body}.
export class NetworkError extends Error {}

async function call(path, { method = "GET", token, json, form, timeoutMs = 30000 } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(path, { method, headers, body, signal: abort.signal, cache: "no-store",
                                    credentials: "omit" });
    const text = await res.text();  // a connection cut before the whole answer arrived fails here
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { error: text.slice(0, 300) }; }
    return { status: res.status, body: parsed, headers: res.headers };
  } catch (err) {
    throw new NetworkError(err.name === "AbortError" ? "timeout" : String(err.message || err));
  } finally {
    clearTimeout(timer);
  }
}

export const signIn = (login, password) => call("/api/v1/auth/token", { method: "POST", json: { login, password } });
export const renew = (token) => call("/api/v1/auth/renew", { method: "POST", token });
export const signOut = (token) => call("/api/v1/auth/logout", { method: "POST", token, timeoutMs: 8000 });
export const work = (token) => call("/api/v1/work", { token, timeoutMs: 120000 });

/** One inspection with its photos (multipart: the submission JSON and the photo files). */
export function submit(token, submission, photos) {
  const form = new FormData();
  form.append("submission", JSON.stringify(submission));
  for (const p of photos) form.append("photos", p.blob, p.name);
  const bytes = photos.reduce((n, p) => n + p.bytes, 0);
  return call("/api/v1/inspections", { method: "POST", token, form, timeoutMs: 60000 + bytes / 20 });
}
