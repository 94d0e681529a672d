/* The planner's map's vector-tile layers (each described by layers/tiles.py). Leaflet.VectorGrid fetches and draws
   the tiles in view; this script paints each feature by its layer's rules and, since the tiles' canvases take no
   pointer events, finds the feature under the mouse itself: a tooltip on hover, a popup on click, and the click
   handed to the page (streamlit-folium's last_object_clicked_tooltip) so that its explanation opens beside the map.
   Every value is set as text (textContent), never as markup. */
(function () {
  "use strict";
  var DX = window.DX = window.DX || {layers: [], answered: {}};
  var PANE = "dixianTiles";

  // --- paint: a constant, or a rule over the feature's properties (layers/tiles.py By, Steps, Sized) ---------------
  function rule(spec, props) {
    if (spec === null || typeof spec !== "object") return spec;
    if ("by" in spec) {
      var k = props[spec.by];
      k = (k === undefined || k === null) ? "null" : String(k);
      return Object.prototype.hasOwnProperty.call(spec.values, k) ? spec.values[k] : spec.default;
    }
    if ("steps" in spec) {
      var v = props[spec.steps];
      if (v === undefined || v === null || v !== v) return spec.missing;
      for (var i = 0; i < spec.bounds.length; i++) if (v < spec.bounds[i]) return spec.values[i];
      return spec.values[spec.values.length - 1];
    }
    if ("sized" in spec) return Math.min(spec.hi, spec.lo + Math.sqrt(Math.max(0, +props[spec.sized] || 0)));
    return spec;
  }

  function paint(p, props) {
    var o = {fill: "fillColor" in p, stroke: true};
    for (var k in p) o[k] = rule(p[k], props);
    return o;
  }

  // --- what a feature says: its tooltip and its popup (layers/popup.py Popup.client) -------------------------------
  function missing(v) { return v === undefined || v === null || v === "" || v !== v; }

  function written(fmt, v) {
    if (fmt && "yes_no" in fmt) return v === true ? fmt.yes_no[0] : (v === false ? fmt.yes_no[1] : fmt.yes_no[2]);
    if (missing(v)) return "";
    if (!fmt) return String(v);
    if ("coded" in fmt) {
      return String(v).split(";").map(function (c) {
        return Object.prototype.hasOwnProperty.call(fmt.coded, c) ? fmt.coded[c] : c;
      }).join(fmt.sep);
    }
    if ("number" in fmt) {
      return Number(v).toLocaleString("en-US", {minimumFractionDigits: fmt.number, maximumFractionDigits: fmt.number});
    }
    if ("percent" in fmt) return (100 * Number(v)).toFixed(fmt.percent) + "%";
    return String(v);
  }

  function tipText(popup, props) {
    return popup.tip.map(function (c) { return missing(props[c]) ? "" : String(props[c]); }).join(popup.sep);
  }

  function el(tag, text, parent) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  function popupContent(popup, props) {
    var table = el("table");
    popup.fields.forEach(function (f) {
      var tr = el("tr", undefined, table);
      el("th", f.h, tr);
      el("td", written(f.f, props[f.p]), tr);
    });
    return table;
  }

  // --- the tiled layer -----------------------------------------------------------------------------------------------
  function signedIn() {
    // The page hands its session to the browser (an HttpOnly cookie) as it opens: wait for it before asking for tiles.
    if (!DX._session) {
      DX._session = new Promise(function (resolve) {
        var tries = 0;
        (function ask() {
          fetch("/tiles/session", {credentials: "same-origin"}).then(function (r) {
            if (r.ok || ++tries >= 40) resolve(r.ok); else setTimeout(ask, 250);
          }, function () { if (++tries >= 40) resolve(false); else setTimeout(ask, 250); });
        })();
      });
    }
    return DX._session;
  }

  L.DixianTiles = L.VectorGrid.Protobuf.extend({
    initialize: function (spec) {
      var self = this, styles = {};
      this.spec = spec;
      this._dx = {};   // tile key -> {coords, feats: [{props, type, parts (tile pixels)}]}
      styles[spec.name] = function (props, z) { return paint(self.look(z).paint, props); };
      L.VectorGrid.Protobuf.prototype.initialize.call(this, spec.url, {
        rendererFactory: L.canvas.tile, vectorTileLayerStyles: styles, interactive: false, pane: PANE,
        minZoom: spec.minZoom, maxZoom: 22, fetchOptions: {credentials: "same-origin"}
      });
      this.on("tileunload", function (e) { delete self._dx[self._tileCoordsToKey(e.coords)]; });
      DX.layers.push(this);
    },

    look: function (z) { return z >= this.spec.detail ? this.spec.fine : this.spec.coarse; },

    onAdd: function (map) {
      if (!map.getPane(PANE)) {
        var pane = map.createPane(PANE);
        pane.style.zIndex = 450;          // above the GeoJSON areas (overlayPane 400), below markers
        pane.style.pointerEvents = "none";
      }
      hook(map);
      return L.VectorGrid.Protobuf.prototype.onAdd.call(this, map);
    },

    _getVectorTilePromise: function (coords) {
      var self = this, parent = L.VectorGrid.Protobuf.prototype._getVectorTilePromise;
      return signedIn().then(function () { return parent.call(self, coords); }).then(function (vt) {
        var data = vt.layers[self.spec.name], feats = [], key = self._tileCoordsToKey(coords);
        if (data) {
          var s = self.getTileSize().x / data.extent;
          data.features.forEach(function (f) {
            feats.push({props: f.properties, type: f.type, parts: f.geometry.map(function (ring) {
              return ring.map(function (p) { return [p.x * s, p.y * s]; });
            })});
          });
        }
        if (self._tiles[key]) self._dx[key] = {coords: coords, feats: feats};
        DX.answered[self.spec.name] = (DX.answered[self.spec.name] || 0) + 1;
        return vt;
      });
    }
  });

  L.dixianTiles = function (spec) { return new L.DixianTiles(spec); };

  // --- finding the feature under the mouse -------------------------------------------------------------------------
  function segDist(p, a, b) {
    var dx = b[0] - a[0], dy = b[1] - a[1], l = dx * dx + dy * dy;
    var t = l ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l)) : 0;
    var x = a[0] + t * dx - p[0], y = a[1] + t * dy - p[1];
    return Math.sqrt(x * x + y * y);
  }

  function hit(map, cp) {
    // the top-most tiled feature under container point `cp`: {layer, look, props, latlng}
    var latlng = map.containerPointToLatLng(cp);
    for (var i = DX.layers.length - 1; i >= 0; i--) {
      var layer = DX.layers[i], tz = layer._tileZoom;
      if (layer._map !== map || tz === undefined || map.getZoom() < layer.options.minZoom) continue;
      var look = layer.look(tz);
      if (!look) continue;
      var size = layer.getTileSize(), scale = map.getZoomScale(map.getZoom(), tz);
      var gp = map.project(latlng, tz);
      var coords = L.point(Math.floor(gp.x / size.x), Math.floor(gp.y / size.y));
      coords.z = tz;
      var rec = layer._dx[layer._tileCoordsToKey(coords)];
      if (!rec) continue;
      var p = [gp.x - coords.x * size.x, gp.y - coords.y * size.y];
      for (var j = rec.feats.length - 1; j >= 0; j--) {
        var f = rec.feats[j], st = paint(look.paint, f.props), reach = ((st.weight || 0) / 2 + 3) / scale;
        if (f.type === 1) {
          var q = f.parts[0][0];
          if (Math.hypot(p[0] - q[0], p[1] - q[1]) <= (st.radius || 5) + reach) {
            return {layer: layer, look: look, props: f.props,
                    latlng: map.unproject([coords.x * size.x + q[0], coords.y * size.y + q[1]], tz)};
          }
        } else if (f.type === 2) {
          for (var r = 0; r < f.parts.length; r++) {
            for (var s = 1; s < f.parts[r].length; s++) {
              if (segDist(p, f.parts[r][s - 1], f.parts[r][s]) <= reach) {
                return {layer: layer, look: look, props: f.props, latlng: latlng};
              }
            }
          }
        }
      }
    }
    return null;
  }

  function tellPage(map, text, latlng) {
    // streamlit-folium 0.27.4 (pinned) keeps what it returns in __GLOBAL_DATA__ and sends it on moveend
    var g = window.__GLOBAL_DATA__;
    if (!g) return;
    g.last_object_clicked = latlng;
    g.last_object_clicked_tooltip = text;
    g.last_object_clicked_count = (g.last_object_clicked_count || 0) + 1;
    map.fire("moveend");
  }

  function onControl(target) {
    return target && target.closest && target.closest(".leaflet-control-container, .leaflet-popup, .leaflet-tooltip");
  }

  function hook(map) {
    if (map._dixianHooked) return;
    map._dixianHooked = true;
    DX.map = map;
    var box = map.getContainer(), down = null, tip = L.tooltip({direction: "top", offset: [0, -6], className: "dx-tip"}), pending = false;
    box.addEventListener("mousedown", function (e) { down = [e.clientX, e.clientY]; }, true);
    // capture: before Leaflet's own handlers, so a tiled feature drawn over an area wins the click
    box.addEventListener("click", function (e) {
      if (onControl(e.target) || (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4)) return;
      var h = hit(map, map.mouseEventToContainerPoint(e));
      if (!h) return;
      e.stopPropagation();
      e.preventDefault();
      map.closeTooltip(tip);
      L.popup({maxWidth: 360}).setLatLng(h.latlng).setContent(popupContent(h.look.popup, h.props)).openOn(map);
      var text = tipText(h.look.popup, h.props);
      if (text) tellPage(map, text, h.latlng);
    }, true);
    // hover: our tooltip, and while it shows the GeoJSON layers' own tooltips (an area under the feature) are hidden
    var css = document.createElement("style");
    css.textContent = ".dx-hovering .leaflet-tooltip:not(.dx-tip) {display: none}";
    document.head.appendChild(css);
    box.addEventListener("mousemove", function (e) {
      if (pending || onControl(e.target)) return;
      pending = true;
      L.Util.requestAnimFrame(function () {
        pending = false;
        var h = map._loaded ? hit(map, map.mouseEventToContainerPoint(e)) : null;
        var text = h ? tipText(h.look.popup, h.props) : "";
        box.style.cursor = h ? "pointer" : "";
        L.DomUtil[text ? "addClass" : "removeClass"](box, "dx-hovering");
        if (!text) { map.closeTooltip(tip); return; }
        tip.setLatLng(h.latlng).setContent(el("span", text));
        if (!map.hasLayer(tip)) map.openTooltip(tip);
      });
    }, true);
  }

  // --- for tests and benchmarks: what the layers drew -----------------------------------------------------------------
  DX.drawn = function (name) {
    // [{props, lat, lng}] of the point features of layer `name` in the tiles loaded now (a feature near a tile's edge
    // is in both tiles: callers count distinct ids)
    var out = [];
    DX.layers.forEach(function (layer) {
      if (layer.spec.name !== name || !layer._map) return;
      var size = layer.getTileSize();
      Object.keys(layer._dx).forEach(function (key) {
        var rec = layer._dx[key];
        if (!layer._tiles[key] || rec.coords.z !== layer._tileZoom) return;
        rec.feats.forEach(function (f) {
          if (f.type !== 1) return;
          var q = f.parts[0][0], ll = layer._map.unproject([rec.coords.x * size.x + q[0], rec.coords.y * size.y + q[1]],
                                                            rec.coords.z);
          out.push({props: f.props, lat: ll.lat, lng: ll.lng});
        });
      });
    });
    return out;
  };
  DX.hitAt = function (x, y) {
    // the properties of the tiled feature a click at container point (x, y) would open, or null
    var h = DX.map ? hit(DX.map, L.point(x, y)) : null;
    return h ? h.props : null;
  };
  DX.loading = function () {
    return DX.layers.some(function (layer) { return layer._map && layer.isLoading && layer.isLoading(); });
  };
})();
