"""`python -m geo check water --out` end to end: the file of the fast path (compiled pass, Arrow writers) holds the
answers of the reference array path, row for row, on a random scenario; text cells are neutralised; the GeoJSON is
valid JSON with the same properties."""
import csv
import io
import json

import numpy as np
import pytest

import checks_scenario as sc
from geo.checks import water_compute, water_pairs
from geo.cli import main

TEXT = ["household_id", "source_id", "distance_basis", "horizontal_ok", "vertical_ok", "time_ok", "piped",
        "compliant", "failed_clauses"]
FIGURES = ["horizontal_m", "vertical_m", "round_trip_min"]


def _scenario(conn, rng):
    dem = sc.dem_tif(lambda x, y: 1200 + 150 * np.sin(x / 400.0) + 120 * np.cos(y / 300.0),
                     extent=(-500, -500, 6500, 6500), cell=20.0)
    nv = [{"id": "nv1", "households": 40, "population": 120, "village_code": "530427205001", "dx": 0, "dy": 0}]
    sources = [{"id": f"s{k:02d}", "status": str(rng.choice(["working", "working", "seasonal", "failed"])),
                "dx": rng.uniform(0, 6000), "dy": rng.uniform(0, 6000),
                "piped_to_home": bool(rng.random() < 0.1)} for k in range(50)]
    sources[0]["id"] = "=HYPERLINK(\"x\")"   # a source id a spreadsheet would run, and one with a comma and a quote
    sources[1]["id"] = 'W,1"a'
    households = [{"id": f"h{k:03d}", "natural_village_id": "nv1", "members": 3,
                   "dx": rng.uniform(0, 6000), "dy": rng.uniform(0, 6000)} for k in range(300)]
    households[0].update(dx=sources[0]["dx"] + 1, dy=sources[0]["dy"])  # a metre away: they name the odd sources
    households[1].update(dx=sources[1]["dx"] + 1, dy=sources[1]["dy"])
    for s in sources[:2]:
        s.update(status="working", piped_to_home=False)
    households[2]["id"] = "+cmd|' /C calc'!A0"
    sc.load(conn, villages=nv, dem=dem, sources=sources, households=households)
    conn.commit()


def _reference(monkeypatch):
    """water_compute's compiled pass swapped for the array path (walking times searched round by round)."""
    def array_path(hp, sp, piped_src, guarantee, terrain, rules):
        return water_pairs.check_pairs(hp, sp, piped_src, guarantee, terrain, rules, None, lazy=True)
    monkeypatch.setattr(water_compute, "straight_check", array_path)


def _csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("rules", [[], ["--rules", "national-2018", "--set", "piped_reach_m=300"]])
def test_output_file_of_the_fast_path_equals_the_reference(conn, tmp_path, monkeypatch, rules):
    _scenario(conn, np.random.default_rng(5))
    fast, ref = tmp_path / "fast.csv", tmp_path / "ref.csv"
    assert main(["check", "water", *rules, "--out", str(fast)]) == 0
    assert main(["check", "water", *rules, "--out", str(fast.with_suffix(".geojson"))]) == 0
    with monkeypatch.context() as m:
        _reference(m)
        assert main(["check", "water", *rules, "--out", str(ref)]) == 0
        assert main(["check", "water", *rules, "--out", str(ref.with_suffix(".geojson"))]) == 0
    a, b = _csv(fast), _csv(ref)
    assert len(a) == len(b) == 300 and list(a[0]) == TEXT[:2] + FIGURES + TEXT[2:]
    assert [[r[c] for c in TEXT] for r in a] == [[r[c] for c in TEXT] for r in b]
    for c in FIGURES:
        x = np.array([float(r[c]) if r[c] else np.nan for r in a])
        y = np.array([float(r[c]) if r[c] else np.nan for r in b])
        np.testing.assert_allclose(x, y, rtol=1e-12, equal_nan=True)
    outcomes = {r["compliant"] for r in a}
    assert {"True", "False"} <= outcomes
    # Formula-like ids are neutralised in the CSV; a comma and a quote are quoted, not split.
    by_id = {r["household_id"]: r for r in a}
    assert by_id["h000"]["source_id"] == "'=HYPERLINK(\"x\")" and by_id["h001"]["source_id"] == 'W,1"a'
    assert "'+cmd|' /C calc'!A0" in by_id
    # The lines end in CRLF, as cells.to_csv writes them.
    raw = fast.read_bytes()
    assert raw.count(b"\r\n") == 301 and raw.count(b"\n") == 301
    # GeoJSON: the same answers, ids as they are (not a spreadsheet), points in the stored frame.
    ga = json.loads(fast.with_suffix(".geojson").read_text("utf-8"))
    gb = json.loads(ref.with_suffix(".geojson").read_text("utf-8"))
    assert ga["type"] == "FeatureCollection" and len(ga["features"]) == 300
    pa_, pb = [f["properties"] for f in ga["features"]], [f["properties"] for f in gb["features"]]
    assert [[p[c] for c in TEXT] for p in pa_] == [[p[c] for c in TEXT] for p in pb]
    g_by_id = {p["household_id"]: p for p in pa_}
    assert g_by_id["h000"]["source_id"] == "=HYPERLINK(\"x\")" and "+cmd|' /C calc'!A0" in g_by_id
    assert isinstance(pa_[0]["compliant"], bool)
    for c in FIGURES:
        np.testing.assert_allclose(np.array([p[c] if p[c] is not None else np.nan for p in pa_], float),
                                   np.array([p[c] if p[c] is not None else np.nan for p in pb], float),
                                   rtol=1e-12, equal_nan=True)
    lon, lat = np.array([f["geometry"]["coordinates"] for f in ga["features"]]).T
    assert (abs(lon - 101.9) < 0.2).all() and (abs(lat - 24.0) < 0.2).all()
    assert ga["features"][0]["geometry"]["type"] == "Point"
    # The CSV and the GeoJSON say the same.
    assert [r["source_id"].removeprefix("'") if r["source_id"].startswith("'=") else r["source_id"] for r in a] \
        == [p["source_id"] or "" for p in pa_]


def test_fileout_writes_what_pandas_wrote():
    """The Arrow CSV writer reads back as cells.to_csv's file did: NaN empty, True/False, quoting where needed."""
    import pandas as pd
    import pyarrow as pa
    from geo import cells, fileout
    df = pd.DataFrame({"id": ["a", "=b", "c,d", None, 'e"f', "g\nh"], "x": [1.5, np.nan, -2.0, 0.1, 1e20, 3.0],
                       "ok": [True, False, None, True, False, True]})
    t = pa.table({"id": pa.array(df.id, pa.string()), "x": pa.array(df.x.to_numpy()),
                  "ok": pa.array(df.ok.tolist(), pa.bool_())})
    buf = io.BytesIO()
    fileout.write_csv(t, buf)
    got = pd.read_csv(io.BytesIO(buf.getvalue()), keep_default_na=False)
    want = pd.read_csv(io.StringIO(cells.to_csv(df)), keep_default_na=False)
    assert got.drop(columns="x").astype(str).equals(want.drop(columns="x").astype(str))
    np.testing.assert_array_equal(pd.to_numeric(got.x), pd.to_numeric(want.x))  # (Arrow writes -2.0 as -2)
    for rows in (t, t.slice(0, 2)):  # quoted where needed, or plain where nothing needs it
        buf = io.BytesIO()
        fileout.write_csv(rows, buf)
        assert buf.getvalue().decode().split("\r\n")[1].startswith(("a,1.5,True", '"a",1.5,"True"'))
