"""`python -m geo import`: a hand-built dataset loads with codes, extras, names as data and DEM elevations; every
class of bad input is refused with one line per problem and the database left exactly as it was."""
from __future__ import annotations

import shutil
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

from geo import db, validate
from geo.cli import main
from geo.store import LAYERS

from conftest import DATA, ROOT

DATASET = DATA / "dataset"
DROP = "'); DROP TABLE households; --"
# The DEM: EPSG:4522 (CGCS2000 Gauss-Krüger zone 34, 102°E) around 新平, 50 m cells, elevation a plane
# z = 1000 + 0.01·(x − X0) + 0.02·(Y0 − y) that bilinear sampling reproduces exactly; a void around NV3/H4.
X0, Y0, CELL, NODATA = 34_485_000.0, 2_670_000.0, 50.0, -32768.0
TO_DEM = Transformer.from_crs(4490, 4522, always_xy=True)


def plane(x, y):
    return 1000.0 + 0.01 * (x - X0) + 0.02 * (Y0 - y)


def write_dem(path, void_at=(101.9501, 24.0801)):
    cols, rows = 300, 300
    xs = X0 + (np.arange(cols) + 0.5) * CELL
    ys = Y0 - (np.arange(rows) + 0.5) * CELL
    z = plane(xs[None, :], ys[:, None]).astype("float32")
    vx, vy = TO_DEM.transform(*void_at)
    c, r = int((vx - X0) // CELL), int((Y0 - vy) // CELL)
    z[r - 3:r + 4, c - 3:c + 4] = NODATA
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float32",
                       crs="EPSG:4522", transform=from_origin(X0, Y0, CELL, CELL), nodata=NODATA) as dst:
        dst.write(z, 1)


def dataset(tmp_path, dem=True, base=True, **files):
    """A copy of the hand-built dataset (or an empty folder) with files replaced (text), removed (None) or added."""
    folder = tmp_path / "ds"
    if base:
        shutil.copytree(DATASET, folder)
    else:
        folder.mkdir()
    if dem:
        write_dem(folder / "dem.tif")
    for name, text in files.items():
        name = name.replace("__", ".")
        if text is None:
            (folder / name).unlink(missing_ok=True)
        elif isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def checksum(url) -> dict:
    """Row count and an md5 of every row of every table the import may touch."""
    conn = db.connect(url)
    out = {}
    with conn.cursor() as cur:
        for table in (*LAYERS, "dem", "meta"):
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
            out[table] = cur.fetchone()
    conn.close()
    return out


def run(capsys, *args):
    code = main(["import", *map(str, args)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.fixture(scope="module")
def loaded(module_db_url, tmp_path_factory):
    """The module's database with the good dataset imported once."""
    folder = dataset(tmp_path_factory.mktemp("good"))
    assert main(["import", str(folder)]) == 0
    return module_db_url


def test_good_dataset_loads_codes_extras_names_and_elevations(loaded):
    conn = db.connect(loaded)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM natural_villages"); assert cur.fetchone()[0] == 3
        cur.execute("SELECT count(*) FROM households"); assert cur.fetchone()[0] == 4
        # Names are data.
        cur.execute("SELECT name FROM natural_villages WHERE id = 'NV2'"); assert cur.fetchone()[0] == DROP
        cur.execute("SELECT head_name FROM households WHERE id = 'H2'"); assert cur.fetchone()[0] == DROP
        # Coded values given as Chinese label, English label or code are stored as codes; blanks take defaults.
        cur.execute("SELECT id, category, risk_types, members FROM households ORDER BY id")
        assert cur.fetchall() == [("H1", "exited", [], 4), ("H2", "marginal", ["illness", "education"], 3),
                                  ("H3", "unstable", ["illness"], 5), ("H4", "general", [], 2)]
        cur.execute("SELECT id, status, kind, piped_to_home, capacity_m3_per_day FROM water_sources ORDER BY id")
        assert cur.fetchall() == [("W1", "working", "spring", True, 12.5), ("W2", "failed", "cistern", False, 3.0)]
        cur.execute("SELECT id, surface, class, hardened FROM roads ORDER BY id")
        assert cur.fetchall() == [("R1", "cement", "village", True), ("R2", "gravel", "group", False)]
        # Extra columns are kept.
        cur.execute("SELECT extra->>'group_leader' FROM natural_villages WHERE id = 'NV1'")
        assert cur.fetchone()[0] == "李四"
        # Stored in CGCS2000 with the metric copy in Gauss-Krüger zone 34.
        cur.execute("SELECT ST_SRID(geom), ST_SRID(geom_m), ST_X(geom), ST_Y(geom) FROM households WHERE id = 'H1'")
        assert cur.fetchone() == (4490, 4522, 101.9001, 24.0501)
        # Elevation from the projected DEM: exact on the plane, NULL (not −32768) on the void.
        cur.execute("SELECT id, ST_X(geom), ST_Y(geom), elevation_m FROM households ORDER BY id")
        for hid, lon, lat, z in cur.fetchall():
            if hid == "H4":
                assert z is None
            else:
                assert z == pytest.approx(plane(*TO_DEM.transform(lon, lat)), abs=1e-3)
        cur.execute("SELECT elevation_m FROM natural_villages WHERE id = 'NV3'"); assert cur.fetchone()[0] is None
        cur.execute("SELECT crs, nodata FROM dem"); assert cur.fetchone() == ("EPSG:4522", NODATA)
    conn.close()


BAD = {
    "missing required column": (
        {"households__csv": "id,members,lon,lat\nH9,3,101.9,24.05\n"},
        "households.csv: natural_village_id: missing required column"),
    "unknown status": (
        {"water_sources__geojson": (DATASET / "water_sources.geojson").read_text().replace('"failed"', '"broken"')},
        "water_sources.geojson: row 2 (id W2): status: unknown value 'broken'"),
    "unknown surface": (
        {"roads__csv": (DATASET / "roads.csv").read_text().replace("gravel", "dirt")},
        "roads.csv: row 3 (id R2): surface: unknown value 'dirt'"),
    "empty file": ({"households__csv": ""}, "households.csv: file: empty (0 bytes)"),
    "header only": ({"households__csv": "id,natural_village_id,lon,lat\n"}, "households.csv: file: no rows"),
    "unreadable geopackage": ({"roads__gpkg": b"not a geopackage at all" * 100},
                              "roads.gpkg: file: unreadable"),
    "unreadable WKT": ({"roads__csv": 'id,surface,wkt\nR9,cement,"LINESTRING (101.9 24.05, oops)"\n'},
                       "roads.csv: row 2 (id R9): wkt: unreadable WKT"),
    "unquoted comma": ({"roads__csv": "id,surface,wkt\nR9,cement,LINESTRING (101.9 24.05, 101.91 24.06)\n"},
                       "roads.csv: row 2: has 4 fields but the header has 3; quote values that contain commas"),
    "not UTF-8": ({"households__csv": "id,natural_village_id,name,lon,lat\nH9,NV1,张三,101.9,24.05\n".encode("gbk")},
                  "households.csv: file: not UTF-8 text"),
    "empty geometry": ({"households__csv": "id,natural_village_id,lon,lat\nH9,NV1,,\n"},
                       "households.csv: row 2 (id H9): lon/lat: empty or missing geometry"),
    "null GeoJSON geometry": (
        {"water_sources__geojson": '{"type": "FeatureCollection", "features": [{"type": "Feature", '
                                   '"properties": {"id": "W9", "status": "working"}, "geometry": null}]}'},
        "water_sources.geojson: row 1 (id W9): geometry: empty or missing geometry"),
    "self-crossing polygon": (
        {"houses__csv": "id,grade,wkt\nF1,D,\"POLYGON ((101.9 24.05, 101.901 24.051, 101.901 24.05, "
                        "101.9 24.051, 101.9 24.05))\"\n"},
        "houses.csv: row 2 (id F1): wkt: invalid geometry (Self-intersection"),
    "wrong geometry type": ({"roads__csv": "id,surface,wkt\nR9,cement,POINT (101.9 24.05)\n"},
                            "roads.csv: row 2 (id R9): wkt: expected a LineString, got a Point"),
    "out of range": ({"households__csv": "id,natural_village_id,lon,lat\nH9,NV1,201.9,24.05\n"},
                     "households.csv: row 2 (id H9): lon/lat: coordinates out of range (lon 201.900000"),
    "outside China": ({"households__csv": "id,natural_village_id,lon,lat\nH9,NV1,0,0\n"},
                      "households.csv: row 2 (id H9): lon/lat: outside China"),
    "swapped": ({"households__csv": "id,natural_village_id,lon,lat\nH9,NV1,24.0501,101.9001\n"},
                "households.csv: row 2 (id H9): lon/lat: latitude and longitude look swapped"),
    "duplicate id in file": (
        {"households__csv": "id,natural_village_id,lon,lat\nH8,NV1,101.9,24.05\nH8,NV2,101.92,24.06\n"},
        "households.csv: row 3 (id H8): id: duplicate id 'H8' (first on row 2)"),
    "duplicate id with database": ({"natural_villages__csv": (DATASET / "natural_villages.csv").read_text()},
                                   "natural_villages.csv: row 2 (id NV1): id: id 'NV1' is already in the database"),
    "unknown natural village": (
        {"households__csv": "id,natural_village_id,lon,lat\nH9,NV9,101.9,24.05\n"},
        "households.csv: row 2 (id H9): natural_village_id: unknown natural village 'NV9'"),
    "households not an integer": (
        {"natural_villages__csv": "id,name,households,lon,lat\nNV8,新寨,many,101.9,24.05\n"},
        "natural_villages.csv: row 2 (id NV8): households: not a whole number: 'many'"),
    "members not an integer": (
        {"households__csv": "id,natural_village_id,members,lon,lat\nH9,NV1,3.5,101.9,24.05\n"},
        "households.csv: row 2 (id H9): members: not a whole number: '3.5'"),
    "required value blank": ({"natural_villages__csv": "id,name,households,lon,lat\nNV8,,5,101.9,24.05\n"},
                             "natural_villages.csv: row 2 (id NV8): name: missing a value (required)"),
    "unreadable DEM": ({"dem__tif": b"II*\x00garbage"}, "dem.tif: unreadable GeoTIFF"),
    "two files for a layer": ({"roads__csv": (DATASET / "roads.csv").read_text(), "roads__geojson": '{"type": "FeatureCollection", "features": []}'},
                              "roads.csv, roads.geojson: two files for layer roads"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_and_the_database_is_unchanged(case, loaded, tmp_path, capsys):
    files, expected = BAD[case]
    before = checksum(loaded)
    folder = dataset(tmp_path, dem=case == "unreadable DEM", base=False, **files)
    code, out, err = run(capsys, folder)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert any(line.startswith(expected) for line in lines), lines
    assert lines[-1].startswith("error: ") and "nothing was imported" in lines[-1]
    assert checksum(loaded) == before


def test_replace_that_orphans_stored_households_is_refused(loaded, tmp_path, capsys):
    before = checksum(loaded)
    folder = dataset(tmp_path, dem=False, households__csv=None, roads__csv=None, water_sources__geojson=None,
                     natural_villages__csv="id,name,households,lon,lat\nNV1,大寨,32,101.9,24.05\n"
                                           "NV2,中寨,12,101.92,24.06\n")
    code, out, err = run(capsys, folder, "--replace")
    assert code == 2
    assert "households (database): id H4: natural_village_id: points at 'NV3'" in err
    assert checksum(loaded) == before


def test_many_problems_are_summarised_not_flooded(loaded, tmp_path, capsys):
    rows = "\n".join(f"H{i},NV1,many,101.9,24.05" for i in range(100, 160))
    folder = dataset(tmp_path, natural_villages__csv=None, roads__csv=None, water_sources__geojson=None,
                     households__csv="id,natural_village_id,members,lon,lat\n" + rows + "\n")
    code, out, err = run(capsys, folder)
    assert code == 2
    assert "households.csv: members: … and 40 more rows with this problem" in err
    assert err.strip().splitlines()[-1].startswith("error: 60 problems in 1 file")


def test_replace_swaps_a_layer_and_repairs_a_self_touching_ring(db_url, tmp_path, capsys):
    assert run(capsys, dataset(tmp_path))[0] == 0
    # A ring that touches itself at one point (an inverted hole): make_valid keeps the area, so it is repaired.
    touching = ("POLYGON ((101.90 24.05, 101.904 24.05, 101.904 24.054, 101.902 24.054, 101.903 24.052, "
                "101.901 24.052, 101.902 24.054, 101.90 24.054, 101.90 24.05))")
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "households.csv").write_text("id,natural_village_id,name,lon,lat\nH1,NV2,新户主,101.9202,24.0602\n"
                                           "H7,NV3,七,101.9499,24.0799\n", encoding="utf-8")
    (folder / "houses.csv").write_text(f'id,household_id,grade,wkt\nF1,H1,C级（局部危房）,"{touching}"\n',
                                       encoding="utf-8")
    code, out, err = run(capsys, folder, "--replace")
    assert code == 0, err
    assert "houses.csv: row 2: wkt: repaired an invalid polygon (Ring Self-intersection" in out
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT id, natural_village_id, head_name, elevation_m IS NOT NULL FROM households ORDER BY id")
        # The stored DEM samples the new rows; H7 is on the void.
        assert cur.fetchall() == [("H1", "NV2", "新户主", True), ("H7", "NV3", "七", False)]
        cur.execute("SELECT grade, ST_IsValid(geom), round(ST_Area(geom_m)::numeric, -1) FROM houses")
        grade, valid, area = cur.fetchone()
        assert (grade, valid) == ("C", True)
        assert float(area) == pytest.approx(float(shapely.from_wkt(touching).area) * 1e10 * 1.13, rel=0.1)
    conn.close()


def test_gcj02_and_bd09_inputs_land_within_a_metre_of_published_wgs84(db_url, tmp_path, capsys):
    # eviltransform's published pair (Shanghai): WGS84 (121.5272106, 31.1774276) ↔ GCJ-02 (121.531541859215,
    # 31.17530398364597); the Amap/Baidu pair quoted by MapCoords: WGS84 (116.481499, 39.990475) ↔ BD-09
    # (116.49412, 39.997716).
    for crs, lon, lat, wlon, wlat in (("gcj02", 121.531541859215, 31.17530398364597, 121.5272106, 31.1774276),
                                      ("bd09", 116.49412, 39.997716, 116.481499, 39.990475)):
        folder = tmp_path / crs
        folder.mkdir()
        (folder / "natural_villages.csv").write_text(f"id,name,households,lon,lat\n{crs},村,1,{lon},{lat}\n")
        code, out, err = run(capsys, folder, "--crs", crs)
        assert code == 0, err
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("""SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4490)::geography)
                       FROM natural_villages WHERE id = 'gcj02' UNION ALL
                       SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4490)::geography)
                       FROM natural_villages WHERE id = 'bd09'""", (121.5272106, 31.1774276, 116.481499, 39.990475))
        dist = dict(cur.fetchall())
    conn.close()
    assert dist["gcj02"] < 0.05 and dist["bd09"] < 1.0, dist


def test_geopackage_in_a_projected_crs_and_shapefile_without_one(db_url, tmp_path, capsys):
    folder = tmp_path / "vec"
    folder.mkdir()
    x, y = TO_DEM.transform([101.90, 101.92], [24.05, 24.06])
    gpd.GeoDataFrame({"id": ["R1"], "surface": ["asphalt"], "bus": [1]},
                     geometry=[shapely.LineString(list(zip(x, y)))], crs="EPSG:4522").to_file(folder / "roads.gpkg")
    shp = gpd.GeoDataFrame({"id": ["W1"], "status": ["working"]}, geometry=[shapely.Point(101.91, 24.055)])
    shp.to_file(folder / "water_sources.shp")  # no .prj: the frame comes from --crs
    code, out, err = run(capsys, folder, "--crs", "EPSG:4490")
    assert code == 0, err
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT ST_AsText(geom, 7), bus FROM roads")
        assert cur.fetchone() == ("LINESTRING(101.9 24.05,101.92 24.06)", True)
        cur.execute("SELECT ST_AsText(geom) FROM water_sources")
        assert cur.fetchone()[0] == "POINT(101.91 24.055)"
    conn.close()


def test_extent_rule_catches_a_swap_the_china_box_cannot(tmp_path):
    # Outside China the box rule is silent; the extent rule still sees a point whose swap falls among the others.
    from geo.dataset import RawLayer
    import pandas as pd
    geoms = np.array([shapely.Point(10.0, 50.0), shapely.Point(50.0, 10.0)], dtype=object)
    raw = RawLayer("households", tmp_path / "households.csv", pd.DataFrame({"id": ["A", "B"]}), geoms, None,
                   np.array([2, 3]), "lon/lat")
    problems = validate.Problems()
    swapped = validate.check_extent(raw, geoms, (9.5, 49.5, 10.5, 50.5), problems)
    assert swapped.tolist() == [False, True]
    assert problems.lines[0].startswith("households.csv: row 3 (id B): lon/lat: latitude and longitude look swapped")


def test_cli_exit_codes_in_a_real_process(loaded, tmp_path):
    folder = dataset(tmp_path, households__csv="id,natural_village_id,lon,lat\nH9,NV9,101.9,24.05\n")
    proc = subprocess.run([sys.executable, "-m", "geo", "import", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "households.csv: row 2 (id H9): natural_village_id: unknown natural village 'NV9'" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "geo", "import", str(tmp_path / "nowhere")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not a folder" in proc.stderr


def test_bulk_path_rebuilds_indexes_and_keys(db_url, tmp_path, capsys, monkeypatch):
    import psycopg2

    from geo import importer
    monkeypatch.setattr(importer, "settings", importer.settings.model_copy(update={"import_bulk_rows": 1}))

    def catalog():
        conn = db.connect(db_url)
        with conn.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'dixian' ORDER BY 1")
            indexes = cur.fetchall()
            cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                           WHERE connamespace = 'dixian'::regnamespace ORDER BY 1""")
            keys = cur.fetchall()
        conn.close()
        return indexes, keys

    before = catalog()
    assert run(capsys, dataset(tmp_path))[0] == 0
    assert catalog() == before
    conn = db.connect(db_url)
    with pytest.raises(psycopg2.errors.ForeignKeyViolation), conn.cursor() as cur:
        cur.execute("INSERT INTO households (id, natural_village_id, geom, geom_m) VALUES "
                    "('X', 'nowhere', 'SRID=4490;POINT(101.9 24.05)', 'POINT(0 0)')")
        conn.commit()
    conn.close()
    # Appending households in bulk while replacing their villages away is still a problem line, not a crash.
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "natural_villages.csv").write_text("id,name,households,lon,lat\nNV5,新村,3,101.9,24.05\n")
    (tmp_path / "more" / "households.csv").write_text("id,natural_village_id,lon,lat\nH5,NV5,101.9,24.05\n")
    code, out, err = run(capsys, tmp_path / "more", "--replace")
    assert code == 0, err   # households replaced too: nothing dangles
    (tmp_path / "more" / "households.csv").unlink()
    (tmp_path / "more" / "natural_villages.csv").write_text("id,name,households,lon,lat\nNV6,新村,3,101.9,24.05\n")
    code, out, err = run(capsys, tmp_path / "more", "--replace")
    assert code == 2 and "households (database): id H5: natural_village_id: points at 'NV5'" in err
    assert catalog() == before


def test_a_new_dem_alone_resamples_stored_points(db_url, tmp_path, capsys):
    assert run(capsys, dataset(tmp_path))[0] == 0
    folder = tmp_path / "dem_only"
    folder.mkdir()
    write_dem(folder / "dem.tif", void_at=(101.9001, 24.0501))   # the void now under H1 and H2, not H4
    code, out, err = run(capsys, folder)
    assert code == 0, err
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT id, ST_X(geom), ST_Y(geom), elevation_m FROM households ORDER BY id")
        rows = cur.fetchall()
    conn.close()
    assert rows[0][3] is None and rows[1][3] is None    # H2 is 20 m from H1, inside the same 350 m void
    for hid, lon, lat, z in rows[2:]:                   # H4, on the old void, now has its elevation
        assert z == pytest.approx(plane(*TO_DEM.transform(lon, lat)), abs=1e-3), hid


def test_admin_units_without_geometry_load_first_in_a_fresh_database(db_url, tmp_path, capsys):
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "admin_units.csv").write_text("code,level,name,parent_code\n530427000000,县,新平彝族傣族自治县,\n"
                                            "530427205000,township,平掌乡,530427000000\n", encoding="utf-8")
    (folder / "natural_villages.csv").write_text("id,name,households,lon,lat\nNV1,大寨,32,101.9,24.05\n")
    code, out, err = run(capsys, folder)
    assert code == 0, err
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT code, level, geom IS NULL FROM admin_units ORDER BY code")
        assert cur.fetchall() == [("530427000000", "county", True), ("530427205000", "township", True)]
        cur.execute("SELECT value FROM meta WHERE key = 'metric_srid'")
        assert cur.fetchone()[0] == "4522"
    conn.close()


def _fake_results(url) -> None:
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO water_results (rule_set, rule_version, subject, subject_id) VALUES
                       ('longxian-2021', 1, 'household', 'H1'), ('longxian-2021', 1, 'household', 'H2')
                       ON CONFLICT DO NOTHING""")
        cur.execute("INSERT INTO road_results (rule_set, rule_version, natural_village_id) VALUES "
                    "('longxian-2021', 1, 'NV1') ON CONFLICT DO NOTHING")
    conn.commit()
    conn.close()


def _result_counts(url) -> tuple[int, int]:
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM water_results), (SELECT count(*) FROM road_results)")
        out = cur.fetchone()
    conn.close()
    return out


def test_changed_inputs_delete_stale_check_results_in_the_same_transaction(db_url, tmp_path, capsys):
    assert run(capsys, dataset(tmp_path))[0] == 0
    _fake_results(db_url)
    # households replaced: the water results are stale (deleted, rerun named); the road results are not
    (tmp_path / "h").mkdir()
    folder = dataset(tmp_path / "h", dem=False, base=False,
                     households__csv=(DATASET / "households.csv").read_text(encoding="utf-8"))
    code, out, err = run(capsys, folder, "--replace")
    assert code == 0, err
    assert _result_counts(db_url) == (0, 1)
    assert "2 stale rows of water_results deleted; rerun the check: python -m geo check water" in out
    assert "road_results" not in out
    # a new DEM changes climbs and road gaps alike: both go
    _fake_results(db_url)
    folder = tmp_path / "dem_only"
    folder.mkdir()
    write_dem(folder / "dem.tif")
    code, out, err = run(capsys, folder)
    assert code == 0, err
    assert _result_counts(db_url) == (0, 0)
    assert "python -m geo check roads" in out
    # a refused import deletes nothing: the deletion is part of the import's one transaction
    _fake_results(db_url)
    (tmp_path / "bad").mkdir()
    bad = dataset(tmp_path / "bad", dem=False, base=False, households__csv="id,natural_village_id\n,NV1\n")
    assert run(capsys, bad, "--replace")[0] != 0
    assert _result_counts(db_url) == (2, 1)
    # the loads are audited as one summary row per statement (not one per household), named by the folder
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT user_login, count(*) FROM audit_log WHERE table_name = 'households' GROUP BY 1")
        rows = dict(cur.fetchall())
    assert set(rows) == {"import:ds"} and rows["import:ds"] <= 4     # 2 loads of 4 households: ≤ 2 statements each
    conn.close()


ZONE = "POLYGON ((101.904 24.054, 101.906 24.054, 101.906 24.056, 101.904 24.056, 101.904 24.054))"


def test_protection_zones_as_wkt(db_url, tmp_path, capsys):
    """A second geometry (a water source's protection zone, as an export writes it) is read as WKT in the file's
    frame, stored as a MultiPolygon with its metric copy; unreadable WKT or a zone that is not a polygon is a
    problem line naming the row and the field."""
    head = "id,status,lon,lat,protection_zone\n"
    bad = dataset(tmp_path, base=False, water_sources__csv=head + "Z1,working,101.905,24.055,\"POLYGON ((101.9\"\n"
                                                          "Z2,working,101.906,24.056,POINT (101.9 24.05)\n")
    before = checksum(db_url)
    code, out, err = run(capsys, bad)
    assert code == 2 and checksum(db_url) == before
    assert "water_sources.csv: row 2 (id Z1): protection_zone: unreadable WKT" in err
    assert "water_sources.csv: row 3 (id Z2): protection_zone: expected a Polygon or MultiPolygon, got a Point" in err
    shutil.rmtree(bad)
    good = dataset(tmp_path, base=False, water_sources__csv=head + f"Z1,working,101.905,24.055,\"{ZONE}\"\n"
                                                           "Z2,working,101.906,24.056,\n")
    code, out, err = run(capsys, good)
    assert code == 0, err
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT id, GeometryType(protection_zone), ST_SRID(protection_zone), "
                    "round(ST_Area(protection_zone_m)), ST_Contains(protection_zone, geom) FROM water_sources ORDER BY id")
        rows = cur.fetchall()
    conn.close()
    assert rows[1] == ("Z2", None, None, None, None)
    assert rows[0][:3] == ("Z1", "MULTIPOLYGON", 4490) and 40_000 < rows[0][3] < 48_000 and rows[0][4] is True
