// Where the phone is (the browser's GNSS fix, which needs no signal) and the small sums around it: distance on the
// ground, and times written with the phone's own zone as the server asks (2026-11-23T10:15:00.250+08:00).

/** Watch the position; onFix({lon, lat, accuracy_m, at}) on each fix, onError(message) when there is none. */
export function watch(onFix, onError) {
  if (!window.isSecureContext) {  // browsers give a position to secure pages only
    onError("insecure");
    return () => {};
  }
  if (!("geolocation" in navigator)) {
    onError("unavailable");
    return () => {};
  }
  const id = navigator.geolocation.watchPosition(
    (p) => onFix({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy,
                   at: p.timestamp }),
    (e) => onError(e.code === e.PERMISSION_DENIED ? "denied" : "unavailable"),
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
  return () => navigator.geolocation.clearWatch(id);
}

/** Metres between two lon/lat points (haversine on a sphere of the Earth's mean radius). */
export function distance(a, b) {
  const rad = Math.PI / 180, dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Minutes east of UTC of the phone's zone now. */
export const utcOffsetMin = (d = new Date()) => -d.getTimezoneOffset();

/** A time as ISO 8601 with the phone's zone, to the millisecond: 2026-11-23T10:15:00.250+08:00. */
export function localIso(ms) {
  const d = new Date(ms), off = utcOffsetMin(d), p = (n) => String(Math.abs(n)).padStart(2, "0");
  const local = new Date(ms + off * 60000).toISOString().slice(0, 23);
  return `${local}${off >= 0 ? "+" : "-"}${p(Math.trunc(off / 60))}:${p(off % 60)}`;
}

/** 95 m, 1.2 km. */
export const metres = (m) => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`);
