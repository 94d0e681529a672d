"""The emergency plan written out: the command's five files (CSV, GeoJSON, JSON), an Excel workbook with Chinese
headers, and a printable map (PNG or PDF, matplotlib: title, legend, scale bar, north arrow, date)."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo.db import STORAGE_SRID

WORDS = {  # key -> (zh, en)
    "title": ("应急送水方案", "Emergency water supply plan"),
    "scenario": ("情景", "Scenario"),
    "affected": ("受影响农户", "Affected households"),
    "vulnerable": ("重点人群农户（监测户、独居老人、残疾人）", "Vulnerable (monitored, elderly alone, disabled)"),
    "points": ("送水点", "Delivery points"),
    "routes": ("送水车路线", "Truck routes"),
    "sources_used": ("取水水源", "Sources supplying"),
    "failed": ("失效水源", "Sources out"),
    "unserved": ("无法送达农户", "Unserved households"),
    "made_on": ("制图日期", "Made on"),
    "north": ("北", "N"),
    "summary": ("汇总", "Summary"),
    "legs": ("运水任务", "Truck legs"),
    "assignments": ("农户分配", "Assignments"),
    # the water bureau's page
    "page_title": ("县水利局 · 应急供水与规划", "Water bureau · emergency supply and planning"),
    "tab_emergency": ("应急送水", "Emergency supply"),
    "tab_repair": ("维修优先", "Repair priority"),
    "tab_new": ("新水源选址", "New source sites"),
    "form_failed": ("失效或污染的水源", "Failed or contaminated sources"),
    "form_dry": ("枯水期（季节性水源停用，供水能力按系数折减）", "Dry season (seasonal sources off, capacities cut)"),
    "form_litres": ("人均日供水（升）", "Litres per person per day"),
    "form_truck": ("送水车容量（立方米）", "Truck capacity (m³)"),
    "form_day": ("每日工作时长（小时）", "Working day (hours)"),
    "form_dry_factor": ("枯水期能力系数", "Dry-season capacity factor"),
    "form_go": ("计算方案", "Compute the plan"),
    "form_need": ("请选择失效水源或勾选枯水期。", "Choose the failed sources or tick the dry season."),
    "basemap": ("底图", "Basemap"),
    "download_excel": ("下载方案（Excel）", "Download the plan (Excel)"),
    "download_png": ("下载挂图（PNG）", "Download the map (PNG)"),
    "download_pdf": ("下载挂图（PDF）", "Download the map (PDF)"),
    "download_csv": ("下载排序（CSV）", "Download the ranking (CSV)"),
    "rank_go": ("计算排序", "Rank"),
    "computed_in": ("计算用时 {s} 秒", "computed in {s} s"),
    "repair_note": ("按修复后可恢复达标的人口排序；关键度 = 其用户中无其他达标水源者的比例。",
                    "Ranked by people who regain compliance if repaired; crucialness = share of its users with no "
                    "other compliant source."),
    "new_note": ("候选点为自然村及网格点，按可新增达标人口依次排序（不重复计算）。",
                 "Candidate sites at natural villages and on a grid, ranked by people newly brought into compliance "
                 "(nobody counted twice)."),
    "none": ("无", "none"),
}

HEADERS_ZH = {
    "household_id": "农户编号", "subject_id": "农户编号", "name": "户主/名称", "natural_village_id": "自然村编号",
    "people": "人口", "vulnerable": "重点人群", "vulnerable_kinds": "重点类别", "reason": "原因",
    "source_before": "原水源", "source_now": "现最近水源", "failed_now": "现不达标条款",
    "delivery_point_id": "送水点编号", "id": "编号", "source_id": "水源编号", "m3_per_day": "日送水量(立方米)",
    "trips_per_day": "日车次", "route_km": "路线长度(公里)", "travel_min": "单程行车(分钟)", "households": "户数",
    "horizontal_m": "水平距离(米)", "vertical_m": "垂直距离(米)", "round_trip_min": "往返时间(分钟)",
    "distance_basis": "距离依据", "why": "原因(英文)", "why_zh": "原因", "trip_min": "每车次用时(分钟)",
    "truck_min_per_day": "日用车时间(分钟)", "lon": "经度", "lat": "纬度", "capacity_m3_per_day": "供水能力(立方米/日)",
    "own_users": "自有用水人口", "spare_m3_per_day": "富余能力(立方米/日)", "load_m3_per_day": "本方案取水(立方米/日)",
    "kind": "类型", "status": "状态", "demand_m3_per_day": "需水量(立方米/日)", "shortfall_m3_per_day": "缺口(立方米/日)",
    "item": "项目", "value": "数值",
}
SUMMARY_ZH = {"households": "受影响户数", "people": "受影响人口", "vulnerable_households": "重点人群户数",
              "m3_per_day": "日需水量(立方米)", "litres_per_person_day": "人均日供水(升)", "delivery_points": "送水点数",
              "served_households": "可送达户数", "unserved_households": "无法送达户数", "trucks": "所需送水车(辆)",
              "truck_m3": "单车容量(立方米)", "trips_per_day": "日车次", "truck_km_per_day": "日行车里程(公里)",
              "shortfall_m3_per_day": "供水缺口(立方米/日)", "rule_set": "规则", "seconds": "计算用时(秒)"}

SUMMARY_EN = {"households": "Affected households", "people": "People",
              "vulnerable_households": "Vulnerable households", "m3_per_day": "Water (m³/day)",
              "delivery_points": "Delivery points", "trucks": "Trucks",
              "trips_per_day": "Trips per day", "unserved_households": "Unserved households",
              "shortfall_m3_per_day": "Shortfall (m³/day)"}


def w(key: str, lang: str = "zh", **fmt) -> str:
    text = WORDS[key][0 if lang == "zh" else 1]
    return text.format(**fmt) if fmt else text


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
    tb["affected"].to_csv(folder / "affected.csv", index=False, encoding="utf-8")
    tb["assignments"].to_csv(folder / "assignments.csv", index=False, encoding="utf-8")
    tb["unserved"].to_csv(folder / "unserved.csv", index=False, encoding="utf-8")
    (folder / "delivery_points.geojson").write_text(json.dumps(points_geojson(plan), ensure_ascii=False),
                                                    encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(plan.summary, ensure_ascii=False, indent=2), encoding="utf-8")


# ------------------------------------------------------------------------------------------ Excel

def excel_bytes(plan) -> bytes:
    """The plan as an Excel workbook, one sheet per table, Chinese headers."""
    s = plan.summary
    summ = pd.DataFrame([(SUMMARY_ZH.get(k, k), s[k]) for k in SUMMARY_ZH if k in s], columns=["item", "value"])
    summ.loc[len(summ)] = ("情景", plan.scenario.describe(full=True))
    aff = plan.affected.reindex(columns=["subject_id", "name", "natural_village_id", "people", "vulnerable",
                                         "vulnerable_kinds", "reason", "source_before", "source_now", "failed_now"])
    pts = plan.points.reindex(columns=["id", "source_id", "m3_per_day", "trips_per_day", "route_km", "travel_min",
                                       "households", "people", "shortfall_m3_per_day", "lon", "lat"])
    legs = plan.legs.reindex(columns=["delivery_point_id", "source_id", "m3_per_day", "trips_per_day", "route_km",
                                      "travel_min", "trip_min", "truck_min_per_day"])
    src = plan.sources[plan.sources.load_m3_per_day > 0].reindex(
        columns=["id", "name", "kind", "capacity_m3_per_day", "own_users", "spare_m3_per_day", "load_m3_per_day"])
    sheets = [(w("summary"), summ), (w("affected"), aff), (w("points"), pts), (w("legs"), legs),
              (w("assignments"), plan.assignments.reindex(columns=["subject_id", "delivery_point_id", "horizontal_m",
                                                                   "vertical_m", "round_trip_min", "distance_basis"])),
              (w("unserved"), plan.unserved.reindex(columns=["subject_id", "name", "natural_village_id", "people",
                                                            "vulnerable", "why_zh", "why"])),
              (w("sources_used"), src)]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets:
            df.rename(columns=HEADERS_ZH).to_excel(xw, sheet_name=name[:31], index=False)
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

    from layers.printing import cjk_font
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
    ax.text(nx, ny + 0.09 * full, w("north", lang), fontsize=14, ha="center", va="bottom", weight="bold", zorder=9)
    what = plan.scenario.describe() if lang == "zh" else \
        (", ".join(plan.scenario.failed[:4]) + (f" and {len(plan.scenario.failed) - 4} more" if
                                                 len(plan.scenario.failed) > 4 else "") or "dry season")
    fig.text(0.03, 0.93, f"{w('title', lang)} · {what}",
             fontsize=18, weight="bold")
    handles = [
        Line2D([], [], marker="o", color="#fdae61", lw=0, ms=5, label=w("affected", lang)),
        Line2D([], [], marker="D", color="#d7191c", lw=0, ms=6, label=w("vulnerable", lang)),
        Line2D([], [], marker="o", mfc="none", mec="black", lw=0, ms=7, label=w("unserved", lang)),
        Line2D([], [], marker="s", color="#1a9850", lw=0, ms=8, label=w("points", lang)),
        Line2D([], [], color="#2166ac", lw=1.6, label=w("routes", lang)),
        Line2D([], [], marker="^", color="#2166ac", lw=0, ms=9, label=w("sources_used", lang)),
        Line2D([], [], marker="X", color="#b2182b", lw=0, ms=9, label=w("failed", lang)),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.71, 0.9), fontsize=9, frameon=True)
    s = plan.summary
    lines = [f"{SUMMARY_ZH[k] if lang == 'zh' else SUMMARY_EN[k]}: {s[k]}" for k in
             ("households", "people", "vulnerable_households", "m3_per_day", "delivery_points", "trucks",
              "trips_per_day", "unserved_households", "shortfall_m3_per_day")]
    fig.text(0.71, 0.50, "\n".join(lines), fontsize=9, va="top", linespacing=1.6)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")
    fig.text(0.03, 0.03, f"{w('made_on', lang)}：{today}    {s['rule_set']}", fontsize=8, color="#333333")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    plt.close(fig)
    return buf.getvalue()

