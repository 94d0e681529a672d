"""The browser's position for Streamlit pages: a tiny inline component (no CDN, works offline) that asks the phone
for its GNSS fix with accuracy, and the device's time zone, and hands them to Python."""
from __future__ import annotations

import streamlit as st

_HTML = """
<div class="geo">
  <button type="button" class="locate">📍 定位 / Locate</button>
  <span class="status"></span>
</div>
"""

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
  const en = data && data.lang === 'en';
  function locate() {
    if (!navigator.geolocation) {
      status.textContent = en ? 'This browser cannot locate' : '此浏览器不支持定位';
      setStateValue('position', {error: 'unsupported'});
      return;
    }
    status.textContent = en ? 'Locating…' : '正在定位…';
    navigator.geolocation.getCurrentPosition((p) => {
      const value = {lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy,
                     altitude_m: p.coords.altitude, at: new Date(p.timestamp).toISOString(),
                     utc_offset_min: -new Date().getTimezoneOffset()};
      status.textContent = (en ? 'Accuracy ' : '精度 ') + Math.round(p.coords.accuracy) + ' m';
      setStateValue('position', value);
    }, (e) => {
      status.textContent = (en ? 'No position: ' : '无法定位：') + e.message;
      setStateValue('position', {error: e.message, utc_offset_min: -new Date().getTimezoneOffset()});
    }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
  }
  button.onclick = locate;
  if (data && data.auto) { locate(); }
}
"""

_component = None


def position(key: str = "geolocate", lang: str = "zh", auto: bool = True) -> dict | None:
    """Render the locate button; return {lon, lat, accuracy_m, altitude_m, at, utc_offset_min} once the browser
    has a fix, {error, …} when it refused, None before it answered."""
    global _component
    if _component is None:
        _component = st.components.v2.component("dixian_geolocate", html=_HTML, css=_CSS, js=_JS)
    result = _component(key=key, data={"lang": lang, "auto": auto}, on_position_change=lambda: None)
    return getattr(result, "position", None)
