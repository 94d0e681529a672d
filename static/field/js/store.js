// What the phone keeps (IndexedDB, database "dixian-field"): the account's token and the downloaded work (kv), the
// outbox of inspections under the UUIDs made here (drafts too, saved at every change), and their photos apart, so
// that saving a typed answer never rewrites the photos.
const DB = "dixian-field";
let opened = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function open() {
  opened ||= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("kv");
      db.createObjectStore("outbox", { keyPath: "id" }).createIndex("status", "status");
      db.createObjectStore("photos", { keyPath: "key" }).createIndex("item", "item");
    };
    req.onsuccess = () => {
      req.result.onversionchange = () => req.result.close();  // let a sign-out elsewhere delete it
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("IndexedDB blocked"));
  });
  return opened;
}

/** Run fn(stores) in one transaction over `names`; resolves with fn's result once the transaction is durable. */
async function tx(names, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(names, mode, { durability: "strict" });
    const stores = Object.fromEntries([].concat(names).map((n) => [n, t.objectStore(n)]));
    let out;
    Promise.resolve(fn(stores)).then((v) => { out = v; }, (e) => { t.abort(); reject(e); });
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error("transaction aborted"));
  });
}

export const get = (key) => tx("kv", "readonly", (s) => request(s.kv.get(key)));
export const set = (key, value) => tx("kv", "readwrite", (s) => { s.kv.put(value, key); });
export const del = (key) => tx("kv", "readwrite", (s) => { s.kv.delete(key); });

export const item = (id) => tx("outbox", "readonly", (s) => request(s.outbox.get(id)));
export const items = () => tx("outbox", "readonly", (s) => request(s.outbox.getAll()));
export const putItem = (it) => tx("outbox", "readwrite", (s) => { s.outbox.put({ ...it, updated: Date.now() }); });

/** An item and its photos, written together. */
export const putItemWithPhotos = (it, photos) => tx(["outbox", "photos"], "readwrite", (s) => {
  s.outbox.put({ ...it, updated: Date.now() });
  for (const p of photos) s.photos.put(p);
});

export const photo = (key) => tx("photos", "readonly", (s) => request(s.photos.get(key)));
export const photosOf = (id) => tx("photos", "readonly", (s) => request(s.photos.index("item").getAll(id)));
export const deletePhoto = (key) => tx("photos", "readwrite", (s) => { s.photos.delete(key); });

/** Forget an item's photos (once the server holds them), or the item and its photos (a discarded one). */
export const dropPhotos = (id) => tx("photos", "readwrite", async (s) => {
  const keys = await request(s.photos.index("item").getAllKeys(id));
  for (const k of keys) s.photos.delete(k);
});
export const deleteItem = (id) => tx(["outbox", "photos"], "readwrite", async (s) => {
  s.outbox.delete(id);
  const keys = await request(s.photos.index("item").getAllKeys(id));
  for (const k of keys) s.photos.delete(k);
});

/** Everything on the device goes: token, work, outbox, photos (signing out). */
export async function wipe() {
  if (opened) (await opened).close();
  opened = null;
  await new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(DB);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
    req.onblocked = resolve;  // other tabs close theirs on versionchange; the deletion completes then
  });
}
