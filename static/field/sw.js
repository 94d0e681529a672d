// The field app's service worker. The server puts SHELL (the app's files) and VERSION (a digest of them) in front of
// this file (inspections/fieldapp.py), so any changed file makes a new worker and a new cache. The shell is served
// from the cache first: the app opens with no signal. The API is never cached here: the work and the outbox live in
// IndexedDB, under the app's own control.
/* global SHELL, VERSION */
const CACHE = `dixian-field-${VERSION}`;
const INDEX = "/field/";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("dixian-field-") && k !== CACHE)
                                    .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith("/field/")) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req, { ignoreSearch: true })
      || (req.mode === "navigate" ? await cache.match(INDEX) : undefined);
    return hit || fetch(req);
  })());
});
