"""The emergency plan written out: the command's five files (CSV, GeoJSON, JSON), an Excel workbook with Chinese
headers, and a printable map (PNG or PDF, matplotlib: title, legend, scale bar, north arrow, date). CSV and Excel
cells that a spreadsheet would read as formulas are neutralised (geo.cells)."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo import cells
from geo.db import STORAGE_SRID
from geo.i18n import label, t, vocabulary


# ------------------------------------------------------------------------------------------ the command's files

def tables(plan) -> dict[str, pd.DataFrame]:
    """The contract tables of the plan, columns exactly as the command writes them."""
    aff = plan.affected.rename(columns={"subject_id": "household_id"})
    asg = plan.assignments.rename(columns={"subject_id": "household_id"})
    un = plan.unserved.rename(columns={"subject_id": "household_id"})
    return {
        "affected": aff.reindex(columns=["household_id", "people", "vulnerable", "reason"]),
        "assignments": asg.reindex(columns=["household_id", "delivery_point_id", "horizontal_m", "vertical_m",
                                            "round_trip_min"]).round({"horizontal_m": 1, "vertical_m": 1,
                                                                      "round_trip_min": 2}),
        "unserved": un.reindex(columns=["household_id", "why"]),
    }


def points_geojson(plan) -> dict:
    """Delivery points as a GeoJSON FeatureCollection (EPSG:4490 lon/lat)."""
    feats = []
    for r in plan.points.itertuples():
        point = {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]}
        feats.append({"type": "Feature", "geometry": point,
                      "properties": {"id": r.id, "source_id": r.source_id if isinstance(r.source_id, str) else None,
                                     "m3_per_day": round(float(r.m3_per_day), 3) if pd.notna(r.m3_per_day) else 0.0,
                                     "trips_per_day": int(r.trips_per_day) if pd.notna(r.trips_per_day) else 0,
                                     "route_km": round(float(r.route_km), 3) if pd.notna(r.route_km) else None,
                                     "households": int(r.households)}})
    return {"type": "FeatureCollection", "name": "delivery_points",
            "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{STORAGE_SRID}"}}, "features": feats}


def write_files(plan, folder: Path) -> None:
    """affected.csv, delivery_points.geojson, assignments.csv, unserved.csv, summary.json into `folder`."""
    tb = tables(plan)
    for name in ("affected", "assignments", "unserved"):
        cells.to_csv(tb[name], folder / f"{name}.csv")
    (folder / "delivery_points.geojson").write_text(json.dumps(points_geojson(plan), ensure_ascii=False),
                                                    encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(plan.summary, ensure_ascii=False, indent=2), encoding="utf-8")


# ------------------------------------------------------------------------------------------ Excel

def excel_bytes(plan) -> bytes:
    """The plan as an Excel workbook, one sheet per table, Chinese headers."""
    s = plan.summary
    summ = pd.DataFrame([(label("plan_summary", k), s[k]) for k in vocabulary("plan_summary") if k in s],
                        columns=["item", "value"])
    summ.loc[len(summ)] = (t("plan.scenario"), plan.scenario.describe(full=True))
    aff = plan.affected.reindex(columns=["subject_id", "name", "natural_village_id", "people", "vulnerable",
                                         "vulnerable_kinds", "reason", "source_before", "source_now", "failed_now"])
    pts = plan.points.reindex(columns=["id", "source_id", "m3_per_day", "trips_per_day", "route_km", "travel_min",
                                       "households", "people", "shortfall_m3_per_day", "lon", "lat"])
    legs = plan.legs.reindex(columns=["delivery_point_id", "source_id", "m3_per_day", "trips_per_day", "route_km",
                                      "travel_min", "trip_min", "truck_min_per_day"])
    src = plan.sources[plan.sources.load_m3_per_day > 0].reindex(
        columns=["id", "name", "kind", "capacity_m3_per_day", "own_users", "spare_m3_per_day", "load_m3_per_day"])
    sheets = [(t("plan.summary"), summ), (t("plan.affected"), aff), (t("plan.points"), pts), (t("plan.legs"), legs),
              (t("plan.assignments"), plan.assignments.reindex(columns=["subject_id", "delivery_point_id",
                                                                        "horizontal_m", "vertical_m", "round_trip_min",
                                                                        "distance_basis"])),
              (t("plan.unserved"), plan.unserved.reindex(columns=["subject_id", "name", "natural_village_id", "people",
                                                            "vulnerable", "why_zh", "why"])),
              (t("plan.sources_used"), src)]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets:
            cells.neutralise_frame(df.rename(columns=lambda c: label("plan_column", c))).to_excel(
                xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            for col in ws.columns:
                ws.column_dimensions[col[0].column_letter].width = max(10, min(40, 2 + max(
                    len(str(c.value or "")) * (2 if any(ord(ch) > 255 for ch in str(c.value or "")) else 1)
                    for c in col[:200])))
            ws.freeze_panes = "A2"
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ printable map

def map_bytes(plan, fmt: str = "png", lang: str = "zh", conn=None, dpi: int = 150) -> bytes:
    """A printable A4-landscape map of the plan in the metric frame: affected households (vulnerable marked),
    delivery points, truck routes, sources used and out; title, legend, scale bar, north arrow, date."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow, Rectangle

    from board.wallmap import cjk_font
    plt.rcParams["font.family"] = [cjk_font(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    fig = plt.figure(figsize=(11.69, 8.27), dpi=dpi)
    ax = fig.add_axes([0.03, 0.08, 0.66, 0.82])
    a, pts, src = plan.affected, plan.points, plan.sources
    used = src[src.load_m3_per_day > 0]
    xs = [a.x.to_numpy(float) if len(a) else np.zeros(0), pts.x.to_numpy(float) if len(pts) else np.zeros(0),
          used.x.to_numpy(float)]
    ys = [a.y.to_numpy(float) if len(a) else np.zeros(0), pts.y.to_numpy(float) if len(pts) else np.zeros(0),
          used.y.to_numpy(float)]
    for r in plan.routes_m:
        x, y = r.xy
        ax.plot(x, y, color="#2166ac", lw=1.6, alpha=0.8, zorder=3)
        xs.append(np.asarray(x)); ys.append(np.asarray(y))
    if conn is not None and plan.scenario.failed:
        from .scenario import query
        fs = query(conn, "failed_positions", {"ids": list(plan.scenario.failed)})
        ax.scatter(fs.x, fs.y, s=80, marker="X", c="#b2182b", edgecolors="white", lw=0.6, zorder=3.5)
        xs.append(fs.x.to_numpy(float)); ys.append(fs.y.to_numpy(float))
    served = set(plan.assignments.subject_id)
    if len(a):
        sv = a.subject_id.isin(served).to_numpy()
        vul = a.vulnerable.to_numpy(bool)
        ax.scatter(a.x[sv & ~vul], a.y[sv & ~vul], s=10, c="#fdae61", lw=0, zorder=4)
        ax.scatter(a.x[sv & vul], a.y[sv & vul], s=22, c="#d7191c", marker="D", lw=0, zorder=5)
        ax.scatter(a.x[~sv], a.y[~sv], s=26, facecolors="none", edgecolors="#000000", lw=1.0, zorder=5)
    if len(pts):
        ax.scatter(pts.x, pts.y, s=70, marker="s", c="#1a9850", edgecolors="white", lw=0.8, zorder=6)
        for r in pts.itertuples():
            ax.annotate(r.id, (r.x, r.y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=8)
    ax.scatter(used.x, used.y, s=90, marker="^", c="#2166ac", edgecolors="white", lw=0.8, zorder=6)
    X = np.concatenate(xs) if xs else np.zeros(0)
    Y = np.concatenate(ys) if ys else np.zeros(0)
    if len(X) == 0:
        X, Y = np.array([0.0, 1000.0]), np.array([0.0, 1000.0])
    x0, x1, y0, y1 = X.min(), X.max(), Y.min(), Y.max()
    span = max(x1 - x0, y1 - y0, 500.0)
    pad = 0.06 * span
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - span / 2 - pad, cx + span / 2 + pad)
    ax.set_ylim(cy - span / 2 - pad, cy + span / 2 + pad)
    ax.set_aspect("equal"); ax.set_xticks([]); ax.set_yticks([])
    full = span + 2 * pad
    raw = full / 5
    e = 10 ** np.floor(np.log10(raw))
    length = float(max(m * e for m in (1, 2, 5) if m * e <= raw))
    bx, by, h = cx - span / 2 - pad + 0.04 * full, cy - span / 2 - pad + 0.04 * full, 0.008 * full
    ax.add_patch(Rectangle((bx, by), length / 2, h, fc="black", ec="black", zorder=9))
    ax.add_patch(Rectangle((bx + length / 2, by), length / 2, h, fc="white", ec="black", zorder=9))
    ax.text(bx, by + 1.8 * h, "0", fontsize=8, ha="center", zorder=9)
    ax.text(bx + length, by + 1.8 * h, f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m", fontsize=8,
            ha="center", zorder=9)
    nx, ny = cx + span / 2 + pad - 0.06 * full, cy + span / 2 + pad - 0.16 * full
    ax.add_patch(FancyArrow(nx, ny, 0, 0.08 * full, width=0.012 * full, head_width=0.035 * full,
                            head_length=0.035 * full, length_includes_head=True, color="black", zorder=9))
    ax.text(nx, ny + 0.09 * full, t("north", lang), fontsize=14, ha="center", va="bottom", weight="bold", zorder=9)
    what = plan.scenario.describe() if lang != "en" else \
        (", ".join(plan.scenario.failed[:4]) + (t("plan.and_more", lang, n=len(plan.scenario.failed) - 4) if
                                                 len(plan.scenario.failed) > 4 else "") or t("plan.dry_season", lang))
    fig.text(0.03, 0.93, f"{t('plan.title', lang)} · {what}",
             fontsize=18, weight="bold")
    handles = [
        Line2D([], [], marker="o", color="#fdae61", lw=0, ms=5, label=t("plan.affected", lang)),
        Line2D([], [], marker="D", color="#d7191c", lw=0, ms=6, label=t("plan.vulnerable", lang)),
        Line2D([], [], marker="o", mfc="none", mec="black", lw=0, ms=7, label=t("plan.unserved", lang)),
        Line2D([], [], marker="s", color="#1a9850", lw=0, ms=8, label=t("plan.points", lang)),
        Line2D([], [], color="#2166ac", lw=1.6, label=t("plan.routes", lang)),
        Line2D([], [], marker="^", color="#2166ac", lw=0, ms=9, label=t("plan.sources_used", lang)),
        Line2D([], [], marker="X", color="#b2182b", lw=0, ms=9, label=t("plan.failed", lang)),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.71, 0.9), fontsize=9, frameon=True)
    s = plan.summary
    lines = [f"{label('plan_summary', k, lang)}: {s[k]}" for k in
             ("households", "people", "vulnerable_households", "m3_per_day", "delivery_points", "trucks",
              "trips_per_day", "unserved_households", "shortfall_m3_per_day")]
    fig.text(0.71, 0.50, "\n".join(lines), fontsize=9, va="top", linespacing=1.6)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")
    fig.text(0.03, 0.03, f"{t('print_date', lang)}：{today}    {s['rule_set']}", fontsize=8, color="#333333")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    plt.close(fig)
    return buf.getvalue()

