// Sending the outbox when there is signal: on opening, on the browser's `online` event and by the button. One item at
// a time, oldest first, each under the UUID made on the phone, so a retry after a lost answer is harmless (the server
// answers 200 with the same id). Network errors, 408, 429 and 5xx are retried with growing pauses; any other 4xx
// keeps the item, marked failed with the server's message, to be corrected or discarded; 401 stops until sign-in.
import * as api from "./api.js";
import * as store from "./store.js";

export const PAUSES_MS = [1000, 2000, 4000, 8000, 16000];
export const LATER_MS = 60000;
let running = null;
let later = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the server is sent for an item: the submission of the API (README, "The field API"). */
export function submission(item) {
  return { id: item.id, kind: item.kind, target_id: item.target_id, started_at: item.started_at,
           submitted_at: item.submitted_at, utc_offset_min: item.utc_offset_min, location: item.location,
           answers: item.clean };
}

const retryable = (status) => status === 0 || status === 408 || status === 429 || status >= 500;

async function sendOne(ctx, auth, item, report) {
  const photos = (await store.photosOf(item.id)).sort((a, b) => a.n - b.n);
  for (let attempt = 0; ; attempt++) {
    if (!navigator.onLine) {
      report.stopped = "offline";
      return false;
    }
    item = { ...item, attempts: (item.attempts || 0) + 1, last_try: Date.now() };
    await store.putItem(item);
    ctx.changed(item);
    report.posts += 1;
    let res;
    try {
      res = await api.submit(auth.token, submission(item), photos);
    } catch (err) {
      res = { status: 0, body: { error: err.message } };
    }
    if (res.status === 200 || res.status === 201) {
      await store.putItem({ ...item, status: "sent", sent_at: Date.now(), error: null, created: res.body.created,
                            result: res.body.result, flags: res.body.flags || [] });
      await store.dropPhotos(item.id);  // the server holds them now; the phone needs the room
      report.sent += 1;
      ctx.changed(item);
      return true;
    }
    if (res.status === 401) {
      report.stopped = "auth";
      await ctx.authLost();
      return false;
    }
    if (!retryable(res.status)) {
      await store.putItem({ ...item, status: "failed",
                            error: { status: res.status, message: (res.body && res.body.error) || `HTTP ${res.status}`,
                                     problems: (res.body && res.body.problems) || [] } });
      report.failed += 1;
      ctx.changed(item);
      return true;
    }
    item = { ...item, error: { status: res.status, transient: true,
                               message: (res.body && res.body.error) || `HTTP ${res.status}` } };
    await store.putItem(item);
    ctx.changed(item);
    if (attempt >= PAUSES_MS.length - 1) {
      report.stopped = "later";
      return false;
    }
    const asked = res.status === 429 ? Number(res.headers && res.headers.get("Retry-After")) * 1000 || 0 : 0;
    await sleep(Math.max(PAUSES_MS[attempt] * (0.75 + Math.random() / 2), asked));
  }
}

async function run(ctx, reason) {
  const report = { reason, posts: 0, sent: 0, failed: 0, stopped: null };
  const auth = await ctx.auth();
  if (!auth) {
    report.stopped = "auth";
    return report;
  }
  const tried = new Set();  // items saved while this run goes are taken too, each once
  for (;;) {
    const next = (await store.items())
      .filter((i) => i.status === "waiting" && i.login === auth.user.login && !tried.has(i.id))
      .sort((a, b) => a.saved_at - b.saved_at)[0];
    if (!next) break;
    tried.add(next.id);
    if (!(await sendOne(ctx, auth, next, report))) break;
  }
  if (report.stopped === "later") {
    clearTimeout(later);
    later = setTimeout(() => syncNow(ctx, "later"), LATER_MS);
  }
  return report;
}

/** Send what waits, unless a run is already going (then that run's promise). Resolves with a report:
 *  {reason, posts, sent, failed, stopped: null | 'offline' | 'auth' | 'later'}. */
export function syncNow(ctx, reason) {
  if (!running) {
    running = run(ctx, reason).finally(() => { running = null; });
  }
  return running;
}
