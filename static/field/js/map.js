// A small map with no tiles, drawn in SVG from the downloaded outlines: villages, roads, natural villages, the targets
// (due ones coloured) and where I stand with my accuracy. Drag to pan, buttons or pinch to zoom, tap a target.
const NS = "http://www.w3.org/2000/svg";
const HARDENED = new Set(["asphalt", "cement"]);

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function extent(features, points) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  const add = ([x, y]) => { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); };
  const walk = (c) => (typeof c[0] === "number" ? add(c) : c.forEach(walk));
  for (const f of features) walk(f.geometry.coordinates);
  points.forEach((p) => add([p.lon, p.lat]));
  return Number.isFinite(x0) ? [x0, y0, x1, y1] : null;
}

/** Draw into `box`; returns {update(opts)} to redraw with a new fix, targets or marks. opts: {outlines, targets:
 *  [{key, lon, lat, label, tone}], fix, onPick(key), labels: {zoomIn, zoomOut, locate}}. */
export function mount(box, opts) {
  box.replaceChildren();
  const svg = el("svg", { class: "map", role: "img" });
  const layer = el("g");
  svg.append(layer);
  const tools = document.createElement("div");
  tools.className = "map-tools";
  box.append(svg, tools);
  let o = opts;
  // open on my villages (the work is there); targets farther off come into view when zoomed out
  const villages = o.outlines.features.filter((f) => f.properties.layer === "village");
  const bounds = extent(villages, []) || extent(o.outlines.features, o.targets) || [0, 0, 1, 1];
  const view = { lon: (bounds[0] + bounds[2]) / 2, lat: (bounds[1] + bounds[3]) / 2, k: 1 };
  const size = () => ({ w: svg.clientWidth || 360, h: svg.clientHeight || 400 });
  const cos = Math.cos((view.lat * Math.PI) / 180);
  {
    const { w, h } = size();
    view.k = 0.9 * Math.min(w / Math.max((bounds[2] - bounds[0]) * cos, 1e-4), h / Math.max(bounds[3] - bounds[1], 1e-4));
  }
  const px = ([lon, lat]) => {
    const { w, h } = size();
    return [w / 2 + (lon - view.lon) * cos * view.k, h / 2 - (lat - view.lat) * view.k];
  };
  const path = (rings) => rings.map((r) => "M" + r.map((c) => px(c).map((v) => v.toFixed(1)).join(",")).join("L"))
    .join("");

  function draw() {
    layer.removeAttribute("transform");
    const g = el("g");
    for (const f of o.outlines.features) {
      const p = f.properties, geom = f.geometry;
      if (p.layer === "village") {
        const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
        for (const poly of polys) g.append(el("path", { d: path(poly) + "Z", class: "village" }));
      }
    }
    for (const f of o.outlines.features) {
      const p = f.properties, geom = f.geometry;
      if (p.layer === "road") {
        const lines = geom.type === "LineString" ? [geom.coordinates] : geom.coordinates;
        g.append(el("path", { d: path(lines), class: HARDENED.has(p.surface) ? "road hard" : "road" }));
      }
    }
    for (const f of o.outlines.features) {
      if (f.properties.layer === "natural_village") {
        const [x, y] = px(f.geometry.coordinates);
        g.append(el("circle", { cx: x, cy: y, r: 3, class: "hamlet" }),
                 el("text", { x: x + 5, y: y - 5, class: "hamlet-name" }, f.properties.name || ""));
      }
    }
    for (const t of o.targets) {
      const [x, y] = px([t.lon, t.lat]);
      const dot = el("g", { class: `target ${t.tone}`, "data-target": t.key, tabindex: 0, role: "button" });
      dot.append(el("title", {}, t.label), el("circle", { cx: x, cy: y, r: 18, class: "hit" }),
                 el("circle", { cx: x, cy: y, r: 7, class: "dot" }));
      dot.addEventListener("click", () => o.onPick(t.key));
      g.append(dot);
    }
    if (o.fix) {
      const [x, y] = px([o.fix.lon, o.fix.lat]);
      const r = (o.fix.accuracy_m / 111320) * view.k;  // metres to pixels at this zoom
      g.append(el("circle", { cx: x, cy: y, r: Math.max(r, 8), class: "accuracy" }),
               el("circle", { cx: x, cy: y, r: 7, class: "me" }));
    }
    const { h } = size();
    const metres = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
      .find((m) => (m / 111320) * view.k >= 60) || 50000;
    const len = (metres / 111320) * view.k;
    g.append(el("path", { d: `M12,${h - 14}h${len.toFixed(1)}`, class: "scale" }),
             el("text", { x: 12, y: h - 20, class: "scale-text" }, metres < 1000 ? `${metres} m` : `${metres / 1000} km`));
    layer.replaceChildren(g);
  }

  const zoom = (f) => { view.k *= f; draw(); };
  const button = (text, title, fn, name) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.dataset.tool = name;
    b.addEventListener("click", fn);
    tools.append(b);
  };
  button("+", o.labels.zoomIn, () => zoom(2), "in");
  button("−", o.labels.zoomOut, () => zoom(0.5), "out");
  button("◎", o.labels.locate, () => {
    if (o.fix) { view.lon = o.fix.lon; view.lat = o.fix.lat; view.k = Math.max(view.k, 400000); draw(); }
  }, "locate");

  // pan with one pointer, pinch with two; the picture moves as a whole and is drawn again when the fingers lift
  const pointers = new Map();
  let start = null;
  svg.addEventListener("pointerdown", (e) => {
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    start = { view: { ...view }, pts: [...pointers.values()].map((p) => [...p]) };
  });
  svg.addEventListener("pointermove", (e) => {
    if (!pointers.has(e.pointerId) || !start) return;
    pointers.set(e.pointerId, [e.clientX, e.clientY]);
    const pts = [...pointers.values()];
    if (pts.length === 1 && start.pts.length === 1) {
      const dx = pts[0][0] - start.pts[0][0], dy = pts[0][1] - start.pts[0][1];
      if (Math.hypot(dx, dy) > 4) {
        svg.setPointerCapture(e.pointerId);
        layer.setAttribute("transform", `translate(${dx},${dy})`);
        view.lon = start.view.lon - dx / (cos * view.k);
        view.lat = start.view.lat + dy / view.k;
      }
    } else if (pts.length === 2 && start.pts.length === 2) {
      const d = (a) => Math.hypot(a[0][0] - a[1][0], a[0][1] - a[1][1]);
      view.k = start.view.k * (d(pts) / Math.max(d(start.pts), 1));
      start.pinched = true;
    }
  });
  const end = (e) => {
    if (!pointers.delete(e.pointerId)) return;
    if (layer.hasAttribute("transform") || (start && start.pinched)) draw();  // a tap leaves the picture for its click
    start = pointers.size ? { view: { ...view }, pts: [...pointers.values()].map((p) => [...p]) } : null;
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("wheel", (e) => { e.preventDefault(); zoom(e.deltaY < 0 ? 1.25 : 0.8); }, { passive: false });

  draw();
  return { update(next) { o = { ...o, ...next }; draw(); } };
}
