"""The wall map (挂图作战) of one township at A3: boundaries, roads, natural villages by road status, water sources,
monitored households, households failing the water rule and dangerous houses, with title, legend, scale bar, north
arrow, date and data source; PNG or PDF, drawn with matplotlib in the data's metric frame."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Patch, Rectangle  # noqa: E402

from geo import db  # noqa: E402
from geo.i18n import label, t  # noqa: E402
from layers.base import default_rule_set  # noqa: E402
from layers.roads import HARD, NV_COLOR, SOFT  # noqa: E402
from layers.water import FAIL_COLOR, STATUS_COLOR  # noqa: E402

SQL = db.SqlFiles(__file__)   # board/sql/NAME.sql

A3_LANDSCAPE_IN = (16.54, 11.69)   # 420 × 297 mm
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei"]


class NoCJKFont(RuntimeError):
    pass


def cjk_font() -> str:
    """The first installed font that has Chinese glyphs (Debian: fonts-noto-cjk)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in names:
            return name
    raise NoCJKFont("no Chinese font found: install fonts-noto-cjk (apt-get install -y fonts-noto-cjk; "
                    "`make setup` does it)")


def _geoms(df):
    return shapely.from_wkb([bytes(g) for g in df["geom"]]) if len(df) else np.array([], dtype=object)


def _draw_polys(ax, geoms, **kw):
    for g in geoms:
        for poly in getattr(g, "geoms", [g]):
            x, y = poly.exterior.xy
            ax.plot(x, y, **kw)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length near a fifth of the map's width."""
    raw = span_m / 5
    exp = 10 ** np.floor(np.log10(raw))
    return float(max(m * exp for m in (1, 2, 5) if m * exp <= raw))


def township_map(conn, township: str, lang: str = "zh", fmt: str = "png", rule_set: str | None = None,
                 dpi: int = 150) -> bytes:
    """The A3 wall map of a township as PNG or PDF bytes."""
    rule_set = rule_set or default_rule_set(conn)
    p = {"township": township, "rule_set": rule_set}
    admin = db.query_df(conn, SQL("print_admin"), p)
    if admin.empty or township not in set(admin["code"].str.strip()):
        raise LookupError(f"no township {township} with a boundary in the database")
    plt.rcParams["font.family"] = [cjk_font(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    fig = plt.figure(figsize=A3_LANDSCAPE_IN, dpi=dpi)
    ax = fig.add_axes([0.03, 0.07, 0.72, 0.83])
    geoms = _geoms(admin)
    is_tw = (admin["code"].str.strip() == township).to_numpy()
    _draw_polys(ax, geoms[~is_tw], color="#9a9a9a", lw=0.8, zorder=2)
    _draw_polys(ax, geoms[is_tw], color="#222222", lw=2.4, zorder=3)
    for g, name in zip(geoms[~is_tw], admin["name"][~is_tw]):
        c = g.representative_point()
        ax.text(c.x, c.y, name, fontsize=10, color="#555555", ha="center", va="center", zorder=4, alpha=0.8)
    roads = db.query_df(conn, SQL("print_roads"), p)
    for g, hard in zip(_geoms(roads), roads["hardened"]):
        for line in getattr(g, "geoms", [g]):
            x, y = line.xy
            ax.plot(x, y, color=HARD if hard else SOFT, lw=1.6 if hard else 1.0, ls="-" if hard else "--", zorder=5)
    pts = db.query_df(conn, SQL("print_points"), p)

    def sel(what, state=None):
        d = pts[pts["what"] == what]
        return d if state is None else d[d["state"] == state]

    ax.scatter(sel("monitored")["x"], sel("monitored")["y"], s=10, c="#fc8d59", zorder=6, lw=0)
    ax.scatter(sel("house")["x"], sel("house")["y"], s=26, marker="s", facecolors="none", edgecolors="#d73027",
               lw=1.2, zorder=7)
    ax.scatter(sel("water_fail")["x"], sel("water_fail")["y"], s=28, marker="x", c=FAIL_COLOR, lw=1.4, zorder=8)
    for state, color in STATUS_COLOR.items():
        d = sel("source", state)
        ax.scatter(d["x"], d["y"], s=60, marker="^", c=color, edgecolors="white", lw=0.8, zorder=9)
    for state, key in (("gap", "gap"), ("ok", "ok"), ("other", "not_required")):
        d = sel("nv", state)
        ax.scatter(d["x"], d["y"], s=48, c=NV_COLOR[key], edgecolors="#333333", lw=0.6, zorder=10)
        if state == "gap":
            for _, r in d.iterrows():
                ax.annotate(r["name"], (r["x"], r["y"]), xytext=(4, 4), textcoords="offset points", fontsize=8,
                            color="#a50f15", zorder=11)
    seats = sel("seat")
    ax.scatter(seats["x"], seats["y"], s=150, marker="*", c="#b30000", edgecolors="white", lw=0.8, zorder=12)
    ax.set_aspect("equal")
    tw = geoms[is_tw][0]
    x0, y0, x1, y1 = tw.bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#444444")

    # scale bar and north arrow, in the metric frame's metres
    span = (x1 - x0) + 2 * pad
    length = _nice_length(span)
    bx, by = x0 - pad + 0.04 * span, y0 - pad + 0.04 * span
    h = 0.008 * span
    ax.add_patch(Rectangle((bx, by), length / 2, h, fc="black", ec="black", zorder=13))
    ax.add_patch(Rectangle((bx + length / 2, by), length / 2, h, fc="white", ec="black", zorder=13))
    scale = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 1.8 * h, "0", fontsize=9, ha="center", zorder=13)
    ax.text(bx + length, by + 1.8 * h, scale, fontsize=9, ha="center", zorder=13)
    nx, ny = x1 + pad - 0.06 * span, y1 + pad - 0.14 * span
    ax.add_patch(FancyArrow(nx, ny, 0, 0.08 * span, width=0.012 * span, head_width=0.035 * span,
                            head_length=0.035 * span, length_includes_head=True, color="black", zorder=13))
    ax.text(nx, ny + 0.09 * span, t("north", lang), fontsize=16, ha="center", va="bottom", weight="bold", zorder=13)

    name = admin.loc[is_tw, "name"].iloc[0]
    fig.text(0.03, 0.94, t("print_title", lang, name=name), fontsize=26, weight="bold")
    handles = [
        Line2D([], [], color="#222222", lw=2.4, label=t("township_boundary", lang)),
        Line2D([], [], color="#9a9a9a", lw=0.8, label=t("village_boundary", lang)),
        Line2D([], [], color=HARD, lw=1.6, label=t("hardened", lang)),
        Line2D([], [], color=SOFT, lw=1.0, ls="--", label=t("not_hardened", lang)),
        Line2D([], [], marker="*", color="#b30000", lw=0, ms=13, label=t("seat", lang)),
        Line2D([], [], marker="o", color=NV_COLOR["gap"], mec="#333", lw=0, ms=8, label=t("road_gap", lang)),
        Line2D([], [], marker="o", color=NV_COLOR["ok"], mec="#333", lw=0, ms=8, label=t("road_ok", lang)),
        Line2D([], [], marker="o", color=NV_COLOR["not_required"], mec="#333", lw=0, ms=8,
               label=t("road_not_required", lang)),
    ]
    handles += [Line2D([], [], marker="^", color=c, lw=0, ms=9, label=f"{t('layer_water', lang)}："
                       f"{label('water_status', k, lang)}") for k, c in STATUS_COLOR.items()]
    handles += [
        Line2D([], [], marker="x", color=FAIL_COLOR, lw=0, ms=8, mew=1.6, label=t("layer_water_hh", lang)),
        Line2D([], [], marker="o", color="#fc8d59", lw=0, ms=5, label=t("layer_risk", lang)),
        Patch(fc="none", ec="#d73027", label=t("ind_dangerous_houses", lang)),
    ]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.77, 0.9), fontsize=11, frameon=True,
               title=t("legend", lang), title_fontsize=13)
    counts = [(t("ind_monitored", lang), len(sel("monitored"))), (t("ind_water_fail_hh", lang), len(sel("water_fail"))),
              (t("ind_road_gaps", lang), len(sel("nv", "gap"))), (t("ind_dangerous_houses", lang), len(sel("house")))]
    fig.text(0.77, 0.30, "\n".join(f"{k}: {v}" for k, v in counts), fontsize=12, va="top", linespacing=1.6)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %Z")
    dbname = conn.get_dsn_parameters().get("dbname", "")
    fig.text(0.03, 0.03, f"{t('print_date', lang)}：{today}    {t('print_source', lang)}："
             f"{t('print_source_text', lang, db=dbname, rule=rule_set)}", fontsize=10, color="#333333")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
