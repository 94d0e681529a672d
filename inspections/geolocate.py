"""The browser's position for Streamlit pages: a tiny inline component (no CDN, works offline) that asks the phone
for its GNSS fix with accuracy, and the device's time zone, and hands them to Python. What it says is in the page's
language (the catalogue's [text.locate]); the browser's own error text (English, whatever the page) is never shown."""
from __future__ import annotations

import streamlit as st

from geo import i18n

_HTML = """
<div class="geo">
  <button type="button" class="locate"></button>
  <span class="status"></span>
</div>
"""
# what the component says, in the page's language; {m} and {why} are filled in by the script
WORDS = ("button", "locating", "accuracy", "unsupported", "failed", "denied", "unavailable", "timeout")

_CSS = """
.geo { display: flex; gap: .75rem; align-items: center; font-family: var(--st-font, sans-serif); }
.locate { padding: .5rem 1rem; border-radius: .5rem; border: 1px solid var(--st-primary-color, #c00);
          background: var(--st-primary-color, #c00); color: #fff; font-size: 1rem; }
.status { color: var(--st-text-color, #333); font-size: .9rem; }
"""

_JS = """
export default function(component) {
  const { setStateValue, parentElement, data } = component;
  const button = parentElement.querySelector('.locate');
  const status = parentElement.querySelector('.status');
  const words = data.words;
  // GeolocationPositionError codes; the browser's message is English whatever the page's language
  const why = {1: 'denied', 2: 'unavailable', 3: 'timeout'};
  button.textContent = words.button;
  function locate() {
    if (!navigator.geolocation) {
      status.textContent = words.unsupported;
      setStateValue('position', {error: 'unsupported'});
      return;
    }
    status.textContent = words.locating;
    navigator.geolocation.getCurrentPosition((p) => {
      const value = {lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy,
                     altitude_m: p.coords.altitude, at: new Date(p.timestamp).toISOString(),
                     utc_offset_min: -new Date().getTimezoneOffset()};
      status.textContent = words.accuracy.replace('{m}', Math.round(p.coords.accuracy));
      setStateValue('position', value);
    }, (e) => {
      const code = why[e.code] || 'unavailable';
      status.textContent = words.failed.replace('{why}', words[code]);
      setStateValue('position', {error: code, utc_offset_min: -new Date().getTimezoneOffset()});
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  }
  button.onclick = locate;
  if (data && data.auto) { locate(); }
}
"""

_component = None


def position(key: str = "geolocate", lang: str = "zh", auto: bool = True) -> dict | None:
    """Render the locate button; return {lon, lat, accuracy_m, altitude_m, at, utc_offset_min} once the browser
    has a fix, {error: 'denied' | 'unavailable' | 'timeout' | 'unsupported', …} when it has none, None before it
    answered."""
    global _component
    if _component is None:
        _component = st.components.v2.component("dixian_geolocate", html=_HTML, css=_CSS, js=_JS)
    words = {w: i18n.t(f"locate.{w}", lang) for w in WORDS}
    result = _component(key=key, data={"words": words, "auto": auto}, on_position_change=lambda: None)
    return getattr(result, "position", None)
