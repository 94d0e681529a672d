"""Validate a layer read from a file against its table: columns, types, coded values, ids, references, geometry.

Every check runs over whole columns (pandas/numpy/shapely), so a million rows take seconds. Each problem is one line
`file: row N (id X): field: what is wrong`; repairs made where they are unambiguous are reported as notices.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import frames
from .dataset import RawLayer, split_list
from .headers import vocabulary
from .settings import settings

# Required columns of each layer (ARCHITECTURE.md, "Dataset folder"), and the column that identifies a row.
REQUIRED = {
    "natural_villages": ("id", "name", "households"),
    "households": ("id", "natural_village_id"),
    "water_sources": ("id", "status"),
    "roads": ("id", "surface"),
    "seats": ("code", "level"),
    "admin_units": ("code", "level", "name"),
    "relocation_sites": ("id",),
    "houses": ("id",),
    "assets": ("id", "type"),
    "relocated_households": ("household_id", "site_id"),
    "facilities": ("id", "kind"),   # village services
}
# Household members (issue 14).
REQUIRED["household_members"] = ("id", "household_id", "name", "relation", "sex", "birth_date", "id_number")
KEY = {"seats": "code", "admin_units": "code", "relocated_households": "household_id"}
# Geometry type ids (shapely) each layer accepts: 0 Point, 1 LineString, 3 Polygon, 6 MultiPolygon.
GEOMETRY = {
    "natural_villages": (0,), "households": (0,), "water_sources": (0,), "seats": (0,), "roads": (1,),
    "admin_units": (3, 6), "relocation_sites": (0, 3, 6), "houses": (0, 3, 6), "assets": (0, 3, 6),
    "facilities": (0,),   # village services
}
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}
# Which column points at which layer.
REFERENCES = {("households", "natural_village_id"): "natural_villages",
              ("relocated_households", "site_id"): "relocation_sites"}
REFERENCES[("household_members", "household_id")] = "households"
POSITIVE = {"width_m"}
FRACTION = {"guarantee_rate"}
NON_NEGATIVE_FLOAT = {"capacity_m3_per_day", "value_yuan"}
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "有", "√", "✓", "x"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "无", "×"}
_CODE12 = re.compile(r"^[0-9]{12}$")


def key_column(layer: str) -> str:
    return KEY.get(layer, "id")


@dataclass
class Problems:
    """Problem lines (at most `settings.import_problem_lines` per file, field and kind, then a count), and notices."""

    lines: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    count: int = 0
    files: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return self.count > 0

    def file(self, file: str, what: str) -> None:
        self.lines.append(f"{file}: {what}")
        self.count += 1
        self.files.add(file.split(":")[0])

    def rows(self, raw: RawLayer, mask, fieldname: str, message) -> int:
        """One line per row where `mask` holds; `message(i)` (or a fixed string) says what is wrong at row i."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return 0
        keys = _ids(raw)
        cap = settings.import_problem_lines
        for i in idx[:cap]:
            what = message(i) if callable(message) else message
            ident = f" ({key_column(raw.name)} {keys[i]})" if keys is not None and keys[i] not in (None, "") else ""
            self.lines.append(f"{raw.file}: row {raw.row_numbers[i]}{ident}: {fieldname}: {what}")
        if len(idx) > cap:
            self.lines.append(f"{raw.file}: {fieldname}: … and {len(idx) - cap} more rows with this problem")
        self.count += len(idx)
        self.files.add(raw.file)
        return len(idx)

    def summary(self) -> str:
        return (f"{self.count} problem{'s' if self.count != 1 else ''} in {len(self.files)} "
                f"file{'s' if len(self.files) != 1 else ''}; nothing was imported (the database is unchanged)")


def _ids(raw: RawLayer):
    col = key_column(raw.name)
    if col not in raw.frame.columns:
        return None
    return as_text(raw.frame[col]).to_numpy(dtype=object, na_value=None)


def as_text(s: pd.Series) -> pd.Series:
    """Values as trimmed text (integers without '.0'); missing and blank as NA."""
    if pd.api.types.is_bool_dtype(s):
        out = pd.Series(np.where(s.fillna(False).to_numpy(dtype=bool), "true", "false"), index=s.index,
                        dtype="string").mask(s.isna())
    elif pd.api.types.is_integer_dtype(s):
        out = s.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float)
        integral = np.isfinite(v) & (np.mod(v, 1) == 0)
        out = pd.Series(np.where(integral, pd.Series(v).fillna(0).astype("int64").astype(str),
                                 s.astype(str)), index=s.index, dtype="string")
        out[~np.isfinite(v)] = pd.NA
    else:
        out = s.astype("string").str.strip()
    return out.mask(out == "", pd.NA)


def _vocab_lookup(vocab: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, (zh, en) in vocab.items():
        out[code] = code
        out[code.lower()] = code
        out[zh] = code
        out[en.lower()] = code
    return out


def _expected(vocab: dict) -> str:
    return ", ".join(f"{code} ({zh})" for code, (zh, en) in vocab.items())


def coerce_columns(raw: RawLayer, columns: dict[str, str], defaults: dict[str, object], problems: Problems
                   ) -> pd.DataFrame:
    """The file's columns as the table's types, coded values as codes, defaults where a NOT NULL column is blank;
    columns the table does not know are kept as text (they go to `extra`)."""
    layer, frame = raw.name, raw.frame
    out = pd.DataFrame(index=frame.index)
    flagged: dict[str, np.ndarray] = {}  # rows already reported per column (not also reported as blank)
    for col in frame.columns:
        s = frame[col]
        udt = columns.get(col)
        if udt is None or col in ("extra", "geom", "geom_m"):
            if col not in ("extra", "geom", "geom_m"):
                out[col] = as_text(s) if not pd.api.types.is_numeric_dtype(s) else s
            continue
        if udt == "geometry":  # a second shape beside the row's own: a water source's protection zone
            out[col] = check_zones(raw, col, s, problems)
            continue
        present = s.notna().to_numpy().copy()
        text = None  # the cells as trimmed text, made once per column
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            text = as_text(s)
            present &= text.notna().to_numpy(dtype=bool)
        vocab = vocabulary(layer, col)
        bad = np.zeros(len(s), dtype=bool)
        if udt in ("int4", "int8", "int2"):
            num = pd.to_numeric(s.where(present), errors="coerce").to_numpy(dtype=float)
            bad = present & (~np.isfinite(num) | (np.mod(num, 1) != 0))
            problems.rows(raw, bad, col, lambda i, s=s: f"not a whole number: {s.iloc[i]!r}")
            neg = present & ~bad & (num < 0)
            problems.rows(raw, neg, col, lambda i, num=num: f"must be 0 or more, got {num[i]:g}")
            out[col] = pd.array(np.where(present & ~bad, num, np.nan), dtype="Float64").astype("Int64")
        elif udt in ("float8", "float4", "numeric"):
            num = pd.to_numeric(s.where(present), errors="coerce").to_numpy(dtype=float)
            bad = present & ~np.isfinite(num)
            problems.rows(raw, bad, col, lambda i, s=s: f"not a number: {s.iloc[i]!r}")
            ok = present & ~bad
            if col in POSITIVE:
                problems.rows(raw, ok & (num <= 0), col, lambda i, num=num: f"must be more than 0, got {num[i]:g}")
            if col in NON_NEGATIVE_FLOAT:
                problems.rows(raw, ok & (num < 0), col, lambda i, num=num: f"must be 0 or more, got {num[i]:g}")
            if col in FRACTION:
                problems.rows(raw, ok & ((num < 0) | (num > 1)), col,
                              lambda i, num=num: f"must be a fraction from 0 to 1 (0.95 for 95 %), got {num[i]:g}")
            out[col] = np.where(ok, num, np.nan)
        elif udt == "bool":
            text = (text if text is not None else as_text(s)).str.lower()
            val = pd.Series(np.where(text.isin(_TRUE), True, np.where(text.isin(_FALSE), False, None)),
                            index=s.index, dtype=object)
            bad = present & val.isna().to_numpy()
            problems.rows(raw, bad, col, lambda i, s=s: f"not yes/no: {s.iloc[i]!r} (use true/false, 是/否, 1/0)")
            out[col] = val.where(~bad, None)
        elif udt == "date":
            text = text if text is not None else as_text(s)
            when = pd.to_datetime(text, errors="coerce", format="ISO8601")
            for fmt in ("%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"):
                miss = when.isna() & text.notna()
                if not miss.any():
                    break
                when = when.where(~miss, pd.to_datetime(text.where(miss), errors="coerce", format=fmt))
            bad = present & when.isna().to_numpy()
            problems.rows(raw, bad, col, lambda i, s=s: f"not a date: {s.iloc[i]!r} (use YYYY-MM-DD)")
            out[col] = when.dt.strftime("%Y-%m-%d").astype(object).where(when.notna(), None)
        elif udt == "_text":
            text = text if text is not None else as_text(s)
            lookup = _vocab_lookup(vocab) if vocab else None
            values = np.full(len(s), None, dtype=object)
            bad = np.zeros(len(s), dtype=bool)
            unknown: dict[int, str] = {}
            cells = text.to_numpy(dtype=object, na_value=None)
            for i in np.flatnonzero(present):
                items = split_list(cells[i])
                if lookup is not None:
                    codes = [lookup.get(v, lookup.get(v.lower())) for v in items]
                    if None in codes:
                        bad[i] = True
                        unknown[i] = ", ".join(v for v, c in zip(items, codes) if c is None)
                        continue
                    items = list(dict.fromkeys(codes))
                values[i] = items
            problems.rows(raw, bad, col, lambda i: f"unknown value {unknown[i]!r}; expected any of {_expected(vocab)}")
            out[col] = values
        else:  # text, char(12) codes, coded values
            text = text if text is not None else as_text(s)
            if vocab:
                lookup = _vocab_lookup(vocab)
                codes = text.map(lookup)
                miss = codes.isna() & text.notna()
                if miss.any():
                    codes[miss] = text[miss].str.lower().map(lookup)
                bad = present & codes.isna().to_numpy()
                problems.rows(raw, bad, col, lambda i, s=s: f"unknown value {s.iloc[i]!r}; expected one of "
                                                            f"{_expected(vocab)}")
                text = codes.astype("string")
            elif udt == "bpchar":
                bad = present & ~text.str.fullmatch(_CODE12.pattern).fillna(False).to_numpy(dtype=bool)
                problems.rows(raw, bad, col, lambda i, s=s: f"not a 12-digit division code: {s.iloc[i]!r}")
            out[col] = text.astype(object).where(text.notna(), None)
        flagged[col] = bad
    # Blank NOT NULL columns: the table's default where it has one, else a problem.
    for col, default in defaults.items():
        if col not in out.columns:
            continue
        blank = out[col].isna().to_numpy() if out[col].dtype != object else pd.isna(out[col]).to_numpy()
        if default is _REQUIRED:
            problems.rows(raw, blank & ~flagged.get(col, False), col, "missing a value (required)")
        elif blank.any():
            out.loc[blank, col] = pd.Series([default] * int(blank.sum()), index=out.index[blank], dtype=object)
    return out


_REQUIRED = object()  # marks a NOT NULL column without a default


def check_required(raw: RawLayer, problems: Problems) -> bool:
    """Whether the file has every required column (and a geometry where the layer needs one)."""
    missing = [c for c in REQUIRED[raw.name] if c not in raw.frame.columns]
    for c in missing:
        problems.file(raw.file, f"{c}: missing required column (the file has: {', '.join(map(str, raw.frame.columns))})")
    if raw.name in GEOMETRY and raw.geoms is None and raw.name != "admin_units":
        problems.file(raw.file, "geometry: none found; give lon and lat columns or a WKT column (CSV), "
                                "or use GeoJSON, GeoPackage or Shapefile")
        return False
    return not missing


def check_text(raw: RawLayer, problems: Problems) -> bool:
    """Whether every header and text cell can be stored: PostgreSQL's text refuses a NUL character, so each one is a
    problem line naming the row and field instead of a failure of the whole load."""
    ok = True
    for c in raw.frame.columns:
        if "\x00" in str(c):
            problems.file(raw.file, f"{str(c)!r}: a column name contains a NUL character")
            ok = False
            continue
        col = raw.frame[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            try:
                nul = col.str.contains("\x00", regex=False, na=False).to_numpy(dtype=bool)
            except AttributeError:   # no text in the column
                continue
            ok &= not problems.rows(raw, nul, str(c), "contains a NUL character")
    return ok


def check_keys(raw: RawLayer, keys: pd.Series, problems: Problems, stored: pd.Index | None) -> None:
    """Ids present, unique in the file and (without --replace) not already stored."""
    col = key_column(raw.name)
    blank = keys.isna().to_numpy()
    problems.rows(raw, blank, col, "missing a value (required)")
    dup = keys.duplicated(keep="first").to_numpy() & ~blank
    if dup.any():
        first = pd.Series(raw.row_numbers, index=keys.index)[~keys.duplicated(keep="first") & keys.notna()]
        first_row = dict(zip(keys[first.index], first))
        problems.rows(raw, dup, col, lambda i: f"duplicate id {keys.iloc[i]!r} (first on row {first_row[keys.iloc[i]]})")
    if stored is not None and len(stored):
        clash = keys.isin(stored).to_numpy() & ~blank & ~dup
        problems.rows(raw, clash, col, lambda i: f"id {keys.iloc[i]!r} is already in the database; "
                                                 f"use --replace to swap the whole layer")


def check_references(raw: RawLayer, values: pd.Series, col: str, known: pd.Index, target: str,
                     problems: Problems) -> None:
    bad = values.notna().to_numpy() & ~values.isin(known).to_numpy()
    problems.rows(raw, bad, col, lambda i: f"unknown {target.replace('_', ' ')[:-1]} {values.iloc[i]!r} "
                                           f"(not in {target} of this import or the database)")


def _inside(lon, lat, box, margin=0.0) -> np.ndarray:
    x0, y0, x1, y1 = box
    return (lon >= x0 - margin) & (lon <= x1 + margin) & (lat >= y0 - margin) & (lat <= y1 + margin)


def _centres(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = shapely.bounds(geoms)
    return (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2


def check_geometry(raw: RawLayer, problems: Problems) -> np.ndarray:
    """Geometries in CGCS2000 (None where a problem was reported): present, readable, in range, not swapped, in
    China, of the layer's type, valid (polygons repaired when make_valid keeps the same area, with a notice)."""
    name, fld = raw.name, raw.geometry_field
    geoms = raw.geoms.copy()
    n = len(geoms)
    if raw.unparsed is not None:
        problems.rows(raw, raw.unparsed, fld, "unreadable: not numbers" if "/" in fld else "unreadable WKT")
    missing = pd.isna(geoms) | shapely.is_empty(geoms)
    if raw.unparsed is not None:
        missing &= ~raw.unparsed
    problems.rows(raw, missing, fld, "empty or missing geometry")
    bad = missing | (raw.unparsed if raw.unparsed is not None else False)
    geoms[bad] = None
    cx, cy = _centres(geoms)
    box = settings.import_china_box
    if frames.is_geographic(raw.crs):
        swapped = ~bad & _inside(cy, cx, box) & ~_inside(cx, cy, box)
        problems.rows(raw, swapped, fld, lambda i: f"latitude and longitude look swapped (lon {cx[i]:.6f}, "
                                                   f"lat {cy[i]:.6f}); put longitude first")
        b = shapely.bounds(geoms)
        out_of_range = ~bad & ~swapped & ((b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90))
        problems.rows(raw, out_of_range, fld, lambda i: f"coordinates out of range (lon {cx[i]:.6f}, lat {cy[i]:.6f}); "
                                                        f"longitude is −180…180, latitude −90…90")
        bad |= swapped | out_of_range
        geoms[bad] = None
    geoms = to_storage(geoms, raw.crs)
    cx, cy = _centres(geoms)
    unconverted = ~bad & ~(np.isfinite(cx) & np.isfinite(cy))
    problems.rows(raw, unconverted, fld, f"cannot be converted from {frames.frame_name(raw.crs)} to CGCS2000; "
                                         f"check --crs")
    bad |= unconverted
    if not frames.is_geographic(raw.crs):
        swapped = ~bad & _inside(cy, cx, box) & ~_inside(cx, cy, box)
        problems.rows(raw, swapped, fld, lambda i: f"latitude and longitude look swapped (lon {cx[i]:.6f}, "
                                                   f"lat {cy[i]:.6f})")
        bad |= swapped
    outside = ~bad & ~_inside(cx, cy, box)
    problems.rows(raw, outside, fld, lambda i: f"outside China (lon {cx[i]:.6f}, lat {cy[i]:.6f}); "
                                               f"check the coordinates and --crs")
    bad |= outside
    geoms[bad] = None
    # Types: single-part multis become their part; multi-part roads are merged when they form one line.
    types = shapely.get_type_id(geoms)
    allowed = GEOMETRY[name]
    single = np.isin(types, (4, 5)) & (shapely.get_num_geometries(geoms) == 1)
    if single.any():
        geoms[single] = shapely.get_geometry(geoms[single], 0)
    if 1 in allowed:
        multi = (types == 5) & ~single
        if multi.any():
            merged = shapely.line_merge(geoms[multi])
            geoms[multi] = merged
    types = shapely.get_type_id(geoms)
    wrong = ~bad & ~np.isin(types, allowed)
    expect = " or ".join(_TYPE_NAMES[t] for t in allowed)
    problems.rows(raw, wrong, fld, lambda i: f"expected a {expect}, got a {_TYPE_NAMES.get(types[i], 'geometry')}")
    bad |= wrong
    geoms[wrong] = None
    # Validity (points are always valid): repair only what make_valid can fix without changing the area.
    check = ~bad & (types != 0)
    if check.any():
        idx = np.flatnonzero(check)
        valid = shapely.is_valid(geoms[idx])
        for i in idx[~valid]:
            g = geoms[i]
            reason = shapely.is_valid_reason(g)
            fixed = shapely.make_valid(g)
            if (shapely.get_type_id(fixed) in (3, 6) and g.geom_type in ("Polygon", "MultiPolygon")
                    and abs(fixed.area - g.area) <= 1e-9 * max(g.area, 1e-12) + 1e-15):
                geoms[i] = fixed
                problems.notices.append(f"{raw.file}: row {raw.row_numbers[i]}: {fld}: repaired an invalid polygon "
                                        f"({reason}) without changing its area")
            else:
                bad[i] = True
                geoms[i] = None
                problems.rows(raw, np.arange(n) == i, fld, f"invalid geometry ({reason}); fix it in the source file")
    return geoms


def check_zones(raw: RawLayer, col: str, values: pd.Series, problems: Problems) -> np.ndarray:
    """A column of polygons beside the layer's own geometry (a protection zone), given as shapes or as WKT in the
    layer's frame, in CGCS2000; None where blank or where a problem was reported (unreadable, not a polygon)."""
    cells = values.to_numpy(dtype=object)
    shapes = np.full(len(cells), None, dtype=object)
    given = shapely.is_geometry(cells)
    shapes[given] = cells[given]
    wkt = ~given & ~pd.isna(cells)
    if wkt.any():
        text = as_text(values[wkt]).to_numpy(dtype=object, na_value=None)
        wkt[wkt] = ~pd.isna(text)  # blank text is no zone
        shapes[wkt] = shapely.from_wkt(text[~pd.isna(text)], on_invalid="ignore")
        problems.rows(raw, wkt & pd.isna(shapes), col, "unreadable WKT")
    shapes[shapely.is_empty(shapes)] = None
    shapes = to_storage(shapes, raw.crs)
    types = shapely.get_type_id(shapes)
    wrong = ~pd.isna(shapes) & ~np.isin(types, (3, 6))
    problems.rows(raw, wrong, col, lambda i: f"expected a Polygon or MultiPolygon, got a "
                                             f"{_TYPE_NAMES.get(types[i], 'geometry')}")
    shapes[wrong] = None
    return shapes


def to_storage(geoms: np.ndarray, frame) -> np.ndarray:
    """Geometries from a frame into CGCS2000 (points fast, everything else coordinate-wise); None stays None."""
    out = np.asarray(geoms, dtype=object).copy()
    present = ~pd.isna(out)
    if not present.any() or frames.is_storage(frame):
        return out
    g = out[present]
    points = shapely.get_type_id(g) == 0
    if points.all():
        x, y = frames.to_storage(shapely.get_x(g), shapely.get_y(g), frame)
        out[present] = shapely.points(x, y)
        return out

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = frames.to_storage(xy[:, 0], xy[:, 1], frame)
        return np.column_stack([x, y])

    out[present] = shapely.transform(g, fn)
    return out


def check_extent(raw: RawLayer, geoms: np.ndarray, reference: tuple | None, problems: Problems) -> np.ndarray:
    """Points far outside the other layers' (or the DEM's) extent whose swap falls inside: latitude and longitude
    swapped. Returns the rows reported."""
    if reference is None or geoms is None:
        return np.zeros(len(raw), dtype=bool)
    cx, cy = _centres(geoms)
    ok = np.isfinite(cx)
    m = settings.import_swap_margin_deg
    far = ok & ~_inside(cx, cy, reference, m)
    swapped = far & _inside(cy, cx, reference, m)
    problems.rows(raw, swapped, raw.geometry_field,
                  lambda i: f"latitude and longitude look swapped (lon {cx[i]:.6f}, lat {cy[i]:.6f} is far outside "
                            f"the data's extent; swapped it falls inside)")
    return swapped


# ----------------------------------------------------------------------------------------- household members (issue 14)

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))
_ID_FORM = re.compile(r"^[0-9]{17}[0-9X]$")
MEMBER_RANGES = {"disability_grade": (1, 4), "employed_months": (0, 12), "welfare_months": (0, 12)}


def id_number_problems(numbers: pd.Series, birth: pd.Series | None = None, sex: pd.Series | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resident ID numbers (GB 11643-1999) over whole columns: (malformed, bad check digit, birth date differs,
    sex differs), each a boolean array. `birth` as 'YYYY-MM-DD' text, `sex` as male/female; lower-case x is read as X."""
    text = as_text(numbers).str.upper()
    present = text.notna().to_numpy(dtype=bool)
    form = present & text.str.fullmatch(_ID_FORM.pattern).fillna(False).to_numpy(dtype=bool)
    malformed = present & ~form
    n = len(text)
    bad_check = np.zeros(n, dtype=bool)
    bad_birth = np.zeros(n, dtype=bool)
    bad_sex = np.zeros(n, dtype=bool)
    if form.any():
        ok = text[form].to_numpy(dtype=object)
        digits = np.frombuffer("".join(v[:17] for v in ok).encode(), dtype=np.uint8).reshape(-1, 17) - 48
        expected = _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11]
        bad_check[form] = expected != np.array([v[17] for v in ok])
        ymd = pd.to_datetime(pd.Series([v[6:14] for v in ok]), format="%Y%m%d", errors="coerce")
        malformed[np.flatnonzero(form)[ymd.isna().to_numpy()]] = True   # no such date in the number
        if birth is not None:
            b = pd.Series(birth.to_numpy(dtype=object)[form])
            given = b.notna().to_numpy(dtype=bool)
            bad_birth[form] = given & ymd.notna().to_numpy() & (ymd.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
                                                                != b.to_numpy(dtype=object))
        if sex is not None:
            sx = pd.Series(sex.to_numpy(dtype=object)[form])
            coded = np.where(digits[:, 16] % 2 == 1, "male", "female")
            bad_sex[form] = sx.notna().to_numpy(dtype=bool) & (coded != sx.to_numpy(dtype=object))
    return malformed, bad_check & ~malformed, bad_birth, bad_sex


def check_members(raw: RawLayer, attrs: pd.DataFrame, problems: Problems) -> None:
    """A member's ID number well formed, its check digit right, the birth date and sex it carries the row's own,
    unique in the file; grades and months in range; no birth date in the future."""
    if "id_number" not in attrs:
        return
    attrs["id_number"] = as_text(attrs["id_number"]).str.upper().astype(object).where(attrs["id_number"].notna(), None)
    malformed, bad_check, bad_birth, bad_sex = id_number_problems(
        attrs["id_number"], attrs.get("birth_date"), attrs.get("sex"))
    ids = attrs["id_number"]
    problems.rows(raw, malformed, "id_number", lambda i: f"not an 18-character resident ID number: {ids.iloc[i]!r}")
    problems.rows(raw, bad_check, "id_number", lambda i: f"check digit wrong in {ids.iloc[i]!r} (GB 11643)")
    problems.rows(raw, bad_birth, "birth_date", lambda i: f"{attrs['birth_date'].iloc[i]} differs from the birth "
                                                          f"date in the ID number {ids.iloc[i][6:14]}")
    problems.rows(raw, bad_sex, "sex", lambda i: f"{attrs['sex'].iloc[i]} differs from the sex the ID number carries")
    text = as_text(ids)
    dup = text.duplicated(keep="first").to_numpy() & text.notna().to_numpy()
    problems.rows(raw, dup, "id_number", lambda i: f"ID number {ids.iloc[i]!r} appears on an earlier row")
    if "birth_date" in attrs:
        future = pd.to_datetime(attrs["birth_date"], errors="coerce") > pd.Timestamp.now()
        problems.rows(raw, future.to_numpy(dtype=bool), "birth_date",
                      lambda i: f"{attrs['birth_date'].iloc[i]} is in the future")
    for col, (lo, hi) in MEMBER_RANGES.items():
        if col in attrs:
            v = pd.to_numeric(attrs[col], errors="coerce").to_numpy(dtype=float)
            problems.rows(raw, np.isfinite(v) & ((v < lo) | (v > hi)), col,
                          lambda i, v=v, lo=lo, hi=hi: f"must be from {lo} to {hi}, got {v[i]:g}")


ROW_CHECKS = {"household_members": check_members}   # layer -> checks across a row's fields, after coerce_columns


def frame_for_store(attrs: pd.DataFrame, geoms: np.ndarray | None) -> pd.DataFrame:
    """The validated attributes with their CGCS2000 geometry, as store.write_layer takes them."""
    if geoms is None:
        return attrs
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=attrs.index, crs=frames.STORAGE_SRID),
                            crs=frames.STORAGE_SRID)
