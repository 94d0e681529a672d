"""Import a dataset, a folder or layers in memory (the demo's): read → validate → CGCS2000 → elevation from the DEM →
write, all in one transaction.

Nothing is written when any problem is found; the problems come back one per line (ImportProblems).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from . import db, store, terrain, validate
from .cli import IMPORTED, plugins
from .frames import STORAGE_SRID
from .settings import settings
from .dataset import DEM_NAME, Dataset, DatasetError, RawLayer, scan


class ImportProblems(Exception):
    """Bad input: the problem lines, the notices, and a one-line summary (str of the exception)."""

    def __init__(self, problems: validate.Problems):
        super().__init__(problems.summary())
        self.lines = problems.lines
        self.notices = problems.notices


@dataclass
class ImportReport:
    rows: dict[str, int] = field(default_factory=dict)
    dem: str | None = None
    notices: list[str] = field(default_factory=list)
    elevations: dict[str, int] = field(default_factory=dict)  # rows given an elevation, per layer
    stale: dict[str, int] = field(default_factory=dict)  # check results deleted because their inputs changed
    made: dict[str, int] = field(default_factory=dict)  # what the rooms above made of it (monitoring: cases)

    def summary(self) -> str:
        parts = [f"{layer} {n:,}" for layer, n in self.rows.items()]
        if self.dem:
            parts.append(f"DEM {self.dem}")
        parts += [f"{what} {n:,}" for what, n in self.made.items() if n]
        return "imported " + (", ".join(parts) if parts else "nothing")


# The checks' results and the inputs they are computed from: a change to any input makes every stored result stale
# (a new or moved household, source, road or DEM changes whose fetch or road gap is what), so the import deletes them
# in its own transaction and says which checks to rerun (the pages show 'checks not run yet' until then).
CHECK_INPUTS = {"water_results": ("households", "natural_villages", "water_sources", "roads", "dem"),
                "road_results": ("natural_villages", "roads", "dem")}


def drop_stale_results(cur, changed: set[str]) -> dict[str, int]:
    """Delete the check results computed from any of the `changed` layers ('dem' for the DEM); rows per table."""
    out = {}
    for table, inputs in CHECK_INPUTS.items():
        if changed & set(inputs):
            cur.execute(f"DELETE FROM {table}")
            out[table] = cur.rowcount
    return out


def table_defaults(cur, table: str) -> dict[str, object]:
    """NOT NULL columns of a table with their default value, or validate._REQUIRED where they have none."""
    cur.execute("""SELECT column_name, column_default FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO'
                   AND is_generated = 'NEVER'""", (table,))
    out: dict[str, object] = {}
    for column, default in cur.fetchall():
        if default is None:
            out[column] = validate._REQUIRED
        elif "nextval(" not in default and "now()" not in default:
            cur.execute("SELECT " + default)  # an expression from the catalog, never user input
            out[column] = cur.fetchone()[0]
    return out


def _generated_columns(cur, table: str) -> list[str]:
    """Columns the table computes itself (an export writes them; an import leaves them to the table)."""
    cur.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'ALWAYS'""", (table,))
    return [r[0] for r in cur.fetchall()]


def _stored_keys(cur, table: str, key: str) -> pd.Index:
    cur.execute(f"SELECT {key} FROM {table}")  # table and key come from the schema's own names
    return pd.Index([r[0].strip() if isinstance(r[0], str) else r[0] for r in cur.fetchall()])


def _stored_extent(cur) -> tuple | None:
    """The extent (lon/lat) of everything stored, from the point layers and roads."""
    parts = " UNION ALL ".join(f"SELECT ST_Extent(geom)::geometry AS g FROM {t}"
                               for t in ("natural_villages", "households", "water_sources", "seats", "roads"))
    cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(g) e FROM ({parts}) s) x")
    row = cur.fetchone()
    return None if row is None or row[0] is None else tuple(float(v) for v in row)


def _union(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _robust_extent(geoms_by_layer: dict[str, np.ndarray]) -> tuple | None:
    """The 2nd–98th percentile box of every geometry centre: a few swapped points cannot stretch it."""
    xs, ys = [], []
    for g in geoms_by_layer.values():
        b = shapely.bounds(g)
        ok = np.isfinite(b[:, 0])
        xs.append((b[ok, 0] + b[ok, 2]) / 2)
        ys.append((b[ok, 1] + b[ok, 3]) / 2)
    x = np.concatenate(xs) if xs else np.array([])
    y = np.concatenate(ys) if ys else np.array([])
    if len(x) < 10:
        return None
    return (float(np.percentile(x, 2)), float(np.percentile(y, 2)),
            float(np.percentile(x, 98)), float(np.percentile(y, 98)))


def _progress(total: int):
    # disable=None: a bar on a terminal, nothing in a pipe or a log.
    return tqdm(total=total, unit="row", unit_scale=True, disable=None, file=sys.stderr, leave=False,
                dynamic_ncols=True)


def run_import(folder, crs: str | None = None, replace: bool = False, url: str | None = None) -> ImportReport:
    """Import a dataset folder; raise ImportProblems (nothing written) on bad input."""
    try:
        data = scan(folder, crs)
    except DatasetError as err:
        problems = validate.Problems()
        problems.file(str(err).split(":")[0], str(err).split(": ", 1)[1] if ": " in str(err) else str(err))
        raise ImportProblems(problems) from None
    with db.transaction(url) as conn, conn.cursor() as cur:
        # the audit log gets one summary row per statement of this load, naming the folder, not a row per record
        db.set_actor(cur, f"import:{Path(str(folder)).name}", bulk=True)
        return load(cur, data, replace=replace)


def load(cur, data: Dataset, *, replace: bool = False) -> ImportReport:
    """Check every layer of `data` and write it inside the caller's transaction: the one path every dataset takes
    (a folder's files, the demo's frames). On any problem nothing is written and ImportProblems says what."""
    problems = validate.Problems()
    for line in data.problems:
        file, _, what = line.partition(": ")
        problems.file(file, what)
    problems.notices.extend(data.notices)
    total = sum(len(r) for r in data.layers.values())
    cur.execute("SET LOCAL synchronous_commit = off")
    with _progress(2 * total) as bar:
        report = _load(cur, data, replace, problems, bar)
    report.notices = problems.notices
    return report


def _load(cur, data: Dataset, replace: bool, problems: validate.Problems, bar) -> ImportReport:
    # One import at a time per database: a second waits rather than interleaving.
    cur.execute("SELECT pg_advisory_xact_lock(7261933)")
    dem = None
    if data.dem is not None:
        try:
            dem = terrain.Dem.from_bytes(data.dem)
        except Exception as err:
            problems.file(DEM_NAME, f"unreadable GeoTIFF ({str(err).strip().splitlines()[0] if str(err) else err}); "
                                    f"give a GeoTIFF with a CRS")
    # Validate every layer before writing anything.
    checked: dict[str, pd.DataFrame] = {}
    geoms_by_layer: dict[str, np.ndarray] = {}
    raws: dict[str, RawLayer] = {}
    for layer in store.LOAD_ORDER:
        raw = data.layers.get(layer)
        if raw is None:
            continue
        bar.set_description(f"checking {raw.file}")
        raws[layer] = raw
        if not (validate.check_text(raw, problems) & validate.check_required(raw, problems)):
            bar.update(len(raw))
            continue
        columns = store.table_columns(cur, layer)
        attrs = validate.coerce_columns(raw, columns, table_defaults(cur, layer), problems)
        if layer in validate.ROW_CHECKS:   # checks across a row's fields (a member's ID number, birth date, sex)
            validate.ROW_CHECKS[layer](raw, attrs, problems)
        attrs = attrs.drop(columns=[c for c in _generated_columns(cur, layer) if c in attrs])  # e.g. roads.hardened
        key = validate.key_column(layer)
        keys = attrs[key].astype("string") if key in attrs else pd.Series(pd.NA, index=attrs.index, dtype="string")
        validate.check_keys(raw, keys, problems, None if replace else _stored_keys(cur, layer, key))
        if raw.geoms is not None and layer in validate.GEOMETRY:
            geoms_by_layer[layer] = validate.check_geometry(raw, problems)
        checked[layer] = attrs
        bar.update(len(raw))
    # References: to rows of this import, and to stored rows unless the target layer is being replaced.
    for (layer, col), target in validate.REFERENCES.items():
        if layer not in checked or col not in checked[layer]:
            continue
        known = pd.Index([])
        if target in checked:
            known = known.append(pd.Index(checked[target][validate.key_column(target)].dropna().astype(str)))
        if not (replace and target in data.layers):
            known = known.append(_stored_keys(cur, target, validate.key_column(target)))
        validate.check_references(raws[layer], checked[layer][col].astype("string"), col, known, target, problems)
    # Swapped coordinates: points far outside the extent of the DEM, the stored data and the rest of the import.
    reference = _union(_union(dem.bounds_lonlat() if dem is not None else None, _stored_extent(cur)),
                       _robust_extent(geoms_by_layer))
    if reference is None and dem is None:
        stored_dem = terrain.load_dem(cur.connection)
        reference = stored_dem.bounds_lonlat() if stored_dem is not None else None
    for layer, geoms in geoms_by_layer.items():
        swapped = validate.check_extent(raws[layer], geoms, reference, problems)
        geoms[swapped] = None
    if problems:
        raise ImportProblems(problems)

    report = ImportReport()
    if dem is not None:
        terrain.store_dem(cur, data.dem, data.dem_name)
        h, w = dem.elevation.shape
        report.dem = f"{w}×{h} in {dem.crs.to_string()}"
    elif any(layer in geoms_by_layer for layer in checked):
        dem = terrain.load_dem(cur.connection)
    srid = _metric_srid(cur, geoms_by_layer)
    for layer in store.LOAD_ORDER:
        if layer not in checked:
            continue
        attrs = checked[layer]
        geoms = geoms_by_layer.get(layer)
        if geoms is not None and dem is not None and "elevation_m" in store.table_columns(cur, layer):
            attrs = attrs.copy()
            attrs["elevation_m"] = sample_elevation(dem, geoms)
            report.elevations[layer] = int(np.isfinite(attrs["elevation_m"].to_numpy(dtype=float)).sum())
        if geoms is None and layer in validate.GEOMETRY:
            geoms = np.full(len(attrs), None, dtype=object)
        bar.set_description(f"writing {layer}")
        with _bulk(cur, layer, len(attrs), problems, replace):
            # A layer without any geometry (admin units from a plain table) projects nothing: any SRID will do.
            layer_srid = srid or (STORAGE_SRID if geoms is not None and pd.isna(geoms).all() else None)
            report.rows[layer] = store.write_layer(cur, layer, validate.frame_for_store(attrs, geoms),
                                                   replace=replace, srid=layer_srid)
        if problems:
            raise ImportProblems(problems)
        bar.update(len(attrs))
    if report.dem:
        for layer, n in resample_stored(cur, dem, skip=set(checked)).items():
            report.elevations[layer] = n
    _check_orphans(cur, problems)
    if problems:
        raise ImportProblems(problems)
    if {"households", "household_members"} & set(checked):
        problems.notices.extend(member_counts(cur))
    report.stale = drop_stale_results(cur, set(checked) | ({"dem"} if report.dem else set()))
    for imported in plugins(IMPORTED):   # the rooms above, in this transaction (monitoring: households become cases)
        report.made.update(imported(cur, set(checked)))
    return report


def member_counts(cur) -> list[str]:
    """A household's `members` follows from its member rows where any are loaded (one set-based UPDATE)."""
    cur.execute("""UPDATE households h SET members = c.n
                   FROM (SELECT household_id, count(*)::int AS n FROM household_members GROUP BY household_id) c
                   WHERE h.id = c.household_id AND h.members IS DISTINCT FROM c.n""")
    return [f"households: members set from household_members on {cur.rowcount:,} households"] if cur.rowcount else []


@contextmanager
def _bulk(cur, table: str, rows: int, problems: validate.Problems, replace: bool):
    """For a big load, drop the table's secondary indexes and foreign keys and build them again afterwards, inside
    the transaction: one sorted index build and one set-based key check beat a million single-row updates."""
    cur.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass", (table,))
    if rows < settings.import_bulk_rows or cur.fetchone()[0]:
        # Small, or pointed at by other tables (a replace DELETEs it, leaving trigger events that block index builds).
        yield
        return
    if replace:
        cur.execute(f"TRUNCATE {table}")  # what write_layer would do first; nothing points at this table
    _check_orphans(cur, problems, only=table)  # stored rows a replaced layer leaves dangling: problem lines
    if problems:
        raise ImportProblems(problems)
    # Checks still pending on its keys (rows of a referenced layer replaced earlier in this import) run first.
    with db.rebuilt_indexes(cur, table, foreign_keys=True, maintenance_work_mem=None):
        yield


def _metric_srid(cur, geoms_by_layer: dict[str, np.ndarray]) -> int | None:
    """The stored Gauss-Krüger SRID, or the one this import's median longitude picks (recorded for good)."""
    xs = [_inner_xy(g[~pd.isna(g)])[0] for g in geoms_by_layer.values()]
    xs = np.concatenate(xs) if xs else np.array([])
    try:
        return db.record_metric_srid(cur, float(np.median(xs)) if len(xs) else None)
    except ValueError:  # nothing stored and no geometry in this import
        return None


def sample_elevation(dem: terrain.Dem, geoms: np.ndarray) -> np.ndarray:
    """DEM elevation at each point (at a polygon's inner point); NaN on voids, outside the DEM or without geometry."""
    out = np.full(len(geoms), np.nan)
    present = ~pd.isna(geoms)
    if present.any():
        out[present] = dem.sample(*_inner_xy(geoms[present]))
    return out


def _inner_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of each geometry's inner point: a point's own, a line's or a polygon's point on its surface."""
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)  # NaN for what is not a point
    other = np.isnan(x)
    if other.any():
        inner = shapely.point_on_surface(geoms[other])
        x[other], y[other] = shapely.get_x(inner), shapely.get_y(inner)
    return x, y


def resample_stored(cur, dem: terrain.Dem, skip: set[str]) -> dict[str, int]:
    """A new DEM re-samples the elevation of stored layers this import did not bring (set-based: one UPDATE each)."""
    done: dict[str, int] = {}
    for layer in store.LAYERS:
        if layer in skip or "elevation_m" not in store.table_columns(cur, layer):
            continue
        key = validate.key_column(layer)
        cur.execute(f"SELECT {key}, ST_X(p), ST_Y(p) FROM (SELECT {key}, ST_PointOnSurface(geom) p FROM {layer}) s")
        rows = cur.fetchall()
        if not rows:
            continue
        keys = [r[0] for r in rows]
        z = dem.sample(np.array([r[1] for r in rows], dtype=float), np.array([r[2] for r in rows], dtype=float))
        cur.execute("CREATE TEMP TABLE _elev (k text, z double precision) ON COMMIT DROP")
        db.copy_rows(cur, "_elev", ["k", "z"], zip(keys, (None if not np.isfinite(v) else float(v) for v in z)))
        cur.execute(f"UPDATE {layer} t SET elevation_m = e.z FROM _elev e WHERE t.{key} = e.k")
        cur.execute("DROP TABLE _elev")
        done[layer] = int(np.isfinite(z).sum())
    return done


def _check_orphans(cur, problems: validate.Problems, only: str | None = None) -> None:
    """Stored rows left pointing at rows a --replace removed (the import's own rows were checked before)."""
    for (layer, col), target in validate.REFERENCES.items():
        if only is not None and layer != only:
            continue
        key = validate.key_column(layer)
        tkey = validate.key_column(target)
        cur.execute(f"""SELECT l.{key}, l.{col}, count(*) OVER () FROM {layer} l
                        WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{tkey} = l.{col})
                        ORDER BY l.{key} LIMIT 20""")
        rows = cur.fetchall()
        for k, ref, _ in rows:
            problems.file(f"{layer} (database)", f"{key} {k}: {col}: points at {ref!r}, which the new {target} "
                                                 f"does not have; import {layer} too, or keep {target}")
        if rows and rows[0][2] > len(rows):
            problems.file(f"{layer} (database)", f"{col}: … and {rows[0][2] - len(rows)} more rows")
