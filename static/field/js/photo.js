// A photo from the camera or the gallery made ready for the outbox: larger than the form's max-pixels it is drawn
// again at that size as JPEG and the original's EXIF position, time and camera written into it (piexifjs, the
// picture now upright); otherwise its bytes are kept exactly as taken. Either way its EXIF position and time are
// also recorded beside it, with its sha256, so the inspector and the test can see what was kept.
/* global piexif */

const GPS_BASIC = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 29, 31];
const KEEP = {
  "0th": [271, 272, 306],                         // Make, Model, DateTime
  Exif: [36867, 36868, 36880, 36881, 36882, 37521], // DateTimeOriginal/Digitized, OffsetTime…, SubSecTimeOriginal
};

function binary(u8) {
  let s = "";
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return s;
}

function bytesOf(s) {
  const u8 = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
  return u8;
}

const isJpeg = (u8) => u8.length > 3 && u8[0] === 0xff && u8[1] === 0xd8;

function readExif(u8) {
  if (!isJpeg(u8) || typeof piexif === "undefined") return null;
  try {  // the EXIF segment comes first: read the head, the whole file only if the head was cut in a segment
    return piexif.load(binary(u8.subarray(0, 262144)));
  } catch {
    try { return piexif.load(binary(u8)); } catch { return null; }
  }
}

/** Position and time as the camera wrote them (null where it did not). */
export function exifFacts(exif) {
  const out = { lat: null, lon: null, time: null, offset: null, make: null, model: null };
  if (!exif) return out;
  const gps = exif.GPS || {};
  try {
    if (gps[2] && gps[4]) {
      out.lat = piexif.GPSHelper.dmsRationalToDeg(gps[2], gps[1]);
      out.lon = piexif.GPSHelper.dmsRationalToDeg(gps[4], gps[3]);
    }
  } catch { /* unreadable position: left null */ }
  const ex = exif.Exif || {}, zeroth = exif["0th"] || {};
  out.time = ex[36867] || zeroth[306] || null;
  out.offset = ex[36881] || ex[36880] || null;
  out.make = zeroth[271] || null;
  out.model = zeroth[272] || null;
  return out;
}

function pick(src, tags) {
  const out = {};
  for (const t of tags) if (src && src[t] !== undefined) out[t] = src[t];
  return out;
}

/** The kept EXIF for a redrawn picture (orientation 1: the pixels are upright now), as bytes; null if none. */
function keptExif(exif) {
  for (const gpsTags of [null, GPS_BASIC, []]) {
    try {
      const obj = { "0th": { ...pick(exif["0th"], KEEP["0th"]), 274: 1 }, Exif: pick(exif.Exif, KEEP.Exif),
                    GPS: gpsTags ? pick(exif.GPS, gpsTags) : { ...exif.GPS }, Interop: {}, "1st": {},
                    thumbnail: null };
      return piexif.dump(obj);
    } catch { /* an odd tag: try with fewer */ }
  }
  return null;
}

async function sha256(u8) {
  if (!(globalThis.crypto && crypto.subtle)) return null;  // plain HTTP: no digest; the server makes its own
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", u8));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function redraw(bitmap, width, height, quality) {
  if (typeof OffscreenCanvas !== "undefined") {
    const c = new OffscreenCanvas(width, height);
    c.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return c.convertToBlob({ type: "image/jpeg", quality });
  }
  const c = document.createElement("canvas");
  c.width = width; c.height = height;
  c.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve) => c.toBlob(resolve, "image/jpeg", quality));
}

/** A picked file ready for the outbox: {blob, name, type, bytes, sha256, width, height, resized, original, exif}. */
export async function prepare(file, { maxPx, quality }) {
  const u8 = new Uint8Array(await file.arrayBuffer());
  const exif = readExif(u8);
  let bitmap = null;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch { /* a format this browser cannot draw (HEIC in Chrome): sent as taken */ }
  const original = { bytes: u8.length, type: file.type || (isJpeg(u8) ? "image/jpeg" : ""),
                     width: bitmap ? bitmap.width : null, height: bitmap ? bitmap.height : null };
  let out = u8, type = original.type, width = original.width, height = original.height, resized = false;
  if (bitmap && maxPx && Math.max(bitmap.width, bitmap.height) > maxPx) {
    const scale = maxPx / Math.max(bitmap.width, bitmap.height);
    width = Math.round(bitmap.width * scale);
    height = Math.round(bitmap.height * scale);
    const jpeg = new Uint8Array(await (await redraw(bitmap, width, height, quality)).arrayBuffer());
    const kept = exif && keptExif(exif);
    out = kept ? bytesOf(piexif.insert(kept, binary(jpeg))) : jpeg;
    type = "image/jpeg";
    resized = true;
  }
  if (bitmap) bitmap.close();
  const name = (file.name || "photo.jpg").replace(/[^\w.\-]+/g, "_").slice(-80);
  return { blob: new Blob([out], { type: type || "application/octet-stream" }), type, bytes: out.length,
           name: resized ? name.replace(/\.\w+$/, "") + ".jpg" : name, sha256: await sha256(out),
           width, height, resized, original, exif: exifFacts(exif) };
}
