"""`python -m geo export`: GeoPackage, GeoJSON, CSV and an Excel ledger of a stored layer, and nothing partial."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from geo import db, export
from geo.cli import main

from test_import import DROP, checksum, dataset


@pytest.fixture(scope="module")
def loaded(module_db_url, tmp_path_factory):
    assert main(["import", str(dataset(tmp_path_factory.mktemp("good")))]) == 0
    return module_db_url


def test_geopackage_and_geojson_in_cgcs2000_with_codes_and_extras(loaded, tmp_path):
    for suffix in ("gpkg", "geojson"):
        out = tmp_path / f"households.{suffix}"
        assert main(["export", "households", "--out", str(out)]) == 0
        g = gpd.read_file(out).sort_values("id").reset_index(drop=True)
        assert g.crs.to_epsg() == 4490
        assert g["id"].tolist() == ["H1", "H2", "H3", "H4"]
        assert g["category"].tolist() == ["exited", "marginal", "unstable", "general"]
        assert g.loc[1, "risk_types"] == "illness;education" and g.loc[1, "head_name"] == DROP
        assert (g.geometry.x.round(7).tolist(), g.geometry.y.round(7).tolist()) == (
            [101.9001, 101.9003, 101.9201, 101.9501], [24.0501, 24.0502, 24.0601, 24.0801])
        assert pd.isna(g.loc[3, "elevation_m"]) and g.loc[0, "elevation_m"] > 900
    out = tmp_path / "natural_villages.gpkg"
    assert main(["export", "natural_villages", "--out", str(out)]) == 0
    assert gpd.read_file(out).set_index("id").loc["NV1", "group_leader"] == "李四"   # extra columns come back


def test_csv_round_trips_through_import(loaded, tmp_path, capsys):
    folder = tmp_path / "again"
    folder.mkdir()
    for layer in ("natural_villages", "households", "roads"):
        assert main(["export", layer, "--out", str(folder / f"{layer}.csv")]) == 0
    head = (folder / "households.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert head[0] == "id" and head[-2:] == ["lon", "lat"]
    roads = (folder / "roads.csv").read_text(encoding="utf-8-sig").splitlines()
    assert roads[0].endswith(",wkt") and ",true," in roads[1]   # R1 is hardened
    before = checksum(loaded)
    # Importing the exports over the same layers changes nothing: same rows, codes, extras and geometry.
    assert main(["import", str(folder), "--replace"]) == 0, capsys.readouterr().err
    after = checksum(loaded)
    for layer in ("natural_villages", "households", "roads"):
        assert after[layer] == before[layer], layer


def test_xlsx_is_a_ledger_with_chinese_headers_and_labels(loaded, tmp_path):
    out = tmp_path / "农户台账.xlsx"
    assert main(["export", "households", "--out", str(out)]) == 0
    ws = load_workbook(out).active
    assert ws.title == "农户"
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    for label in ("户编号", "自然村编号", "户主姓名", "家庭人口（人）", "农户类别", "风险类型", "海拔（米）", "经度", "纬度"):
        assert label in head, label
    recs = [dict(zip(head, r)) for r in rows[1:]]
    assert [r["农户类别"] for r in recs] == ["脱贫户", "边缘易致贫户", "脱贫不稳定户", "一般农户"]
    assert recs[1]["风险类型"] == "因病、因学" and recs[1]["户主姓名"] == DROP
    assert recs[0]["经度"] == pytest.approx(101.9001) and recs[3]["海拔（米）"] is None
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:" + chr(ord("A") + len(head) - 1) + "5"
    out = tmp_path / "water.xlsx"
    assert main(["export", "water_sources", "--out", str(out), "--lang", "en"]) == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [(r["Status"], r["Kind"], r["Piped to home"]) for r in recs] == [
        ("working", "spring", "yes"), ("failed", "cistern", "no")]


def test_failures_leave_nothing_behind(loaded, tmp_path, monkeypatch, capsys):
    out = tmp_path / "households.xlsx"
    out.write_bytes(b"the ledger from last week")

    def broken(layer, frame, path, lang):
        path.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_xlsx", broken)
    assert main(["export", "households", "--out", str(out)]) == 1
    assert "disk full" in capsys.readouterr().err
    assert out.read_bytes() == b"the ledger from last week"        # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["households.xlsx"]  # and no partial file is left
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)
    code = main(["export", "households", "--out", str(tmp_path / "big.xlsx")])
    assert code == 2 and "more than an Excel sheet holds" in capsys.readouterr().err
    assert not (tmp_path / "big.xlsx").exists()
    assert main(["export", "households", "--out", str(tmp_path / "x.shp")]) == 2
    assert "unknown format" in capsys.readouterr().err
    with pytest.raises(SystemExit) as err:
        main(["export", "villages", "--out", str(tmp_path / "v.csv")])
    assert err.value.code == 2


def test_a_layer_without_geometry_and_an_empty_layer(loaded, tmp_path):
    conn = db.connect(loaded)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM assets")
        assert cur.fetchone()[0] == 0
    conn.close()
    for suffix in ("csv", "xlsx", "gpkg"):
        out = tmp_path / f"assets.{suffix}"
        assert main(["export", "assets", "--out", str(out)]) == 0
        assert out.exists()
    assert pd.read_csv(tmp_path / "assets.csv").empty
