"""Read a dataset: a folder of one file per layer named after the layer (GeoJSON, GeoPackage, Shapefile, CSV) and
dem.tif, or layers already in memory (the demo's frames), as the same raw layers the validation takes.

Only the drivers the formats need are used: each file must begin as its suffix's format does, so GDAL can only pick
that format's driver (a VRT, which reaches other files and URLs, or any other of GDAL's formats under a layer's name
is refused), the DEM is opened by the GeoTIFF driver alone, and only regular files of a local folder are read (no
/vsi… or URL paths, no pipes or devices)."""
from __future__ import annotations

import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from . import frames
from .headers import column_aliases
from .settings import settings
from .store import LAYERS

SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile", ".csv": "CSV"}
DEM_NAME = "dem.tif"
# How each format's file begins (a BOM and white space may come before GeoJSON's first bracket).
_MAGIC = {"GeoPackage": (b"SQLite format 3\x00",), "Shapefile": (b"\x00\x00\x27\x0a",),
          "GeoTIFF": (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), "GeoJSON": (b"{", b"[")}
# Shapefile side files, read with their .shp and not layers of their own.
_SIDE_FILES = {".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd"}
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "几何")


class DatasetError(Exception):
    """A problem with a whole file (it cannot be read at all), as one line naming the file."""


@dataclass
class RawLayer:
    """One layer as read from its file: attributes as text or numbers, geometries in the file's frame."""

    name: str
    path: Path
    frame: pd.DataFrame
    geoms: np.ndarray | None              # shapely geometries (None where missing); None for a layer without geometry
    crs: object                           # 'gcj02', 'bd09' or a pyproj CRS: the frame `geoms` are in
    row_numbers: np.ndarray               # what the user sees: line in a CSV (header = 1), feature number otherwise
    geometry_field: str = "geometry"      # the field to name in a problem with the geometry (lon/lat, wkt, geometry)
    notices: list[str] = field(default_factory=list)
    unparsed: np.ndarray | None = None    # rows whose geometry text could not be read (CSV lon/lat or WKT)

    @property
    def file(self) -> str:
        return self.path.name

    def __len__(self) -> int:
        return len(self.frame)


@dataclass
class Dataset:
    """What a folder holds: its layers, its DEM bytes, and file-level problems found while reading."""

    folder: Path
    layers: dict[str, RawLayer]
    dem: bytes | None
    problems: list[str]
    notices: list[str]
    dem_name: str = DEM_NAME  # the DEM's source as recorded with it


def scan(folder: str | Path, crs: str | None = None) -> Dataset:
    """Read every layer file and dem.tif in `folder`; `crs` is the frame of files that carry none (and of GeoJSON)."""
    folder = Path(folder)
    if str(folder).startswith("/vsi") or "://" in str(folder) or not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder; give the dataset folder (one file per layer, and dem.tif)")
    try:
        override = frames.parse_frame(crs) if crs else None
    except ValueError as err:
        raise DatasetError(f"--crs: {err}") from None
    problems: list[str] = []
    notices: list[str] = []
    found: dict[str, list[Path]] = {}
    dem = None
    for path in sorted(folder.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        if path.name.lower() == DEM_NAME:
            try:
                _check_file(path, "GeoTIFF")
                dem = path.read_bytes()
            except DatasetError as err:
                problems.append(str(err))
            continue
        if suffix in _SIDE_FILES:
            continue
        stem = path.stem.lower()
        if suffix not in SUFFIXES or stem not in LAYERS:
            notices.append(f"{path.name}: ignored (layers are {', '.join(LAYERS)}, as .geojson, .gpkg, .shp or "
                           f".csv, and the DEM is {DEM_NAME})")
            continue
        found.setdefault(stem, []).append(path)
    layers: dict[str, RawLayer] = {}
    for name, paths in found.items():
        if len(paths) > 1:
            problems.append(f"{', '.join(p.name for p in paths)}: two files for layer {name}; keep one")
            continue
        try:
            layers[name] = read_layer(paths[0], name, override)
        except DatasetError as err:
            problems.append(str(err))
    if not layers and dem is None and not problems:
        problems.append(f"{folder}: no layer files and no {DEM_NAME}; name each file after its layer "
                        f"({', '.join(LAYERS)})")
    return Dataset(folder, layers, dem, problems, notices)


def from_frames(layers: dict[str, pd.DataFrame], dem: bytes | None = None, source: str = "frames",
                dem_name: str = DEM_NAME) -> Dataset:
    """Layers already in memory as a Dataset: GeoDataFrames in their CRS (a table without geometry as a plain
    DataFrame), list cells (risk types) and shapes in other columns (a protection zone) as a file would give them.
    Problems name the layer as `LAYER (source)` and rows by their position, from 1."""
    raws: dict[str, RawLayer] = {}
    problems: list[str] = []
    for name, frame in layers.items():
        if name not in LAYERS:
            problems.append(f"{name} ({source}): not a layer; layers are {', '.join(LAYERS)}")
            continue
        geoms, crs = None, frames.parse_frame(settings.import_default_crs)
        if getattr(frame, "_geometry_column_name", None) in frame.columns:
            geoms = np.asarray(frame.geometry.array, dtype=object)
            crs = frame.crs
            frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        attrs = _normalise_columns(pd.DataFrame({c: _lists_as_text(frame[c]) for c in frame.columns}), name)
        attrs.index = pd.RangeIndex(len(attrs))
        raws[name] = RawLayer(name, Path(f"{name} ({source})"), attrs, geoms, crs, np.arange(len(attrs)) + 1)
    return Dataset(Path(source), raws, dem, problems, [], dem_name)


def _lists_as_text(column: pd.Series) -> pd.Series:
    """A column of lists as a file holds it: items joined by ';', an empty list blank; other columns as they are."""
    if column.dtype != object:
        return column
    first = next((v for v in column if v is not None), None)
    if not isinstance(first, (list, tuple)):
        return column
    return pd.Series([";".join(map(str, v)) if isinstance(v, (list, tuple)) and len(v) else None for v in column],
                     index=column.index, dtype=object)


def read_layer(path: Path, layer: str, override=None) -> RawLayer:
    """One layer file as a RawLayer; DatasetError when the file is empty or cannot be read."""
    _check_file(path, SUFFIXES[path.suffix.lower()])
    if path.suffix.lower() == ".csv":
        raw = _read_csv(path, layer, override)
    else:
        raw = _read_vector(path, layer, override)
    if len(raw) == 0:
        raise DatasetError(f"{path.name}: file: no rows")
    return raw


def _check_file(path: Path, fmt: str) -> None:
    """DatasetError unless `path` is a regular, non-empty file that begins as `fmt`'s files do."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise DatasetError(f"{path.name}: file: not a regular file")
    if st.st_size == 0:
        raise DatasetError(f"{path.name}: file: empty (0 bytes)")
    if fmt not in _MAGIC:
        return
    with open(path, "rb") as fh:
        head = fh.read(64)
    if fmt == "GeoJSON":
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not head.startswith(_MAGIC[fmt]):
        raise DatasetError(f"{path.name}: file: unreadable (not a {fmt} file: its content is of another format)")


def _normalise_columns(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Column names trimmed and lower-cased; Chinese or English ledger headers mapped to the schema's names."""
    aliases = column_aliases(layer)
    names = []
    for c in frame.columns:
        key = str(c).strip()
        names.append(aliases.get(key, aliases.get(key.lower(), key.lower())))
    out = frame.copy(deep=False)
    out.columns = names
    return out


def _read_csv(path: Path, layer: str, override) -> RawLayer:
    try:
        # pyarrow: fast, and it refuses a row with more fields than the header instead of dropping data.
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", engine="pyarrow")
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path.name}: file: empty (no header row)") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path.name}: file: not UTF-8 text; save the CSV as UTF-8") from None
    except (pd.errors.ParserError, ValueError) as err:
        raise DatasetError(_csv_error(path, err)) from None
    frame = _normalise_columns(frame, layer)
    dupes = frame.columns[frame.columns.duplicated()].tolist()
    if dupes:
        raise DatasetError(f"{path.name}: columns: {', '.join(dupes)} appear twice")
    rows = np.arange(len(frame)) + 2  # the header is line 1
    crs = override or frames.parse_frame(settings.import_default_crs)
    lon = next((c for c in LON_NAMES if c in frame.columns), None)
    lat = next((c for c in LAT_NAMES if c in frame.columns), None)
    wkt = next((c for c in WKT_NAMES if c in frame.columns), None)
    if lon and lat:
        x = pd.to_numeric(frame[lon], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(frame[lat], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        geoms = np.full(len(frame), None, dtype=object)
        geoms[ok] = shapely.points(x[ok], y[ok])
        blank = frame[lon].isna().to_numpy() & frame[lat].isna().to_numpy()
        raw = RawLayer(layer, path, frame.drop(columns=[lon, lat]), geoms, crs, rows, f"{lon}/{lat}",
                       unparsed=~ok & ~blank)
    elif wkt:
        text = frame[wkt]
        geoms = shapely.from_wkt(text.where(text.notna(), None).to_numpy(dtype=object), on_invalid="ignore")
        unparsed = text.notna().to_numpy() & pd.isna(geoms)
        raw = RawLayer(layer, path, frame.drop(columns=[wkt]), np.asarray(geoms, dtype=object), crs, rows, wkt,
                       unparsed=unparsed)
    else:
        raw = RawLayer(layer, path, frame, None, crs, rows, "lon/lat")
    return raw


def _csv_error(path: Path, err: Exception) -> str:
    """The first row whose field count differs from the header's, found again with the csv module (error path only)."""
    import csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            for row in reader:
                if len(row) != len(header) and any(row):
                    return (f"{path.name}: row {reader.line_num}: has {len(row)} fields but the header has "
                            f"{len(header)}; quote values that contain commas")
    except (UnicodeDecodeError, csv.Error):
        pass
    if "Empty CSV" in str(err) or "empty" in str(err).lower():
        return f"{path.name}: file: empty (no header row)"
    return f"{path.name}: file: unreadable CSV ({str(err).strip().splitlines()[0]})"


def _read_vector(path: Path, layer: str, override) -> RawLayer:
    import pyogrio

    try:
        info = pyogrio.read_info(path)
        with warnings.catch_warnings():  # GeoJSON fields that are not JSON stay text, which is what we want
            warnings.simplefilter("ignore", UserWarning)
            gdf = pyogrio.read_dataframe(path, use_arrow=True)
    except Exception as err:  # pyogrio raises DataSourceError, DataLayerError and friends: all mean "unreadable"
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DatasetError(f"{path.name}: file: unreadable ({first})") from None
    geojson = path.suffix.lower() in (".geojson", ".json")
    if gdf.crs is None or geojson:
        crs = override or (frames.parse_frame(gdf.crs.to_string()) if gdf.crs is not None
                           else frames.parse_frame(settings.import_default_crs))
    else:
        crs = frames.parse_frame(gdf.crs.to_wkt())
    geoms = None
    if getattr(gdf, "geometry", None) is not None and info.get("geometry_type") not in (None, "None"):
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        geoms = np.where(pd.isna(geoms), None, geoms)
        attrs = pd.DataFrame(gdf.drop(columns=[gdf.geometry.name]))
    else:
        attrs = pd.DataFrame(gdf.drop(columns=["geometry"], errors="ignore"))
    attrs = _normalise_columns(attrs, layer)
    attrs.index = pd.RangeIndex(len(attrs))
    return RawLayer(layer, path, attrs, geoms, crs, np.arange(len(attrs)) + 1, "geometry")


def split_list(value: str) -> list[str]:
    """A list cell ('因病;因学', 'illness, education', '{illness,education}') as its items."""
    return [v for v in (s.strip().strip('"') for s in re.split(r"[,;，；、|/]", str(value).strip("{}[]"))) if v]
