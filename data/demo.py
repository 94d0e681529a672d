"""The demo county: a plausible 新平彝族傣族自治县 (530427) generated from a seed, one frame per layer (EPSG:4490).

`generate(seed, scale)` is pure: the same seed and scale give byte-identical layers and DEM. Real names and codes of
the 12 townships and 124 village committees come from data/xinping/; everything else is made up: a DEM with the Red
River (戛洒江) valley, the Ailao ridge and side valleys, natural villages along the valleys, a noded road tree from the
county seat, water sources of every kind and state, households, houses, relocation sites and assets, with a few
deliberate problems (road gaps, a cut-off hardened road, households far from or far below their water) for the
checks to find. Work is done in the Gauss-Krüger zone 34 (EPSG:4522) and handed out in EPSG:4490.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
XINPING = HERE / "xinping"
COUNTY_CODE = "530427000000"
COUNTY_NAME = "新平彝族傣族自治县"
CITY_CODE = "530400000000"

# (households, regular natural villages, relocation sites) per scale. The prefecture scale keeps Xinping's geography
# and packs it ten times denser: it exists to benchmark imports and checks, not to be looked at.
SCALES = {
    "town": (2_000, 140, 3),
    "default": (20_000, 420, 10),
    "county": (100_000, 1_200, 18),
    "prefecture": (1_000_000, 10_000, 60),
}

GRID_SRID = 4522            # CGCS2000 / 3-degree Gauss-Krüger zone 34 (central meridian 102°E)
STORAGE_SRID = 4490
CELL = 100.0                # DEM cell size, metres
X0, Y1 = 34_433_000.0, 2_706_000.0   # DEM top-left corner (101.35°E, 24.45°N)
NX, NY = 1030, 1010
NODATA = -32768
ROAD_CELL = 200.0           # road routing grid
AS_OF = np.datetime64("2026-11-20")  # the demo's "today": visit and registration dates are relative to it

# Township seats: (lon, lat, elevation m). Positions are approximate; the valley floor is made to pass through them.
SEATS = {
    "530427001": (101.990, 24.070, 1490),   # 桂山街道, county seat
    "530427002": (101.958, 24.046, 1475),   # 古城街道
    "530427100": (102.150, 24.150, 1350),   # 扬武镇
    "530427101": (101.802, 23.932, 480),    # 漠沙镇
    "530427102": (101.672, 24.038, 565),    # 戛洒镇
    "530427103": (101.562, 24.118, 690),    # 水塘镇
    "530427200": (102.060, 23.985, 1600),   # 平甸乡
    "530427201": (101.850, 24.270, 1850),   # 新化乡
    "530427202": (101.760, 24.170, 1950),   # 建兴乡
    "530427203": (101.930, 23.820, 1900),   # 老厂乡
    "530427204": (101.700, 23.790, 1550),   # 者竜乡
    "530427205": (101.500, 23.940, 2050),   # 平掌乡
}
COUNTY_SEAT = "530427001"
# The Red River (戛洒江) through the county, NW to SE: lon, lat, valley floor m.
RIVER = [(101.40, 24.27, 770), (101.56, 24.113, 688), (101.67, 24.033, 562), (101.80, 23.927, 478),
         (101.93, 23.745, 425), (102.04, 23.60, 390)]
# The Ailao crest south-west of the river (relief grows towards it).
AILAO = [(101.38, 24.06), (101.52, 23.86), (101.68, 23.70), (101.82, 23.58)]

_TO_GRID = Transformer.from_crs(STORAGE_SRID, GRID_SRID, always_xy=True)
_TO_GEO = Transformer.from_crs(GRID_SRID, STORAGE_SRID, always_xy=True)

# Words for names.
_NV_PREFIX = list("大小上下新老中后前高石竹松麻白黑龙马水平岩梨茶干红沙团瓦") + ["核桃", "杨柳", "丫口", "磨刀", "大平"]
_NV_SUFFIX = ["村", "寨", "河边", "箐", "坡", "山", "平掌", "田", "坝", "沟", "凹", "冲", "林", "树", "房", "塘",
              "地", "头", "脚", "湾", "坪", "场", "铺", "厂"]
_SURNAMES = list("李王张杨刘陈普白罗施刀方鲁何马周赵黄吴钱苏朱高孔郭谢许段字")
_SURNAME_P = np.array([14, 9, 8, 10, 6, 6, 5, 5, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 2, 2, 1, 1, 1, 1, 1, 2, 1],
                      dtype=float)
_GIVEN = list("国建华明文正永学光金玉兰英秀芳红春志德云福贵荣成海林平发忠富顺兴美丽琼翠芬梅")
_UNITS = ["县农业农村局", "县乡村振兴局", "县教育体育局", "县卫生健康局", "县财政局", "县住建局", "县水利局",
          "县人社局", "乡镇人民政府", "驻村工作队", "村委会"]
_FUNDS = ["中央财政衔接推进乡村振兴补助资金", "省级财政衔接资金", "市级财政衔接资金", "县级财政衔接资金",
          "沪滇东西部协作资金", "定点帮扶资金", "社会帮扶资金", "村集体自筹"]
_RISKS = ["illness", "disability", "education", "labour_shortage", "unstable_employment", "disaster", "accident",
          "industry_failure", "housing", "water", "other"]
_RISK_P = np.array([38, 14, 12, 10, 9, 5, 5, 4, 1.5, 1.5, 1.0])


@dataclass
class Demo:
    """What the generator makes: one frame per layer (GeoDataFrames in EPSG:4490) and the DEM as GeoTIFF bytes. The
    rooms above make their own records from these (the entry-point group `dixian.demo`: monitoring's cases)."""

    layers: dict[str, pd.DataFrame]
    dem_tif: bytes
    seed: int
    scale: str
    info: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------- helpers

def _rng(seed: int, part: int) -> np.random.Generator:
    """An independent stream per part, so changing one part of the generator leaves the others' data as it was."""
    return np.random.default_rng([int(seed), part])


def load_divisions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 12 townships (9-digit code, name) and 124 village committees (12-digit code, name, township code)."""
    towns = pd.read_csv(XINPING / "townships.csv", dtype=str)[["code", "name"]]
    villages = pd.read_csv(XINPING / "villages.csv", dtype=str).rename(columns={"streetCode": "township"})
    return towns.sort_values("code", ignore_index=True), \
        villages[["code", "name", "township"]].sort_values("code", ignore_index=True)


def short_name(name: str) -> str:
    """村委会 / 社区居民委员会 / 街道 / 镇 / 乡 stripped: the name people say."""
    for suffix in ("社区居民委员会", "村委会", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _grid(lon, lat):
    return _TO_GRID.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def _cells(x, y):
    """Row and column of the DEM cell under metric points (may be out of range)."""
    row = np.floor((Y1 - np.asarray(y)) / CELL).astype(np.int64)
    return row, np.floor((np.asarray(x) - X0) / CELL).astype(np.int64)


def _sample(elev: np.ndarray, x, y) -> np.ndarray:
    """Nearest-cell elevation (NaN outside or on a void)."""
    r, c = _cells(x, y)
    ok = (r >= 0) & (r < NY) & (c >= 0) & (c < NX)
    out = np.full(r.shape, np.nan)
    out[ok] = elev[r[ok], c[ok]]
    return out


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Plausible Chinese personal names (surname + one or two given characters)."""
    sur = rng.choice(np.array(_SURNAMES), size=n, p=_SURNAME_P / _SURNAME_P.sum())
    g = np.array(_GIVEN)
    one = g[rng.integers(0, len(g), n)]
    two = g[rng.integers(0, len(g), n)]
    given = np.where(rng.random(n) < 0.75, np.char.add(one, two), one)
    return np.char.add(sur, given).astype(object)


def _dates(days: np.ndarray) -> np.ndarray:
    """Whole days before AS_OF as 'YYYY-MM-DD' strings (None where NaN)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, None, dtype=object)
    ok = np.isfinite(days)
    out[ok] = np.datetime_as_string(AS_OF - days[ok].astype("int64").astype("timedelta64[D]"), unit="D")
    return out


def _polar(rng, x, y, rmin, rmax, k):
    """k candidate points per origin at random bearings and distances in [rmin, rmax]: arrays of shape (n, k)."""
    n = len(x)
    r = rng.uniform(rmin, rmax, (n, k))
    a = rng.uniform(0, 2 * np.pi, (n, k))
    return x[:, None] + r * np.cos(a), y[:, None] + r * np.sin(a)


def _pick(vals: np.ndarray, best: str) -> np.ndarray:
    """Index per row of the best finite value ('max' or 'min'); rows with none finite give 0."""
    v = np.where(np.isfinite(vals), vals, -np.inf if best == "max" else np.inf)
    return np.argmax(v, axis=1) if best == "max" else np.argmin(v, axis=1)


def _choice(rng, labels, p, n):
    p = np.asarray(p, dtype=float)
    return np.asarray(labels, dtype=object)[rng.choice(len(labels), size=n, p=p / p.sum())]


def _meander(rng, a, b, step=50.0, amp=0.07):
    """Points from a to b every ~step metres, wandering sideways by up to amp × length."""
    a = np.asarray(a, float); b = np.asarray(b, float)
    L = float(np.hypot(*(b - a)))
    n = max(3, int(L / step))
    t = np.linspace(0, 1, n)
    w = np.cumsum(rng.normal(size=n))
    w = ndimage.gaussian_filter1d(w, max(1.0, n / 15))
    w = w - (w[0] + (w[-1] - w[0]) * t)
    w = w / (np.abs(w).max() + 1e-9) * amp * L * rng.uniform(0.4, 1.0)
    nrm = np.array([-(b - a)[1], (b - a)[0]]) / max(L, 1e-9)
    pts = a + t[:, None] * (b - a) + w[:, None] * nrm
    return pts, t


def _noise(rng, scale_cells: int) -> np.ndarray:
    """A smooth random field on the DEM grid, unit standard deviation, features about scale_cells across."""
    small = rng.normal(size=(NY // scale_cells + 4, NX // scale_cells + 4))
    # Blocks smoothed twice by a box of their own size: a quadratic B-spline, at the cost of two running sums.
    big = np.repeat(np.repeat(small, scale_cells, axis=0), scale_cells, axis=1)
    for _ in range(2):
        big = ndimage.uniform_filter(big, scale_cells, mode="nearest")
    big = big[scale_cells: scale_cells + NY, scale_cells: scale_cells + NX]
    return (big - big.mean()) / (big.std() + 1e-9)


# ----------------------------------------------------------------------------------------------------- geography

def county_outline() -> shapely.Polygon:
    """The county outline in EPSG:4522: a fixed irregular shape around the real seats, about Xinping's size."""
    rng = np.random.default_rng(530427)
    sx, sy = _grid([v[0] for v in SEATS.values()], [v[1] for v in SEATS.values()])
    blob = shapely.union_all(shapely.buffer(shapely.points(sx, sy), 12_000)).buffer(7_000).buffer(-7_000)
    ring = shapely.segmentize(blob.exterior, 1_000)
    xy = shapely.get_coordinates(ring)[:-1]
    c = xy.mean(axis=0)
    noise = ndimage.gaussian_filter1d(rng.normal(size=len(xy)), 3, mode="wrap")
    noise = noise / np.abs(noise).max() * 2_500
    fine = ndimage.gaussian_filter1d(rng.normal(size=len(xy)), 0.8, mode="wrap") * 350
    v = xy - c
    d = np.hypot(v[:, 0], v[:, 1])[:, None]
    xy = c + v * (1 + (noise + fine)[:, None] / d)
    poly = shapely.make_valid(shapely.Polygon(np.vstack([xy, xy[:1]])))
    if poly.geom_type != "Polygon":
        poly = max(poly.geoms, key=lambda g: g.area)
    return shapely.Polygon(poly.exterior).simplify(60)


def _valleys(rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valley lines as samples (x, y, floor elevation): the river, a valley from every seat down to the network,
    and dendritic side valleys."""
    parts = []
    rx, ry = _grid([p[0] for p in RIVER], [p[1] for p in RIVER])
    for i in range(len(RIVER) - 1):
        pts, t = _meander(rng, (rx[i], ry[i]), (rx[i + 1], ry[i + 1]), amp=0.04)
        f = RIVER[i][2] + (RIVER[i + 1][2] - RIVER[i][2]) * t
        parts.append(np.column_stack([pts, f]))

    def attach(x, y, top, floor_ok):
        v = np.vstack(parts)
        ok = v[:, 2] < floor_ok
        vv = v[ok] if ok.any() else v
        j = np.argmin((vv[:, 0] - x) ** 2 + (vv[:, 1] - y) ** 2)
        pts, t = _meander(rng, (x, y), vv[j, :2], amp=0.09)
        bottom = vv[j, 2]
        top = max(top, bottom + 5)
        f = bottom + (top - bottom) * (1 - t) ** 1.4
        parts.append(np.column_stack([pts, f]))

    for code, (lon, lat, elev) in sorted(SEATS.items(), key=lambda kv: kv[1][2]):
        x, y = _grid(lon, lat)
        attach(float(x), float(y), elev, elev - 40)
        # The seat sits in a small basin with its valley going on upstream.
        down = parts[-1][-1, :2] - np.array([float(x), float(y)])
        ang = np.arctan2(-down[1], -down[0]) + rng.uniform(-0.7, 0.7)
        L = rng.uniform(4_000, 7_000)
        pts, t = _meander(rng, (x + L * np.cos(ang), y + L * np.sin(ang)), (float(x), float(y)), amp=0.08)
        parts.append(np.column_stack([pts, elev + L * 0.035 * (1 - t) ** 1.3]))
        gx, gy = np.meshgrid(np.arange(-1_200, 1_201, 80.0), np.arange(-1_200, 1_201, 80.0))
        disk = np.hypot(gx, gy) <= 1_200
        parts.append(np.column_stack([x + gx[disk], y + gy[disk], np.full(int(disk.sum()), float(elev))]))
    ox0, oy0, ox1, oy1 = county_outline().bounds
    for _ in range(170):
        x = rng.uniform(ox0 - 2_000, ox1 + 2_000); y = rng.uniform(oy0 - 2_000, oy1 + 2_000)
        v = np.vstack(parts)
        d2 = (v[:, 0] - x) ** 2 + (v[:, 1] - y) ** 2
        j = np.argmin(d2)
        L = float(np.sqrt(d2[j]))
        if L < 2_000:
            continue
        top = min(2_500, v[j, 2] + L * rng.uniform(0.03, 0.07))
        attach(x, y, top, 1e9)
    v = np.vstack(parts)
    return v[:, 0], v[:, 1], v[:, 2]


def _line_distance(x, y):
    """Distance of every DEM cell to the cells the sample points fall in, and the index of the nearest one."""
    r, c = _cells(x, y)
    ok = (r >= 0) & (r < NY) & (c >= 0) & (c < NX)
    mask = np.zeros((NY, NX), bool)
    mask[r[ok], c[ok]] = True
    d, idx = ndimage.distance_transform_edt(~mask, sampling=CELL, return_indices=True)
    return d, idx, (r[ok], c[ok], ok)


def terrain(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Elevation (float metres) on the DEM grid and the distance of each cell to the nearest valley floor."""
    rng = _rng(seed, 1)
    vx, vy, vf = _valleys(rng)
    d, idx, (r, c, ok) = _line_distance(vx, vy)
    floor_cells = np.full((NY, NX), np.inf)
    np.minimum.at(floor_cells, (r, c), vf[ok])
    F = floor_cells[idx[0], idx[1]]
    # Away from the floor the nearest valley changes abruptly between basins: blend to a smoothed floor there.
    near = np.exp(-(d / 700.0) ** 2)
    F = F * near + ndimage.gaussian_filter(F, 15) * (1 - near)
    ax, ay = _grid([p[0] for p in AILAO], [p[1] for p in AILAO])
    crest = shapely.segmentize(shapely.LineString(np.column_stack([ax, ay])), 50)
    cxy = shapely.get_coordinates(crest)
    da, _, _ = _line_distance(cxy[:, 0], cxy[:, 1])
    n_big, n1, n2, n3 = _noise(rng, 120), _noise(rng, 40), _noise(rng, 14), _noise(rng, 4)
    R = 520 + 1_800 * np.exp(-(da / 9_000) ** 2) + 200 * n_big
    ridged = np.clip(1 - np.abs(n2) / 1.5, 0, 1) ** 2
    E = (F + R * (1 - np.exp(-d / 2_200)) * (0.8 + 0.2 * n1)
         + 260 * ridged * (1 - np.exp(-d / 900)) + 25 * n3 * (1 - np.exp(-d / 300)))
    over = np.maximum(E - 2_300, 0)
    E = np.minimum(E, 2_300) + 850 * (1 - np.exp(-over / 900))
    return np.maximum(E, 380.0), d


def dem_tif(elev: np.ndarray) -> bytes:
    """The DEM as an int16 GeoTIFF in EPSG:4522 with nodata on voids (NaN)."""
    data = np.where(np.isfinite(elev), np.round(np.nan_to_num(elev)), NODATA).astype("int16")
    profile = dict(driver="GTiff", width=NX, height=NY, count=1, dtype="int16", crs=f"EPSG:{GRID_SRID}",
                   transform=from_origin(X0, Y1, CELL, CELL), nodata=NODATA, compress="deflate", predictor=2,
                   tiled=True, blockxsize=256, blockysize=256)
    with MemoryFile() as mem:
        with mem.open(**profile) as dst:
            dst.write(data, 1)
        return bytes(mem.read())


def _inside_mask(poly) -> np.ndarray:
    from rasterio.features import geometry_mask
    return ~geometry_mask([poly], out_shape=(NY, NX), transform=from_origin(X0, Y1, CELL, CELL))


# ----------------------------------------------------------------------------------------------------- settlements

def _sample_cells(rng, weight: np.ndarray, n: int):
    """n random points, cells drawn in proportion to weight, placed uniformly within their cell."""
    flat = weight.ravel()
    cells = rng.choice(flat.size, size=n, p=flat / flat.sum())
    r, c = np.divmod(cells, NX)
    x = X0 + (c + rng.random(n)) * CELL
    y = Y1 - (r + rng.random(n)) * CELL
    return x, y


def _village_centres(rng, suit, towns, villages, outline):
    """A centre per village committee: the first of each township at its seat, communities near the seat,
    the others spread over the township's part of the county."""
    seat_xy = np.array([_grid(*SEATS[c][:2]) for c in towns.code])
    cx, cy = _sample_cells(rng, suit, 40_000)
    lab = cKDTree(seat_xy).query(np.column_stack([cx, cy]))[1]
    regions = shapely.voronoi_polygons(shapely.multipoints(seat_xy), extend_to=outline, ordered=True)
    areas = shapely.area(shapely.intersection(np.asarray(shapely.get_parts(regions)), outline))
    out = np.zeros((len(villages), 2))
    for ti, tcode in enumerate(towns.code):
        idx = np.flatnonzero(villages.township.to_numpy() == tcode)
        seat = seat_xy[ti]
        out[idx[0]] = seat
        pool = np.column_stack([cx[lab == ti], cy[lab == ti]])
        dseat = np.hypot(*(pool - seat).T)
        accepted = [seat]
        spacing = 0.6 * np.sqrt(areas[ti] / len(idx))
        for k in idx[1:]:
            community = int(villages.code.to_numpy()[k][-3:]) < 200
            sel = (dseat < 5_000) & (dseat > 700) if community else dseat > 2_000
            sp = 900.0 if community else spacing
            placed = False
            while not placed:
                cand = pool[sel]
                acc = np.array(accepted)
                dmin = np.min(np.hypot(cand[:, None, 0] - acc[None, :, 0], cand[:, None, 1] - acc[None, :, 1]),
                              axis=1) if len(cand) else np.array([])
                good = np.flatnonzero(dmin >= sp)
                if len(good):
                    out[k] = cand[good[0]]
                    accepted.append(cand[good[0]])
                    pool = np.delete(pool, np.flatnonzero(sel)[good[0]], axis=0)
                    dseat = np.delete(dseat, np.flatnonzero(sel)[good[0]])
                    placed = True
                else:
                    sp *= 0.75
                    if sp < 150:
                        sel = np.ones(len(pool), bool)
    return out


def _nv_names(rng, n_per_village: np.ndarray, village_names: list[str]) -> np.ndarray:
    """Natural village names, unique within each village: the first carries the village's own name."""
    combos = np.array([p + s for p in _NV_PREFIX for s in _NV_SUFFIX if not (p == "水" and s == "塘")], dtype=object)
    out = []
    for k, vname in zip(n_per_village, village_names):
        picks = combos[rng.permutation(len(combos))[: max(k - 1, 0)]]
        if k - 1 > len(combos):
            extra = [f"{combos[i % len(combos)]}{i // len(combos) + 1}组" for i in range(len(combos), k - 1)]
            picks = np.concatenate([picks, np.array(extra, dtype=object)])
        out.append(short_name(vname))
        out.extend(picks.tolist())
    return np.array(out, dtype=object)


# ----------------------------------------------------------------------------------------------------- the whole

def generate(seed: int = 1, scale: str = "default") -> Demo:
    """The demo county for a seed and a scale (town, default, county, prefecture)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; scales are {', '.join(SCALES)}")
    n_house, n_nv, n_sites = SCALES[scale]
    towns, villages = load_divisions()
    town_name = dict(zip(towns.code, towns.name))
    outline = county_outline()
    E, dval = terrain(seed)
    inside = _inside_mask(outline)
    inner = _inside_mask(outline.buffer(-700))
    gy, gx = np.gradient(E, CELL)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    suit = (np.exp(-slope / 9) * (np.exp(-dval / 1_500) + 0.15) * ((E > 420) & (E < 2_600)) * inner
            * np.where(dval < 80, 0.3, 1.0))

    # Village committees, natural villages.
    rng = _rng(seed, 2)
    centres = _village_centres(rng, suit, towns, villages, outline)
    V = len(villages)
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=outline.buffer(20_000), ordered=True)
    vpoly = shapely.intersection(np.asarray(shapely.get_parts(cells)), outline)
    community = np.array([int(c[-3:]) < 200 for c in villages.code])
    w = shapely.area(vpoly) ** 0.8 * np.where(community, 0.3, 1.0)
    k_v = 1 + rng.multinomial(n_nv - V, w / w.sum())
    M = max(40 * n_nv, 30_000)
    px, py = _sample_cells(rng, suit, M)
    ctree = cKDTree(centres)
    dc, vid = ctree.query(np.column_stack([px, py]))
    key = (np.floor(px / 300).astype(np.int64) * 1_000_003 + np.floor(py / 300).astype(np.int64))
    ckey = np.floor(centres[:, 0] / 300).astype(np.int64) * 1_000_003 + np.floor(centres[:, 1] / 300).astype(np.int64)
    keep = (dc > 350) & ~np.isin(key, ckey)
    _, first = np.unique(key[keep], return_index=True)
    sel = np.flatnonzero(keep)[np.sort(first)]
    px, py, vid = px[sel], py[sel], vid[sel]
    order = np.argsort(vid, kind="stable")
    px, py, vid = px[order], py[order], vid[order]
    rank = np.arange(len(vid)) - np.searchsorted(vid, vid)
    take = rank < (k_v[vid] - 1)
    px, py, vid = px[take], py[take], vid[take]
    got = np.bincount(vid, minlength=V)
    short = k_v - 1 - got
    fx, fy, fv = [], [], []
    for v in np.flatnonzero(short > 0):  # small urban cells: hamlets around the centre
        for j in range(short[v]):
            a = rng.uniform(0, 2 * np.pi)
            r = rng.uniform(350, 900)
            x, y = centres[v, 0] + r * np.cos(a), centres[v, 1] + r * np.sin(a)
            if not inner[tuple(np.clip(_cells(x, y), 0, [NY - 1, NX - 1]))]:
                x, y = centres[v, 0] + 0.3 * r * np.cos(a), centres[v, 1] + 0.3 * r * np.sin(a)
            fx.append(x); fy.append(y); fv.append(v)
    nvx = np.concatenate([centres[:, 0], px, fx]); nvy = np.concatenate([centres[:, 1], py, fy])
    nvv = np.concatenate([np.arange(V), vid, np.array(fv, dtype=int)])
    order = np.lexsort((np.arange(len(nvv)), nvv))
    nvx, nvy, nvv = nvx[order], nvy[order], nvv[order]
    is_centre = np.r_[True, nvv[1:] != nvv[:-1]]
    k_v = np.bincount(nvv, minlength=V)

    # Relocation sites: new communities in the valleys near the seats, each a natural village of its own.
    rng = _rng(seed, 3)
    seat_codes = list(towns.code)
    site_town = np.array([COUNTY_SEAT] + [seat_codes[i % len(seat_codes)] for i in range(n_sites - 1)])
    st_xy = np.array([_grid(*SEATS[c][:2]) for c in site_town])
    sx, sy = _polar(rng, st_xy[:, 0], st_xy[:, 1], 600, 2_500, 16)
    # low and gentle: the valley floor near the seat
    ok_site = _sample(np.where(inner, 1.0, np.nan), sx, sy) > 0
    score = _sample(E, sx, sy) + 25 * _sample(slope, sx, sy) + np.where(ok_site, 0, np.nan)
    j = _pick(score, "min")
    site_x, site_y = sx[np.arange(n_sites), j], sy[np.arange(n_sites), j]
    site_v = ctree.query(np.column_stack([site_x, site_y]))[1]
    relocated_target = 0.065 * n_house
    cap = rng.lognormal(0, 0.6, n_sites)
    cap = np.maximum(20, np.round(cap / cap.sum() * relocated_target / 0.85)).astype(int)
    occupied = np.maximum(5, np.round(cap * rng.uniform(0.65, 1.0, n_sites))).astype(int)

    # All natural villages: regular ones then the sites.
    n_reg = len(nvx)
    all_x = np.concatenate([nvx, site_x]); all_y = np.concatenate([nvy, site_y])
    all_v = np.concatenate([nvv, site_v])
    is_site = np.r_[np.zeros(n_reg, bool), np.ones(n_sites, bool)]
    is_centre = np.r_[is_centre, np.zeros(n_sites, bool)]
    group_no = np.zeros(len(all_v), int)
    group_no[:n_reg] = np.arange(n_reg) - np.searchsorted(nvv, nvv) + 1
    site_group = np.zeros(n_sites, int)
    for s in range(n_sites):  # numbered after the village's own groups
        site_group[s] = k_v[site_v[s]] + 1 + int(np.sum(site_v[:s] == site_v[s]))
    group_no[n_reg:] = site_group
    nv_names = np.concatenate([_nv_names(rng, k_v, list(villages.name)),
                               np.array([f"{short_name(town_name[t])}易地扶贫搬迁安置点" + ("" if i < 1 else f"{i + 1}区")
                                         for i, t in enumerate(site_town)], dtype=object)])
    # make site names unique per township
    seen: dict[str, int] = {}
    for i in range(n_reg, len(nv_names)):
        t = nv_names[i].split("易地")[0]
        seen[t] = seen.get(t, 0) + 1
        nv_names[i] = f"{t}易地扶贫搬迁安置点" + ("" if seen[t] == 1 else f"（{seen[t]}期）")
    vcode = villages.code.to_numpy()[all_v]
    nv_id = np.char.add(vcode.astype(str), np.char.zfill(group_no.astype(str), 3)).astype(object)
    NVN = len(all_x)
    nv_elev = _sample(E, all_x, all_y)
    # Town-seat communities are big, remote high hamlets small.
    seat_nv = is_centre & np.isin(villages.township.to_numpy()[all_v], list(SEATS)) & \
        np.isin(np.arange(NVN), np.flatnonzero(is_centre)[[np.flatnonzero(villages.township.to_numpy() == t)[0]
                                                           for t in towns.code]])
    rng = _rng(seed, 4)
    wgt = rng.lognormal(0, 0.75, n_reg) * np.where(is_centre[:n_reg], 2.0, 1.0) * np.where(seat_nv[:n_reg], 3.0, 1.0)
    n_reg_house = n_house - int(occupied.sum())
    counts = np.r_[3 + rng.multinomial(n_reg_house - 3 * n_reg, wgt / wgt.sum()), occupied]

    # Voids: a few small holes on high ground far from anyone.
    nvtree = cKDTree(np.column_stack([all_x, all_y]))
    hi_r, hi_c = np.nonzero((E > np.percentile(E[inside], 97)) & inside)
    hx = X0 + (hi_c + 0.5) * CELL; hy = Y1 - (hi_r + 0.5) * CELL
    far = nvtree.query(np.column_stack([hx, hy]))[0] > 2_500
    pick = rng.choice(np.flatnonzero(far), size=min(7, int(far.sum())), replace=False) if far.any() else []
    elev = E.copy()
    rr, cc = np.mgrid[-3:4, -3:4]
    for p in pick:
        rad = rng.uniform(1.0, 2.6)
        m = (rr ** 2 + cc ** 2) <= rad ** 2
        ri = np.clip(hi_r[p] + rr[m], 0, NY - 1); ci = np.clip(hi_c[p] + cc[m], 0, NX - 1)
        elev[ri, ci] = np.nan
    tif = dem_tif(elev)

    # Households around their natural village.
    rng = _rng(seed, 5)
    hh_nv = np.repeat(np.arange(NVN), counts)
    H = len(hh_nv)
    sigma = np.where(is_site, 45.0, np.clip(35 + 9 * np.sqrt(counts), 40, 220))[hh_nv]
    off = np.clip(rng.normal(size=(H, 2)), -2.5, 2.5) * sigma[:, None]
    hx = all_x[hh_nv] + off[:, 0]; hy = all_y[hh_nv] + off[:, 1]
    bad = ~shapely.contains_xy(outline, hx, hy) | ~np.isfinite(_sample(elev, hx, hy))
    hx[bad] = all_x[hh_nv[bad]] + rng.normal(0, 12, bad.sum())
    hy[bad] = all_y[hh_nv[bad]] + rng.normal(0, 12, bad.sum())
    bad = ~shapely.contains_xy(outline, hx, hy) | ~np.isfinite(_sample(elev, hx, hy))
    hx[bad] = all_x[hh_nv[bad]]; hy[bad] = all_y[hh_nv[bad]]
    households = _households(rng, H, hh_nv, nv_id, nv_elev, is_site)

    # Water sources.
    rng = _rng(seed, 6)
    water, served_piped, stressed = _water(rng, elev, outline, all_x, all_y, all_v, is_site, is_centre, nv_names,
                                           vcode, villages, towns, centres, counts, hh_nv, households, hx, hy,
                                           community)
    # Roads.
    rng = _rng(seed, 7)
    roads = _roads(rng, elev, outline, all_x, all_y, counts, is_site, is_centre, seat_nv, nv_names, all_v,
                   villages, towns, water, stressed)

    # Relocated households, houses, assets.
    rng = _rng(seed, 8)
    site_ids = np.array([f"RS{530427}{i + 1:03d}" for i in range(n_sites)], dtype=object)
    relocation_sites, relocated = _relocation(rng, site_ids, site_x, site_y, site_town, cap, occupied, nv_names,
                                              n_reg, vcode, households, hh_nv, nv_id, nv_elev, is_centre, is_site)
    rng = _rng(seed, 9)
    houses = _houses(rng, households, hx, hy, hh_nv, relocated, nv_id, all_x, all_y)
    rng = _rng(seed, 10)
    assets = _assets(rng, villages, centres, all_x, all_y, all_v, nv_names, vcode, households, hx, hy, water, roads)

    # Natural villages layer.
    cat = households["category"].to_numpy()
    mon = np.isin(cat, ["unstable", "marginal", "sudden_hardship"])
    poor = np.isin(cat, ["exited", "unstable"])
    hh_members = households["members"].to_numpy()
    rng = _rng(seed, 11)
    ethnic_share = np.where(np.isin(villages.township.to_numpy()[all_v], ["530427205", "530427204", "530427103"])
                            & (rng.random(NVN) < 0.35), rng.uniform(0.3, 0.95, NVN), 0.0)
    nv = pd.DataFrame({
        "id": nv_id, "name": nv_names, "village_code": vcode,
        "households": counts,
        "population": np.bincount(hh_nv, weights=hh_members, minlength=NVN).astype(int),
        "poor_households": np.bincount(hh_nv, weights=poor, minlength=NVN).astype(int),
        "monitored_households": np.bincount(hh_nv, weights=mon, minlength=NVN).astype(int),
        "ethnic_households": np.round(counts * ethnic_share).astype(int),
        "elevation_m": np.round(_sample(elev, all_x, all_y), 1),
        "group_no": group_no,
        "relocation_site": is_site,
    })

    # Admin units and seats.
    pop_v = np.bincount(all_v, weights=nv["population"].to_numpy(), minlength=V).astype(int)
    tcode = villages.township.to_numpy()
    town_polys = [shapely.union_all(vpoly[tcode == t]) for t in towns.code]
    pop_t = [int(pop_v[tcode == t].sum()) for t in towns.code]
    admin = pd.DataFrame({
        "code": [COUNTY_CODE] + [t + "000" for t in towns.code] + list(villages.code),
        "level": ["county"] + ["township"] * len(towns) + ["village"] * V,
        "name": [COUNTY_NAME] + list(towns.name) + list(villages.name),
        "parent_code": [CITY_CODE] + [COUNTY_CODE] * len(towns) + [t + "000" for t in tcode],
        "population": [int(pop_v.sum())] + pop_t + list(pop_v),
    })
    admin_geom = np.array([outline] + town_polys + list(vpoly), dtype=object)
    first_nv = np.flatnonzero(is_centre)
    seat_xy = np.array([_grid(*SEATS[c][:2]) for c in towns.code])
    seats = pd.DataFrame({
        "code": [COUNTY_CODE] + [t + "000" for t in towns.code] + list(villages.code),
        "level": ["county"] + ["township"] * len(towns) + ["village"] * V,
        "name": ["新平县人民政府（桂山街道）"] + [f"{n}人民政府" if not n.endswith("街道") else f"{n}办事处"
                                         for n in towns.name] + [f"{n}" for n in villages.name],
    })
    seat_pts_x = np.r_[seat_xy[list(towns.code).index(COUNTY_SEAT), 0], seat_xy[:, 0], all_x[first_nv]]
    seat_pts_y = np.r_[seat_xy[list(towns.code).index(COUNTY_SEAT), 1], seat_xy[:, 1], all_y[first_nv]]
    seats["elevation_m"] = np.round(_sample(elev, seat_pts_x, seat_pts_y), 1)

    layers = {
        "admin_units": _gdf(admin, admin_geom),
        "seats": _points(seats, seat_pts_x, seat_pts_y),
        "natural_villages": _points(nv, all_x, all_y),
        "households": _points(households, hx, hy),
        "houses": houses,
        "water_sources": water,
        "roads": roads,
        "relocation_sites": relocation_sites,
        "relocated_households": relocated,
        "assets": assets,
    }
    # Village services: their own random stream, so every layer above stays the same for a seed.
    layers["facilities"], incidence = _facilities(_rng(seed, 31), villages, centres, seat_xy, towns, vcode, nv)
    # Poor villages (贫困村) and deeply poor ones (深度贫困村) by their poverty incidence, for the services check's
    # kindergartens and Hanzhong's road rule set.
    for flag, line in (("poor_village", 0.3), ("deeply_poor", 0.45)):
        layers["admin_units"][flag] = pd.array([None] * (1 + len(towns)) + list(incidence >= line), dtype="boolean")
    # Household members: their own random stream, so every layer above stays as it was.
    layers["household_members"] = _members(_rng(seed, 30), households, relocated)
    # Elevations on every point layer, from the grid (nearest cell, NaN on a void). The load samples the DEM again,
    # as every import does: these are for the files of --out and for whoever reads the frames.
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame) and (frame.geom_type == "Point").all():
            frame["elevation_m"] = np.round(_sample(elev, *_grid(frame.geometry.x, frame.geometry.y)), 1)
    # What the generator planted for the checks to find (natural village ids).
    info = {"outline_km2": round(outline.area / 1e6), "voids": len(pick), "piped_households": int(served_piped),
            "water_far": list(nv_id[stressed["far"]]), "water_steep": list(nv_id[stressed["steep"]]),
            "road_cutoff": list(nv_id[np.asarray(roads.attrs["cutoff"], dtype=int)]),
            "road_gaps": list(nv_id[np.setdiff1d(np.asarray(roads.attrs.pop("gaps"), dtype=int),
                                                 np.asarray(roads.attrs.pop("cutoff"), dtype=int))])}
    return Demo(layers=layers, dem_tif=tif, seed=seed, scale=scale, info=info)


# ----------------------------------------------------------------------------------------------------- services

def _facilities(rng, villages, centres, seat_xy, towns, vcode, nv) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Village clinics (most villages; a few without a licensed doctor, some villages none), a health centre by each
    township seat, schools and kindergartens in some villages, and bus stops at most village centres. Kindergartens
    are fewer in the poorer villages, so the services check finds some missing there. Also each administrative
    village's poverty incidence."""
    V = len(villages)
    codes = villages.code.to_numpy(object)
    hh = pd.Series(nv["households"].to_numpy(float)).groupby(vcode).sum()
    poor = pd.Series(nv["poor_households"].to_numpy(float)).groupby(vcode).sum()
    incidence = (poor / hh.where(hh > 0)).reindex(codes).fillna(0).to_numpy()
    has_clinic = rng.random(V) < 0.85
    doctors = rng.integers(1, 3, V)
    qualified = np.where(rng.random(V) < 0.9, np.minimum(doctors, rng.integers(1, 3, V)), 0)
    has_school = rng.random(V) < 0.4
    has_kg = rng.random(V) < np.where(incidence >= 0.3, 0.4, 0.6)
    has_stop = rng.random(V) < 0.7
    off = rng.uniform(-150, 150, (V, 4, 2))
    rows, xs, ys = [], [], []

    def add(fid, kind, name, village, x, y, **kw):
        rows.append({"id": fid, "kind": kind, "name": name, "village_code": village, **kw})
        xs.append(x); ys.append(y)

    for t, (code, name) in enumerate(zip(towns.code, towns.name)):
        add(f"HC{code[-3:]}", "township_health_centre", f"{short_name(name)}卫生院", None,
            seat_xy[t, 0] + rng.uniform(-200, 200), seat_xy[t, 1] + rng.uniform(-200, 200))
    vnames = villages.name.to_numpy(object)
    for k, (want, kind, word) in enumerate([(has_clinic, "village_clinic", "卫生室"), (has_school, "school", "小学"),
                                            (has_kg, "kindergarten", "幼儿园"), (has_stop, "bus_stop", "招呼站")]):
        for v in np.flatnonzero(want):
            extra = {"doctors": int(doctors[v]), "qualified_doctors": int(qualified[v])} \
                if kind == "village_clinic" else {}
            add(f"{kind[:2].upper()}{codes[v][-6:]}", kind, f"{vnames[v]}{word}", codes[v],
                centres[v, 0] + off[v, k, 0], centres[v, 1] + off[v, k, 1], **extra)
    df = pd.DataFrame(rows)
    df["doctors"] = df.get("doctors").astype("Int64")
    df["qualified_doctors"] = df.get("qualified_doctors").astype("Int64")
    return _points(df, np.array(xs), np.array(ys)), incidence


def _to_geo(geoms: np.ndarray) -> np.ndarray:
    def fn(xy):
        x, y = _TO_GEO.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(np.asarray(geoms, dtype=object), fn)


def _gdf(df: pd.DataFrame, metric_geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(_to_geo(metric_geoms), crs=STORAGE_SRID).values,
                            crs=STORAGE_SRID)


def _points(df: pd.DataFrame, x, y) -> gpd.GeoDataFrame:
    lon, lat = _TO_GEO.transform(np.asarray(x, float), np.asarray(y, float))
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(np.round(lon, 7), np.round(lat, 7)), crs=STORAGE_SRID)


# ----------------------------------------------------------------------------------------------------- households

def _id_numbers(rng, n: int, birth_days: np.ndarray) -> np.ndarray:
    """Well-formed 18-digit resident ID numbers (GB 11643 check digit) from 530427, for the given birth dates."""
    birth = (np.datetime64("1970-01-01") + birth_days.astype("timedelta64[D]"))
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    seq = np.char.zfill(rng.integers(1, 999, n).astype(str), 3)
    body = np.char.add(np.char.add("530427", ymd), seq)
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - 48
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
    return np.char.add(body, check).astype(object)


def _households(rng, H, hh_nv, nv_id, nv_elev, is_site) -> pd.DataFrame:
    """Household attributes: members, category with believable shares, monitoring details, names and contacts."""
    members = rng.choice(np.arange(1, 8), size=H, p=[0.09, 0.16, 0.22, 0.25, 0.16, 0.08, 0.04])
    # Poverty leans on the remote and high; normalised so the county-wide shares stay as intended.
    height = np.clip((np.nan_to_num(nv_elev, nan=1500) - 1200) / 2000, -0.3, 0.6)
    f_nv = rng.lognormal(0, 0.45, len(nv_id)) * (1 + height)
    f_nv = np.where(is_site, 3.0, f_nv)
    f = f_nv[hh_nv]
    f = f / f.mean()
    p_ex = np.clip(0.25 * f, 0, 0.9)
    p_mon = np.clip(0.042 * f, 0, 0.3)
    u = rng.random(H)
    cat = np.where(u < p_mon, "monitored", np.where(u < p_mon + p_ex, "exited", "general")).astype(object)
    mon = cat == "monitored"
    nm = int(mon.sum())
    cat[mon] = _choice(rng, ["unstable", "marginal", "sudden_hardship"], [0.38, 0.45, 0.17], nm)
    risk1 = _choice(rng, _RISKS, _RISK_P, nm)
    risk2 = _choice(rng, _RISKS, _RISK_P, nm)
    two = (rng.random(nm) < 0.35) & (risk2 != risk1)
    risks = np.empty(H, dtype=object)
    risks[:] = [[]] * H if H else []
    risks[np.flatnonzero(mon)] = [[a, b] if t else [a] for a, b, t in zip(risk1, risk2, two)]
    state = np.full(H, None, dtype=object)
    state[mon] = _choice(rng, ["identified", "under_support", "risk_eliminated"], [0.15, 0.5, 0.35], nm)
    ident = np.full(H, np.nan)
    elim = np.full(H, np.nan)
    # Days before AS_OF. Newly identified ones are recent; eliminated ones at least 3 months after identification,
    # except a few eliminated too early (the check should catch them).
    ident[mon] = np.where(state[mon] == "identified", rng.integers(3, 80, nm), rng.integers(120, 2_000, nm))
    gap = np.where(rng.random(nm) < 0.03, rng.integers(20, 85, nm), rng.integers(95, 400, nm))
    e = ident[mon] - gap
    elim[mon] = np.where(state[mon] == "risk_eliminated", np.maximum(e, 1), np.nan)
    ident[mon] = np.where(state[mon] == "risk_eliminated", np.maximum(ident[mon], np.nan_to_num(elim[mon]) + gap),
                          ident[mon])
    visit = np.where(rng.random(H) < 0.85, rng.integers(0, 365, H), rng.integers(366, 700, H)).astype(float)
    visit[rng.random(H) < 0.04] = np.nan
    vm = np.where(rng.random(nm) < 0.88, rng.integers(0, 31, nm), rng.integers(31, 150, nm)).astype(float)
    visit[mon] = np.where(state[mon] == "risk_eliminated", rng.integers(0, 120, nm), vm)
    contact = np.full(H, None, dtype=object)
    has_contact = mon | ((cat == "exited") & (rng.random(H) < 0.6))
    nc = int(has_contact.sum())
    units = _choice(rng, _UNITS, np.ones(len(_UNITS)), nc)
    contact[has_contact] = [f"{n}（{u}）" for n, u in zip(_names(rng, nc), units)]
    elderly = ((members == 1) & (rng.random(H) < 0.6)) | ((members == 2) & (rng.random(H) < 0.08))
    disabled = np.where(rng.random(H) < 0.05, 1, 0) + np.where(rng.random(H) < 0.01, 1, 0)
    dis_risk = np.zeros(H, bool)
    dis_risk[np.flatnonzero(mon)] = [("disability" in r) for r in risks[mon]]
    disabled = np.where(dis_risk, np.maximum(disabled, 1), np.minimum(disabled, members))
    birth = rng.integers(-9_000, 10_500, H)  # 1945 to 1998
    phone = np.char.add(np.char.add("1", _choice(rng, ["3", "5", "8", "9", "7"], [4, 3, 3, 1, 1], H).astype(str)),
                        np.char.zfill(rng.integers(0, 999_999_999, H).astype(str), 9)).astype(object)
    phone[rng.random(H) < 0.08] = None
    return pd.DataFrame({
        "id": np.char.add("H", np.char.zfill(np.arange(1, H + 1).astype(str), 7)).astype(object),
        "natural_village_id": nv_id[hh_nv],
        "head_name": _names(rng, H),
        "members": members,
        "category": cat,
        "monitor_state": state,
        "identified_on": _dates(ident),
        "risk_eliminated_on": _dates(elim),
        "risk_types": risks,
        "support_contact": contact,
        "last_visit_on": _dates(visit),
        "elderly_alone": elderly,
        "disabled_members": disabled,
        "id_number": _id_numbers(rng, H, birth),
        "phone": phone,
    })


# ----------------------------------------------------------------------------------------------------- members

_WELFARE_POSTS = np.array(["生态护林员", "村庄保洁员", "水管员", "道路养护员"])
_STAGES = ((3, "preschool"), (6, "primary"), (12, "junior"), (15, "senior"), (18, "college"))


def _member_ids(rng, birth_days: np.ndarray, male: np.ndarray, taken: set) -> np.ndarray:
    """ID numbers from 530427 for the birth dates and sexes (the sequence's last digit odd for men), none in
    `taken` and none twice: a clash draws its sequence again."""
    birth = np.datetime64("1970-01-01") + birth_days.astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    out = np.empty(len(ymd), dtype=object)
    todo = np.arange(len(ymd))
    while len(todo):
        seq = 2 * rng.integers(0, 499, len(todo)) + np.where(male[todo], 1, 2)
        body = np.char.add(np.char.add("530427", ymd[todo]), np.char.zfill(seq.astype(str), 3))
        digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(-1, 17) - 48
        ids = np.char.add(body, np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11])
        again = []
        for i, v in zip(todo, ids.tolist()):
            if v in taken:
                again.append(i)
            else:
                taken.add(v)
                out[i] = v
        todo = np.array(again, dtype=int)
    return out


def _members(rng, households: pd.DataFrame, relocated: pd.DataFrame) -> pd.DataFrame:
    """Every household's members: the head (its name and ID number), a spouse, children, parents, grandchildren,
    with ages, sexes and ID numbers that agree; schooling by age, insurance, chronic illness and doctor contracts,
    labour and employment, public-welfare posts, and a few planted failures of each guarantee."""
    H = len(households)
    n = households["members"].to_numpy().astype(int)
    hh = np.repeat(np.arange(H), n)
    N = len(hh)
    start = np.repeat(np.cumsum(n) - n, n)
    k = np.arange(N) - start                      # 0 is the head
    head_id = households["id_number"].to_numpy(dtype=object)
    head_ymd = np.array([v[6:14] for v in head_id])
    head_birth = (pd.to_datetime(pd.Series(head_ymd), format="%Y%m%d").to_numpy().astype("datetime64[D]")
                  .astype(np.int64))
    head_male = np.array([int(v[16]) % 2 == 1 for v in head_id])
    hb = head_birth[hh]
    as_of = int(AS_OF.astype("datetime64[D]").astype(np.int64))
    head_age = (as_of - head_birth) / 365.25
    u = rng.random(N)
    old = head_age[hh] > 55
    relation = np.where(k == 0, "head", np.where((k == 1) & (u < 0.85), "spouse",
                        np.where(old & (k >= 3) & (u < 0.6), "grandchild",
                        np.where(~old & (k >= 2) & (u > 0.88), "parent", "child")))).astype(object)
    year = 365.25
    offset = {"spouse": rng.normal(0, 3, N) * year, "child": rng.uniform(21, 38, N) * year,
              "parent": -rng.uniform(22, 32, N) * year, "grandchild": rng.uniform(44, 60, N) * year}
    birth = hb.astype(float)
    for rel, off in offset.items():
        sel = relation == rel
        birth[sel] = hb[sel] + off[sel]
    birth = np.minimum(birth, as_of - rng.integers(30, 400, N)).astype(np.int64)   # nobody born after AS_OF
    birth = np.maximum(birth, as_of - int(98 * year))
    male = np.where(relation == "spouse", ~head_male[hh], rng.random(N) < 0.51)
    male[k == 0] = head_male
    ids = np.empty(N, dtype=object)
    ids[k == 0] = head_id
    birth[k == 0] = head_birth
    taken: set = set()
    heads = np.flatnonzero(k == 0)
    clash = np.zeros(N, dtype=bool)
    for i, v in zip(heads, head_id):               # the households' own numbers may meet by chance
        clash[i] = v in taken
        taken.add(v)
    redo = (k > 0) | clash
    ids[redo] = _member_ids(rng, birth[redo], male[redo], taken)
    age = (as_of - birth) / year
    names = _names(rng, N)
    head_names = households["head_name"].to_numpy(dtype=object)
    names[k == 0] = head_names
    kin = np.isin(relation, ["child", "grandchild"])   # the head's surname (a compound one taken as its first)
    names[kin] = [h[0] + g[1:] for h, g in zip(head_names[hh[kin]], names[kin])]
    cat = households["category"].to_numpy(dtype=object)[hh]
    poor = np.isin(cat, ["exited", "unstable", "marginal", "sudden_hardship"])
    monitored = np.isin(cat, ["unstable", "marginal", "sudden_hardship"])
    # Disability: as many members as the household says, the head first when there is one.
    disabled_n = households["disabled_members"].to_numpy().astype(int)[hh]
    grade = np.where(k < disabled_n, rng.choice([1, 2, 3, 4], N, p=[0.15, 0.25, 0.3, 0.3]), 0).astype(float)
    grade[grade == 0] = np.nan
    # Schooling by age; severely disabled school-age children taught at home.
    stage = np.full(N, None, dtype=object)
    for lo, name in _STAGES:
        stage[age >= lo] = name
    stage[(age >= 18) & ((age >= 22) | (rng.random(N) > 0.35))] = None
    school_age = (age >= 6) & (age < 16)
    severe_child = school_age & (grade <= 2)
    stage[severe_child] = "home_teaching"
    enrolled = np.full(N, None, dtype=object)
    has_stage = np.array([s is not None for s in stage])
    enrolled[has_stage] = True
    dropped = school_age & ~severe_child & (rng.random(N) < np.where(poor, 0.012, 0.004))
    enrolled[dropped] = False
    enrolled[severe_child] = False
    visits = np.where(severe_child, rng.choice([0, 1, 2, 2, 3, 4], N), np.nan)
    # Health: everyone insured but a few; chronic illness with age; most chronic patients signed with a doctor.
    insured = rng.random(N) > 0.006
    chronic = rng.random(N) < np.where(age > 60, 0.3, np.where(age > 40, 0.12, 0.02))
    contract = np.where(chronic, rng.random(N) < 0.93, None)
    # Labour, willingness, employment; relocated households' employed members as their site recorded them.
    labour = np.where((age >= 16) & (age < 60), np.where(rng.random(N) < 0.82, "full", "partial"),
                      np.where((age >= 60) & (age < 70), np.where(rng.random(N) < 0.5, "partial", "none"), "none"))
    labour = np.where(~np.isnan(grade) & (grade <= 2) & (labour != "none"), "none", labour).astype(object)
    labour[age < 16] = None
    able = np.isin(labour, ["full", "partial"])
    willing = np.where(able, rng.random(N) < 0.88, None)
    in_school = has_stage & (enrolled == True)  # noqa: E712
    works = able & (willing == True) & ~in_school & (rng.random(N) < 0.72)  # noqa: E712
    reloc = households["id"].isin(relocated["household_id"]).to_numpy()[hh]
    target = pd.Series(relocated["workers_employed"].to_numpy(),
                       index=relocated["household_id"].to_numpy()).reindex(households["id"]).to_numpy()[hh]
    able_rank = pd.Series(able & ~in_school).groupby(hh).cumsum().to_numpy()
    works = np.where(reloc, able & ~in_school & (able_rank <= np.nan_to_num(target)), works)
    willing = np.where(works, True, willing)
    months = np.where(works, rng.integers(3, 13, N), np.where(able, 0, np.nan))
    pay = np.where(works, months * rng.uniform(2_200, 4_800, N), np.nan)
    post = np.where(poor & (labour == "partial") & ~works & (rng.random(N) < 0.12),
                    _WELFARE_POSTS[rng.integers(0, len(_WELFARE_POSTS), N)], None).astype(object)
    has_post = np.array([p is not None for p in post])
    # The household's farming income on its head: lower for the monitored, so some fall under the income line.
    farm = np.where(monitored, rng.uniform(1_500, 6_000, N), rng.uniform(3_500, 9_000, N))
    size = n[hh]
    income = np.where(k == 0, np.nan_to_num(pay) + farm * size, pay)
    phone = np.full(N, None, dtype=object)
    phone[k == 0] = households["phone"].to_numpy(dtype=object)
    return pd.DataFrame({
        "id": np.char.add(households["id"].to_numpy(dtype=str)[hh], np.char.add("-", (k + 1).astype(str))).astype(object),
        "household_id": households["id"].to_numpy(dtype=object)[hh],
        "name": names,
        "relation": relation,
        "sex": np.where(male, "male", "female").astype(object),
        "birth_date": np.datetime_as_string(birth.astype("datetime64[D]"), unit="D").astype(object),
        "id_number": ids,
        "phone": phone,
        "disability_grade": pd.array(grade, dtype="Float64").astype("Int64"),
        "chronic_illness": chronic,
        "school_stage": stage,
        "enrolled": enrolled,
        "home_teaching_visits": pd.array(visits, dtype="Float64").astype("Int64"),
        "insured": insured,
        "doctor_contract": contract,
        "labour": labour,
        "willing_to_work": willing,
        "employed_months": pd.array(months, dtype="Float64").astype("Int64"),
        "income_yuan": np.round(income, -1),
        "welfare_post": post,
        "welfare_months": pd.array(np.where(has_post, 12.0, np.nan), dtype="Float64").astype("Int64"),
        "welfare_pay_yuan": np.where(has_post, 6_000.0, np.nan),
    })


# ----------------------------------------------------------------------------------------------------- water

def _zones(rng, x, y, rmin, rmax):
    """Irregular protection-zone polygons (metric) around points."""
    n = len(x)
    k = 20
    a = np.linspace(0, 2 * np.pi, k, endpoint=False)
    r = rng.uniform(rmin, rmax, n)[:, None] * (1 + 0.15 * ndimage.gaussian_filter1d(rng.normal(size=(n, k)), 1.5,
                                                                                      axis=1, mode="wrap"))
    px = x[:, None] + r * np.cos(a); py = y[:, None] + r * np.sin(a)
    ring = np.stack([np.concatenate([px, px[:, :1]], 1), np.concatenate([py, py[:, :1]], 1)], axis=2)
    return shapely.polygons(ring)


def _water(rng, elev, outline, nx_, ny_, nv_v, is_site, is_centre, nv_names, vcode, villages, towns, centres,
           counts, hh_nv, households, hx, hy, community):
    """Water sources of every kind and state; a few isolated natural villages left with water only far away or far
    below, so that the fetch check has something to find."""
    NVN = len(nx_)
    inside = lambda x, y: shapely.contains_xy(outline, x, y) & np.isfinite(_sample(elev, x, y))  # noqa: E731
    nv_el = _sample(elev, nx_, ny_)
    regular = ~is_site
    hi = np.nan_to_num(nv_el, nan=1500) > 1800
    lo = np.nan_to_num(nv_el, nan=1500) < 1200
    rows = []  # (nv index or -1, kind, x, y, village index)

    def place(origin_idx, kind, rmin, rmax, k, best):
        ox, oy = nx_[origin_idx], ny_[origin_idx]
        cx, cy = _polar(rng, ox, oy, rmin, rmax, k)
        z = _sample(elev, cx, cy)
        z = np.where(inside(cx.ravel(), cy.ravel()).reshape(cx.shape), z, np.nan)
        if not isinstance(best, str):  # a wanted climb: the candidate closest to best metres above the origin
            z = -np.abs(z - nv_el[origin_idx][:, None] - best)
            best = "max"
        j = _pick(z, best)
        x, y = cx[np.arange(len(ox)), j], cy[np.arange(len(ox)), j]
        okp = np.isfinite(z[np.arange(len(ox)), j])
        x = np.where(okp, x, ox + 15); y = np.where(okp, y, oy)
        return x, y

    has_cistern = regular & (rng.random(NVN) < np.where(hi, 0.9, 0.55))
    has_spring = regular & (rng.random(NVN) < 0.8)
    has_well = regular & (rng.random(NVN) < np.where(lo, 0.75, 0.4))
    town = community[nv_v] | is_site
    has_cistern &= ~town
    none = regular & ~(has_cistern | has_spring | has_well)
    has_spring |= none
    for kind, mask, rmin, rmax, k, best in (("cistern", has_cistern, 20, 80, 1, "max"),
                                            ("spring", has_spring, 80, 420, 8, 25.0),
                                            ("well", has_well, 30, 200, 6, -10.0)):
        idx = np.flatnonzero(mask)
        x, y = place(idx, kind, rmin, rmax, k, best)
        rows.append(pd.DataFrame({"nv": idx, "kind": kind, "x": x, "y": y, "v": nv_v[idx]}))
    # Schemes: a centralised works per township seat (two for the county seat), a small scheme for every other
    # village committee and every relocation site, an emergency point at every seat.
    vil_nv = np.flatnonzero(is_centre)
    seat_nv = np.array([vil_nv[np.flatnonzero(villages.township.to_numpy()[nv_v[vil_nv]] == t)[0]] for t in towns.code])
    rural = np.r_[np.setdiff1d(vil_nv, seat_nv), np.flatnonzero(is_site)]
    x, y = place(rural, "small_scheme", 150, 600, 10, 40.0)   # the high-level tank above the village
    rows.append(pd.DataFrame({"nv": rural, "kind": "small_scheme", "x": x, "y": y, "v": nv_v[rural]}))
    cent = np.r_[seat_nv, seat_nv[:1]]
    x, y = place(cent, "centralised", 300, 800, 14, 50.0)     # the works' clear-water tank above the town
    rows.append(pd.DataFrame({"nv": cent, "kind": "centralised", "x": x, "y": y, "v": nv_v[cent]}))
    rows.append(pd.DataFrame({"nv": seat_nv, "kind": "emergency", "x": nx_[seat_nv] + 90, "y": ny_[seat_nv] - 60,
                              "v": nv_v[seat_nv]}))
    ws = pd.concat(rows, ignore_index=True)
    n = len(ws)
    kind = ws.kind.to_numpy()
    local = np.isin(kind, ["cistern", "spring", "well"])
    status = np.where(local, _choice(rng, ["working", "seasonal", "failed", "contaminated"], [84, 9, 4, 3], n),
                      _choice(rng, ["working", "seasonal", "failed", "contaminated"], [92, 5, 1.5, 1.5], n))
    status = np.where(kind == "emergency", "working", status).astype(object)
    status[np.flatnonzero(kind == "centralised")[1:]] = "working"

    # Stressed natural villages: the most isolated regular hamlets away from every scheme. Their own sources fail;
    # their one working source is a spring far away ("far") or far below ("steep").
    scheme_xy = ws.loc[~local, ["x", "y"]].to_numpy()
    tree = cKDTree(np.column_stack([nx_, ny_]))
    iso = tree.query(np.column_stack([nx_, ny_]), k=2)[0][:, 1]
    dscheme = cKDTree(scheme_xy).query(np.column_stack([nx_, ny_]))[0]
    elig = regular & ~is_centre & (dscheme > 1_800) & (counts >= 5)
    n_stress = max(4, int(round(0.045 * regular.sum())))
    cand = np.flatnonzero(elig)
    cand = cand[np.argsort(-iso[cand], kind="stable")][:n_stress]
    far_nv, steep_nv = cand[0::2], cand[1::2]
    mine = np.isin(ws.nv.to_numpy(), cand) & local
    status[mine] = _choice(rng, ["failed", "seasonal", "contaminated"], [5, 4, 2], int(mine.sum()))
    fx, fy = place(far_nv, "spring", 1_100, 1_700, 10, "min")
    sx_, sy_ = _polar(rng, nx_[steep_nv], ny_[steep_nv], 300, 650, 16)
    dz = np.abs(_sample(elev, sx_, sy_) - nv_el[steep_nv][:, None])
    dz = np.where(inside(sx_.ravel(), sy_.ravel()).reshape(sx_.shape), dz, np.nan)
    j = _pick(dz, "max")
    sx_, sy_ = sx_[np.arange(len(steep_nv)), j], sy_[np.arange(len(steep_nv)), j]
    extra = pd.DataFrame({"nv": np.r_[far_nv, steep_nv], "kind": "spring", "x": np.r_[fx, sx_], "y": np.r_[fy, sy_],
                          "v": nv_v[np.r_[far_nv, steep_nv]]})
    ws = pd.concat([ws, extra], ignore_index=True)
    status = np.r_[status, np.full(len(extra), "working", dtype=object)]
    n = len(ws)
    kind = ws.kind.to_numpy()
    local = np.isin(kind, ["cistern", "spring", "well"])
    stressed_src = np.r_[np.zeros(n - len(extra), bool), np.ones(len(extra), bool)]

    # Who each source serves: piped schemes serve their seat / village surroundings; the rest the nearest local one.
    H = len(hh_nv)
    members = households["members"].to_numpy()
    serve = np.full(H, -1)
    loc_idx = np.flatnonzero(local)
    serve[:] = loc_idx[cKDTree(ws.loc[local, ["x", "y"]].to_numpy()).query(np.column_stack([hx, hy]))[1]]
    # Town communities and relocation sites drink from their township's works.
    town_ix = pd.Index(towns.code.to_numpy()).get_indexer(villages.township.to_numpy())   # village -> township
    src_nv, src_v = ws.nv.to_numpy(), ws.v.to_numpy()
    cent_idx = np.flatnonzero(kind == "centralised")[: len(towns)]
    works_of_town = np.full(len(towns), -1)
    works_of_town[town_ix[src_v[cent_idx]]] = cent_idx
    hv = nv_v[hh_nv]
    vis = community[hv] | is_site[hh_nv]
    serve[vis] = np.where(works_of_town[town_ix[hv[vis]]] >= 0, works_of_town[town_ix[hv[vis]]], serve[vis])
    # A village's small scheme serves its households within 2 km of the village centre; a site's, the site.
    small = np.flatnonzero(kind == "small_scheme")
    at_site = is_site[src_nv[small]]
    scheme_of_village = np.full(len(villages), -1)
    scheme_of_village[src_v[small[~at_site]]] = small[~at_site]
    sv = scheme_of_village[hv]
    c = np.maximum(sv, 0)
    near = (sv >= 0) & (np.hypot(hx - nx_[src_nv[c]], hy - ny_[src_nv[c]]) < 2_000) & ~np.isin(hh_nv, cand)
    serve[near] = sv[near]
    scheme_of_site = np.full(NVN, -1)
    scheme_of_site[src_nv[small[at_site]]] = small[at_site]
    on_site = scheme_of_site[hh_nv] >= 0
    serve[on_site] = scheme_of_site[hh_nv[on_site]]
    people = np.bincount(serve, weights=members, minlength=n).astype(int)
    # Springs, wells and cisterns are shared by the hamlet: each serves part of it (cisterns a few families).
    nv_pop = np.bincount(hh_nv, weights=members, minlength=NVN)
    share = np.select([kind == "spring", kind == "well", kind == "cistern"],
                      [rng.uniform(0.3, 1.0, n), rng.uniform(0.2, 0.8, n), rng.uniform(0.05, 0.3, n)], 0.0)
    people = np.where(local, np.maximum(np.round(nv_pop[ws.nv.to_numpy()] * share), 3), people).astype(int)
    piped = np.select([kind == "centralised", kind == "small_scheme", kind == "spring", kind == "well"],
                      [np.ones(n, bool), rng.random(n) < 0.85, rng.random(n) < 0.25, rng.random(n) < 0.1], False)
    piped &= ~stressed_src & ~np.isin(ws.nv.to_numpy(), cand)
    need = people * 0.08
    base_cap = np.select([kind == "centralised", kind == "small_scheme", kind == "emergency", kind == "cistern"],
                         [200.0, 15.0, 20.0, 0.3], 2.0)
    capacity = np.maximum(base_cap, need * rng.uniform(1.0, 2.5, n))
    over = rng.random(n) < 0.05
    capacity = np.where(over & (need > 0), need * rng.uniform(0.5, 0.9, n), capacity)
    capacity = np.round(np.where(kind == "emergency", rng.uniform(20, 60, n), capacity), 1)
    guarantee = np.select([status == "working", status == "seasonal", status == "contaminated"],
                          [rng.uniform(0.9, 0.995, n), rng.uniform(0.6, 0.88, n), rng.uniform(0.85, 0.95, n)],
                          rng.uniform(0.0, 0.3, n))
    nvn = nv_names[ws.nv.to_numpy()]
    vname = np.array([short_name(s) for s in villages.name.to_numpy()], dtype=object)[ws.v.to_numpy()]
    town_short = np.array([short_name(nm) for nm in towns.name], dtype=object)[town_ix[ws.v.to_numpy()]]
    name = np.select([kind == "cistern", kind == "spring", kind == "well", (kind == "small_scheme") & is_site[src_nv],
                      kind == "small_scheme", kind == "emergency"],
                     [nvn + "水窖", nvn + "山箐水源", nvn + "水井", nvn + "供水工程", vname + "村饮水工程",
                      town_short + "应急供水点"],
                     town_short + "集中供水工程")
    name = name.astype(object)
    ci = np.flatnonzero(kind == "centralised")
    if len(ci) > len(towns):
        name[ci[-1]] = "新平县城第二水厂"
    zone = np.full(n, None, dtype=object)
    for k, (a, b) in (("centralised", (250, 450)), ("small_scheme", (80, 200))):
        m = kind == k
        zone[m] = _zones(rng, ws.x.to_numpy()[m], ws.y.to_numpy()[m], a, b)
    zone_geo = np.full(n, None, dtype=object)
    zm = np.array([z is not None for z in zone])
    zone_geo[zm] = _to_geo(zone[zm])
    df = pd.DataFrame({
        "id": np.char.add("W", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
        "name": name,
        "kind": kind.astype(object),
        "status": status,
        "capacity_m3_per_day": capacity,
        "people_served": people,
        "piped_to_home": piped,
        "disinfection": np.isin(kind, ["centralised"]) | ((kind == "small_scheme") & (rng.random(n) < 0.6)),
        "guarantee_rate": np.round(guarantee, 3),
        "water_manager": _names(rng, n),
        "village_code": vcode[ws.nv.to_numpy()],
        "elevation_m": np.round(_sample(elev, ws.x.to_numpy(), ws.y.to_numpy()), 1),
        "protection_zone": zone_geo,
    })
    gdf = _points(df, ws.x.to_numpy(), ws.y.to_numpy())
    gdf.attrs["nv"] = ws.nv.to_numpy()
    served_piped = int(np.isin(serve, np.flatnonzero(piped)).sum())
    return gdf, served_piped, {"far": far_nv, "steep": steep_nv}


# ----------------------------------------------------------------------------------------------------- roads

def _roads(rng, elev, outline, nx_, ny_, counts, is_site, is_centre, seat_nv, nv_names, nv_v, villages, towns,
           water, stressed):
    """A noded road tree grown from the county seat along gentle ground: county roads to township seats, township
    roads to village committees and relocation sites, village and group roads to natural villages, footpaths to
    springs, wells and the smallest hamlets. A few big hamlets are left on gravel or earth, one with a hardened
    stretch cut off from the rest."""
    # Routing grid at ROAD_CELL: block means of the DEM (voids stay void), nodes inside the outline.
    f = int(ROAD_CELL / CELL)
    ny2, nx2 = NY // f, NX // f
    blk = elev[: ny2 * f, : nx2 * f].reshape(ny2, f, nx2, f)
    Eg = blk.mean(axis=(1, 3))
    gx = X0 + (np.arange(nx2) + 0.5) * ROAD_CELL
    gy = Y1 - (np.arange(ny2) + 0.5) * ROAD_CELL
    GX, GY = np.meshgrid(gx, gy)
    valid = np.isfinite(Eg) & shapely.contains_xy(outline.buffer(300), GX, GY)
    nid = np.full(Eg.shape, -1)
    nid[valid] = np.arange(valid.sum())
    nodes_xy = np.column_stack([GX[valid], GY[valid]])
    N = len(nodes_xy)
    a_l, b_l, w_l = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0 = slice(0, ny2 - dr); c0 = slice(max(0, -dc), nx2 - max(dc, 0))
        r1 = slice(dr, ny2); c1 = slice(max(0, dc), nx2 + min(dc, 0) if dc < 0 else nx2)
        A = nid[r0, c0]; B = nid[r1, c1]
        ok = (A >= 0) & (B >= 0)
        L = ROAD_CELL * np.hypot(dr, dc)
        g = np.abs(Eg[r1, c1] - Eg[r0, c0])[ok] / L
        a_l.append(A[ok]); b_l.append(B[ok]); w_l.append(L * (1 + (g / 0.08) ** 2))
    A = np.concatenate(a_l); B = np.concatenate(b_l); W = np.concatenate(w_l)
    graph = coo_matrix((W, (A, B)), shape=(N, N)).tocsr()
    root_xy = np.array(_grid(*SEATS[COUNTY_SEAT][:2]))
    root = int(cKDTree(nodes_xy).query(root_xy)[1])
    dist, pred = dijkstra(graph, directed=False, indices=root, return_predecessors=True)
    reach = np.flatnonzero(np.isfinite(dist))
    rtree = cKDTree(nodes_xy[reach])

    # Targets: natural villages and path-served water sources, each with a level (5 county … 1 path).
    NVN = len(nx_)
    tiny = (counts < 10) & ~is_centre & ~is_site & (rng.random(NVN) < 0.3)
    level_nv = np.select([seat_nv, is_centre | is_site, counts >= 30, tiny], [5, 4, 3, 1], 2)
    tx, ty, tlevel = nx_, ny_, level_nv
    T = len(tx)
    tnode = reach[rtree.query(np.column_stack([tx, ty]))[1]]
    # Roads share their way: route the trunk first, make its edges cheap, then route the villages along it, and
    # the rest along both (otherwise the tree runs county roads side by side down the same valley).
    for lv, discount in ((5, 0.3), (4, 0.5)):
        on = np.zeros(N, bool)
        cur = np.unique(tnode[tlevel >= lv])
        while len(cur):
            cur = cur[~on[cur]]
            on[cur] = True
            cur = pred[cur]
            cur = cur[cur >= 0]
        shared = on[A] & on[B] & ((pred[B] == A) | (pred[A] == B))
        W = np.where(shared, W * discount, W)
        graph = coo_matrix((W, (A, B)), shape=(N, N)).tocsr()
        dist, pred = dijkstra(graph, directed=False, indices=root, return_predecessors=True)
    P = np.r_[pred, tnode].astype(np.int64)
    P[P < 0] = -1
    X = np.r_[nodes_xy[:, 0], tx]; Y = np.r_[nodes_xy[:, 1], ty]
    NN = N + T
    tid = np.arange(N, NN)

    def propagate(starts, keys):
        mark = np.full(NN, -1, np.int64)
        cur, k = starts.copy(), keys.copy()
        while len(cur):
            o = np.lexsort((-k, cur))
            cur, k = cur[o], k[o]
            first = np.r_[True, cur[1:] != cur[:-1]]
            cur, k = cur[first], k[first]
            new = mark[cur] < k
            cur, k = cur[new], k[new]
            mark[cur] = k
            cur = P[cur]
            k = k[cur >= 0]; cur = cur[cur >= 0]
        return mark

    key = propagate(tid, tlevel.astype(np.int64) * (T + 1) + (T - np.arange(T)))
    used = key >= 0
    road_used = propagate(tid[tlevel >= 2], np.ones(int((tlevel >= 2).sum()), np.int64)) >= 0
    nonroot = used & (P >= 0)
    cc = np.bincount(P[nonroot], minlength=NN)
    rcc = np.bincount(P[road_used & (P >= 0)], minlength=NN)
    is_target = np.zeros(NN, bool); is_target[N:] = True
    hashed = ((np.arange(NN, dtype=np.uint64) * np.uint64(2654435761)) % np.uint64(2 ** 32)) % np.uint64(4) == 0
    brk = used & ((P < 0) | is_target | (cc >= 2) | hashed)
    starts = np.flatnonzero(brk & (P >= 0))
    ne = len(starts)
    e_idx, e_step, e_node = [], [], []
    cur = starts.copy(); ids = np.arange(ne); step = 0
    while len(cur):
        e_idx.append(ids); e_step.append(np.full(len(ids), step)); e_node.append(cur)
        if step > 0:
            go = ~brk[cur]
            ids, cur = ids[go], cur[go]
        cur = P[cur]
        step += 1
    e_idx = np.concatenate(e_idx); e_step = np.concatenate(e_step); e_node = np.concatenate(e_node)
    o = np.lexsort((e_step, e_idx))
    e_idx, e_node = e_idx[o], e_node[o]
    # One pass of 1-2-1 smoothing takes the grid's stair steps off; ends stay put, so edges still meet exactly.
    lx, ly = X[e_node], Y[e_node]
    inner = np.r_[False, e_idx[1:] == e_idx[:-1]] & np.r_[e_idx[1:] == e_idx[:-1], False]
    i = np.flatnonzero(inner)
    lx, ly = lx.copy(), ly.copy()
    lx[i] = 0.25 * lx[i - 1] + 0.5 * lx[i] + 0.25 * lx[i + 1]
    ly[i] = 0.25 * ly[i - 1] + 0.5 * ly[i] + 0.25 * ly[i + 1]
    lines = shapely.linestrings(lx, ly, indices=e_idx)
    length = shapely.length(lines)
    ekey = key[starts]
    elevel = ekey // (T + 1)
    etarget = T - ekey % (T + 1)

    # Natural villages' own stretch: from the village up to where another road-served target joins.
    owner = np.full(NN, -1)
    nvt = np.flatnonzero(tlevel >= 2)
    cur = tid[nvt]; who = nvt
    while len(cur):
        owner[cur] = who
        nxt = P[cur]
        go = (nxt >= 0) & (rcc[np.maximum(nxt, 0)] == 1) & (P[np.maximum(nxt, 0)] >= 0)
        cur, who = nxt[go], who[go]
    eowner = owner[starts]

    n = ne
    surface = np.empty(n, dtype=object)
    u = rng.random(n)
    surface[:] = np.select([elevel == 5, elevel == 4, elevel == 3, elevel == 2],
                           [np.where(u < 0.85, "asphalt", "cement"), np.where(u < 0.3, "asphalt", "cement"),
                            np.where(u < 0.97, "cement", "asphalt"),
                            np.where(u < 0.45, "cement", np.where(u < 0.8, "gravel", "earth"))], "path")
    # A hardened stretch only where the stretch towards the seat is hardened too (edges in order from the seat),
    # so that the only hardened islands are the ones planted below.
    hard = np.isin(surface, ["asphalt", "cement"])
    top = np.full(n, -1)
    last = np.r_[e_idx[1:] != e_idx[:-1], True]
    top[e_idx[last]] = e_node[last]
    edge_at = np.full(NN, -1); edge_at[starts] = np.arange(n)
    parent_edge = edge_at[top]
    node_dist = np.r_[dist, dist[tnode] + 1.0]
    for e in np.argsort(node_dist[starts], kind="stable"):
        pe = parent_edge[e]
        if pe >= 0 and not hard[pe] and hard[e]:
            hard[e] = False
            surface[e] = "gravel" if rng.random() < 0.7 else "earth"
    # Road gaps: big hamlets whose own stretch is long stay on gravel or earth; the longest keeps a hardened
    # stretch at its end that no hardened road joins to the seat.
    own_len = np.bincount(np.maximum(eowner, 0), weights=np.where(eowner >= 0, length, 0), minlength=T)
    own_n = np.bincount(np.maximum(eowner, 0), weights=(eowner >= 0), minlength=T)
    big = np.flatnonzero((tlevel == 3) & (own_len > 600))
    n_gap = min(len(big), max(2, int(round(0.04 * (tlevel == 3).sum()))))
    gaps = big[np.argsort(-own_len[big], kind="stable")][:n_gap]
    gap_e = np.isin(eowner, gaps)
    surface[gap_e] = np.where(rng.random(int(gap_e.sum())) < 0.6, "gravel", "earth")
    cutoff = [g for g in gaps if own_n[g] >= 2][:2 if len(gaps) > 3 else 1]
    for g in cutoff:
        surface[(eowner == g) & (starts == N + g)] = "cement"
    # Some short village spurs are gravel though a hardened road passes close by (no gap: a test of distance).
    spur = (elevel == 3) & (eowner >= 0) & (starts == N + eowner) & ~gap_e & (length < 250) & (rng.random(n) < 0.2)
    surface[spur] = "gravel"
    cls = np.array(["path", "path", "group", "village", "township", "county"], dtype=object)[elevel]
    width = np.select([cls == "county", cls == "township", cls == "village", cls == "group"], [7.5, 6.0, 4.5, 3.5], 1.2)
    all_season = np.select([np.isin(surface, ["asphalt", "cement"]), surface == "gravel", surface == "earth"],
                           [np.ones(n, bool), rng.random(n) < 0.8, rng.random(n) < 0.3], False)
    bus = (cls == "county") | ((cls == "township") & (rng.random(n) < 0.85) & np.isin(surface, ["asphalt", "cement"]))
    tname = {t: short_name(nm) for t, nm in zip(towns.code, towns.name)}
    tgt_nv = np.minimum(etarget, NVN - 1)
    vil = np.array([short_name(s) for s in villages.name.to_numpy()], dtype=object)[nv_v[tgt_nv]]
    twn = np.array([tname[t] for t in villages.township.to_numpy()], dtype=object)[nv_v[tgt_nv]]
    nvn = nv_names[tgt_nv]
    name = np.select([cls == "county", cls == "township", cls == "village", cls == "group"],
                     ["新平—" + twn + "公路", twn + "—" + vil + "公路", vil + "—" + nvn + "村道", nvn + "组道"], None)
    name = np.where((cls == "county") & (twn == "桂山"), "新平县城区道路", name).astype(object)
    # Footpaths from each hamlet straight to its springs and wells (取水便道), starting where its road ends.
    wsel = np.isin(water["kind"].to_numpy(), ["spring", "well"])
    wnv = water.attrs["nv"][wsel]
    wx, wy = _grid(water.geometry.x.to_numpy()[wsel], water.geometry.y.to_numpy()[wsel])
    m = len(wnv)
    ax_, ay_ = nx_[wnv], ny_[wnv]
    bend = rng.normal(0, 0.08, m)
    mx = (ax_ + wx) / 2 - (wy - ay_) * bend; my = (ay_ + wy) / 2 + (wx - ax_) * bend
    fp = shapely.linestrings(np.column_stack([ax_, mx, wx]).ravel(), np.column_stack([ay_, my, wy]).ravel(),
                             indices=np.repeat(np.arange(m), 3))
    lines = np.r_[lines, fp]
    name = np.r_[name, nv_names[wnv] + "取水便道"]
    surface = np.r_[surface, np.full(m, "path", dtype=object)]
    cls = np.r_[cls, np.full(m, "path", dtype=object)]
    width = np.r_[width, np.full(m, 1.0)]
    all_season = np.r_[all_season, np.zeros(m, bool)]
    bus = np.r_[bus, np.zeros(m, bool)]
    n = len(lines)
    # Where two edges of the tree cross (diagonal steps of the grid), node them: split both at the crossing.
    pairs = shapely.STRtree(lines).query(lines, predicate="crosses")
    crossing = np.unique(pairs.ravel())
    src = np.arange(n)
    if len(crossing):
        pieces = shapely.get_parts(shapely.node(shapely.geometrycollections(lines[crossing])))
        mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
        got = shapely.STRtree(lines[crossing]).query_nearest(mid, all_matches=False)
        owner_of = np.empty(len(pieces), int)
        owner_of[got[0]] = crossing[got[1]]
        o = np.lexsort((np.arange(len(pieces)), owner_of))
        keep = np.setdiff1d(np.arange(n), crossing)
        src = np.r_[keep, owner_of[o]]
        lines = np.r_[lines[keep], pieces[o]]
        src_order = np.argsort(src, kind="stable")
        src, lines = src[src_order], lines[src_order]
    name, surface, cls, width, all_season, bus = (a[src] for a in (name, surface, cls, width, all_season, bus))
    n = len(src)
    df = pd.DataFrame({
        "id": np.char.add("R", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
        "name": name.astype(object),
        "surface": surface,
        "class": cls,
        "width_m": width,
        "all_season": all_season,
        "bus": bus,
    })
    out = _gdf(df, lines)
    out.attrs["gaps"] = [int(g) for g in gaps]
    out.attrs["cutoff"] = [int(g) for g in cutoff]
    return out


# ----------------------------------------------------------------------------------------------------- the rest

def _relocation(rng, site_ids, sx, sy, site_town, cap, occupied, nv_names, n_reg, vcode, households, hh_nv, nv_id,
                nv_elev, is_centre, is_site):
    """Relocation sites and their relocated households (the households of the site's own natural village), each
    from a remote high hamlet, most with a worker in employment."""
    n = len(site_ids)
    fac = np.array(["school", "clinic", "kindergarten", "factory"])
    big = cap >= np.median(cap)
    has = rng.random((n, 4)) < np.array([0.45, 0.8, 0.55, 0.5])
    has |= big[:, None] & (rng.random((n, 4)) < 0.6)
    facilities = [list(fac[h]) for h in has]
    sites = pd.DataFrame({
        "id": site_ids, "name": nv_names[n_reg:], "village_code": vcode[n_reg:],
        "capacity_households": cap, "relocated_households": occupied,
        "facilities": facilities,
    })
    gsites = _points(sites, sx, sy)
    on_site = is_site[hh_nv]
    hh = households[on_site]
    site_of = (hh_nv[on_site] - n_reg)
    remote = np.flatnonzero(~is_site & ~is_centre & (np.nan_to_num(nv_elev) > np.nanpercentile(nv_elev[~is_site], 60)))
    origin = nv_id[rng.choice(remote, size=len(hh))] if len(remote) else nv_id[0]
    members = hh["members"].to_numpy()
    workers = np.minimum(members, rng.choice([0, 1, 2, 3], size=len(hh), p=[0.04, 0.46, 0.38, 0.12]))
    workers = np.where((members >= 2) & (workers == 0) & (rng.random(len(hh)) < 0.5), 1, workers)
    relocated = pd.DataFrame({
        "household_id": hh["id"].to_numpy(), "site_id": site_ids[site_of], "origin_natural_village_id": origin,
        "relocated_on": _dates(rng.integers(2_150, 3_200, len(hh))),  # 2018–2020
        "members": members, "workers_employed": workers,
    })
    return gsites, relocated


def _houses(rng, households, hx, hy, hh_nv, relocated, nv_id, nx_, ny_):
    """A house per household (grade, appraisal, renovation), plus the old houses left behind by relocated
    households: idle and dangerous, a few still lived in."""
    H = len(households)
    cat = households["category"].to_numpy()
    poorish = cat != "general"
    grade = np.where(poorish, _choice(rng, list("ABCD"), [48, 42, 7, 3], H),
                     _choice(rng, list("ABCD"), [55, 39, 4.5, 1.5], H))
    cd = np.isin(grade, ["C", "D"])
    ren = np.where(cd, _choice(rng, ["planned", "under_way", "done", "safe_occupancy", "none"], [24, 22, 20, 26, 8], H),
                   np.where(rng.random(H) < 0.06, "safe_occupancy", "none")).astype(object)
    a = rng.uniform(0, 2 * np.pi, H)
    x = hx + 6 * np.cos(a); y = hy + 6 * np.sin(a)
    appraised = rng.integers(20, 2_200, H).astype(float)
    # Old houses of relocated households, back in the hamlet they left.
    old = relocated[rng.random(len(relocated)) < 0.35]
    m = len(old)
    pos = pd.Index(nv_id).get_indexer(old["origin_natural_village_id"].to_numpy())
    ox = nx_[pos] + rng.normal(0, 90, m); oy = ny_[pos] + rng.normal(0, 90, m)
    df = pd.DataFrame({
        "id": np.r_[np.char.add("F", households["id"].to_numpy().astype(str)),
                    np.char.add("FO", old["household_id"].to_numpy().astype(str))].astype(object),
        "household_id": np.r_[households["id"].to_numpy(), old["household_id"].to_numpy()],
        "grade": np.r_[grade, _choice(rng, ["C", "D"], [3, 7], m)].astype(object),
        "appraised_on": _dates(np.r_[appraised, rng.integers(200, 2_000, m)]),
        "renovation_state": np.r_[ren, np.full(m, "none", dtype=object)],
        "idle": np.r_[np.zeros(H, bool), np.ones(m, bool)],
        "occupied": np.r_[np.ones(H, bool), rng.random(m) < 0.06],
    })
    return _points(df, np.r_[x, ox], np.r_[y, oy])


def _assets(rng, villages, centres, nx_, ny_, nv_v, nv_names, vcode, households, hx, hy, water, roads):
    """Poverty-alleviation project assets of the three types, with values, fund sources and dates; some registered
    late or not at all."""
    V = len(villages)
    vname = np.array([short_name(s) for s in villages.name.to_numpy()], dtype=object)
    parts = []
    # Village-level assets: 2–6 per village committee near its centre.
    k = rng.integers(2, 7, V)
    vi = np.repeat(np.arange(V), k)
    n = len(vi)
    typ = _choice(rng, ["public_welfare", "operating"], [6, 4], n)
    pub_c = _choice(rng, ["road", "water_works", "clinic", "activity_centre", "irrigation"], [30, 25, 15, 15, 15], n)
    op_c = _choice(rng, ["greenhouse", "pv_station", "factory", "tea_processing", "cattle_farm", "cold_storage"],
                   [25, 20, 15, 15, 15, 10], n)
    category = np.where(typ == "operating", op_c, pub_c)
    label = {"road": "村组道路硬化", "water_works": "人饮工程", "clinic": "村卫生室", "activity_centre": "村级活动场所",
             "irrigation": "高效节水灌溉", "greenhouse": "蔬菜大棚", "pv_station": "村级光伏电站",
             "factory": "扶贫车间", "tea_processing": "茶叶初制所", "cattle_farm": "肉牛养殖场", "cold_storage": "沃柑冷库"}
    x, y = _polar(rng, centres[vi, 0], centres[vi, 1], 50, 900, 1)
    value = np.where(typ == "operating", rng.lognormal(np.log(600_000), 0.8, n), rng.lognormal(np.log(300_000), 0.9, n))
    parts.append(pd.DataFrame({"name": vname[vi] + np.array([label[c] for c in category], dtype=object),
                               "type": typ, "category": category, "value": value, "x": x[:, 0], "y": y[:, 0],
                               "code": villages.code.to_numpy()[vi], "owner": vname[vi] + "村股份经济合作社"}))
    # Household assets (到户类): a cow, fruit seedlings, a rebuilt kitchen, for some exited and monitored families.
    cat = households["category"].to_numpy()
    hsel = np.flatnonzero((cat != "general") & (rng.random(len(cat)) < 0.12))
    m = len(hsel)
    hc = _choice(rng, ["livestock", "fruit_trees", "kitchen_toilet"], [45, 35, 20], m)
    hl = {"livestock": "能繁母牛", "fruit_trees": "沃柑种苗", "kitchen_toilet": "厨厕改造"}
    nvidx = households["natural_village_id"].to_numpy()[hsel]
    parts.append(pd.DataFrame({"name": households["head_name"].to_numpy()[hsel] + "户" +
                               np.array([hl[c] for c in hc], dtype=object),
                               "type": "household", "category": hc, "value": rng.lognormal(np.log(8_000), 0.5, m),
                               "x": hx[hsel] + 15, "y": hy[hsel] - 10, "code": np.array([s[:12] for s in nvidx]),
                               "owner": households["head_name"].to_numpy()[hsel]}))
    a = pd.concat(parts, ignore_index=True)
    n = len(a)
    completed = rng.integers(60, 3_600, n).astype(float)     # 2017–2026
    accepted = completed - rng.integers(5, 60, n)
    reg_delay = np.select([rng.random(n) < 0.8, rng.random(n) < 0.6],
                          [rng.integers(10, 85, n), rng.integers(100, 420, n)],
                          -1).astype(float)
    registered = np.where(reg_delay < 0, np.nan, accepted - reg_delay)
    registered = np.where(registered < 0, np.nan, registered)  # not yet due or not yet done
    accepted = np.maximum(accepted, 0)
    df = pd.DataFrame({
        "id": np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object),
        "name": a["name"].to_numpy(), "type": a["type"].to_numpy(), "category": a["category"].to_numpy(),
        "value_yuan": np.round(a["value"].to_numpy(), -2),
        "fund_source": _choice(rng, _FUNDS, [35, 15, 8, 15, 10, 7, 6, 4], n),
        "completed_on": _dates(completed), "accepted_on": _dates(accepted), "registered_on": _dates(registered),
        "owner": a["owner"].to_numpy(), "custodian": _names(rng, n),
        "maintenance_state": _choice(rng, ["good", "needs_repair", "broken", "idle"], [76, 15, 5, 4], n),
        "village_code": a["code"].to_numpy(),
    })
    return _points(df, a["x"].to_numpy(), a["y"].to_numpy())


# ----------------------------------------------------------------------------------------------------- output

def layer_digest(frame: pd.DataFrame) -> str:
    """A hash of a layer's attributes and geometries (byte-level), to show two runs made the same data."""
    h = hashlib.sha256()
    if isinstance(frame, gpd.GeoDataFrame):
        h.update(b"".join(shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object)).tolist()))
        attrs = frame.drop(columns=frame.geometry.name)
    else:
        attrs = frame
    for col in attrs.columns:
        vals = attrs[col].to_numpy()
        h.update(col.encode())
        if vals.dtype.kind in "biuf":
            h.update(str(vals.dtype).encode() + np.ascontiguousarray(vals).tobytes())
        else:  # text, lists, dates, geometries: by their printed value, never by object address
            h.update("\x1f".join(repr(v.wkt if isinstance(v, shapely.Geometry) else v) for v in vals).encode())
    return h.hexdigest()


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """A layer as files want it: lists joined with ';', a second geometry as WKT."""
    out = frame.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None):
            continue
        vals = out[col].to_numpy()
        if vals.dtype == object and len(vals):
            sample = next((v for v in vals if v is not None), None)
            if isinstance(sample, list):
                out[col] = [";".join(v) if v else None for v in vals]
            elif isinstance(sample, shapely.Geometry):
                out[col] = [None if v is None else v.wkt for v in vals]
    return out


def write_folder(demo: Demo, folder: str | Path) -> list[Path]:
    """Write a dataset folder per the import contract: one GeoPackage per spatial layer, CSV for the rest, dem.tif."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for layer, frame in demo.layers.items():
        flat = _flat(frame)
        if isinstance(frame, gpd.GeoDataFrame):
            path = folder / f"{layer}.gpkg"
            if path.exists():
                path.unlink()
            flat.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")
        else:
            path = folder / f"{layer}.csv"
            flat.to_csv(path, index=False)
        written.append(path)
    (folder / "dem.tif").write_bytes(demo.dem_tif)
    written.append(folder / "dem.tif")
    return written
