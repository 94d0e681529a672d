"""The map's legend: one Leaflet control listing each layer's symbols; a layer switched off in the layer control
hides its legend section too."""
from __future__ import annotations

import html

from branca.element import MacroElement
from jinja2 import Template

from .base import Legend


def _symbol(color: str, shape: str) -> str:
    if shape == "line":
        return f'<span style="display:inline-block;width:18px;height:0;border-top:3px solid {color};' \
               f'vertical-align:middle"></span>'
    if shape == "dash":
        return f'<span style="display:inline-block;width:18px;height:0;border-top:3px dashed {color};' \
               f'vertical-align:middle"></span>'
    if shape == "box":
        return f'<span style="display:inline-block;width:14px;height:12px;background:{color};' \
               f'border:1px solid #888;vertical-align:middle"></span>'
    if shape == "ring":
        return f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;' \
               f'border:3px solid {color};vertical-align:middle"></span>'
    return f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:{color};' \
           f'border:1px solid #fff;box-shadow:0 0 0 1px #888;vertical-align:middle"></span>'


def legend_html(legends: list[Legend], title: str) -> str:
    parts = ['<style>.dx-legend .dx-folded{display:none}.dx-legend-title{cursor:pointer;font-weight:bold}</style>'
             f'<div class="dx-legend-title">{html.escape(title)} ▾</div>']
    for lg in legends:
        rows = "".join(f'<div class="dx-row">{_symbol(c, s)} {html.escape(label)}</div>' for c, label, s in lg.rows)
        note = f'<div class="dx-note">{html.escape(lg.note)}</div>' if lg.note else ""
        parts.append(f'<div class="dx-sec" data-layer="{html.escape(lg.title)}"><b>{html.escape(lg.title)}</b>'
                     f'{rows}{note}</div>')
    return "".join(parts)


class MapLegend(MacroElement):
    """A bottom-left control holding the legend HTML; on a narrow map (a phone) it and the layer list start folded."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: 'bottomleft'});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'dx-legend');
                div.innerHTML = {{ this.body|tojson }};
                div.style.cssText = 'background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;' +
                    'font:12px/1.45 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-height:46vh;' +
                    'overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:260px';
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
            // the legend folds to its title (a click toggles it) and folds while a popup is open, so that it
            // never hides a popup's record; on a narrow map (a phone) it starts folded, and the layer list too
            // (its toggle opens it, a tap on the map closes it again)
            var narrow = false, folded = false;
            function fold(f) {
                document.querySelectorAll('.dx-legend .dx-sec').forEach(function (el) {
                    el.classList.toggle('dx-folded', f);
                });
            }
            document.querySelector('.dx-legend .dx-legend-title').addEventListener('click', function () {
                folded = !folded; fold(folded);
            });
            function shut() {
                if (!narrow) return;
                document.querySelectorAll('.leaflet-control-layers').forEach(function (el) {
                    el.classList.remove('leaflet-control-layers-expanded');
                });
            }
            function fit() {   // on becoming narrow (opened on a phone, or the window made small)
                if (narrow || map.getSize().x >= 600) { narrow = map.getSize().x < 600; return; }
                narrow = folded = true;
                fold(true);
                setTimeout(shut, 0);   // after the layer control, added next, has expanded itself
            }
            fit();
            map.on('resize', fit);
            map.on('click', shut);
            map.on('popupopen', function () { fold(true); });
            map.on('popupclose', function () { fold(folded); });
            function toggle(name, show) {
                document.querySelectorAll('.dx-legend .dx-sec').forEach(function (el) {
                    if (el.getAttribute('data-layer') === name) { el.style.display = show ? '' : 'none'; }
                });
            }
            map.on('overlayadd', function (e) { toggle(e.name, true); });
            map.on('overlayremove', function (e) { toggle(e.name, false); });
        })();
        {% endmacro %}
    """)

    def __init__(self, legends: list[Legend], title: str):
        super().__init__()
        self._name = "MapLegend"
        self.body = legend_html(legends, title)
