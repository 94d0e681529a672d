"""`python -m geo plan emergency|repair|new-sources` end to end: the files and their columns exactly as named, the
figures of a known scenario, exports, and bad input refused in one line with nothing written."""
import csv
import json
import os
import subprocess
import sys

import pytest

import checks_scenario as sc

EXTENT = (-2500, -1000, 6500, 2500)
FLAT = sc.dem_tif(lambda x, y: 1000.0 + 0 * x, extent=EXTENT)
NV = [{"id": "nv1", "households": 4, "population": 12, "dx": 0, "dy": 0}]
ROOT = sc.__file__.rsplit("/tests/", 1)[0]


def _geo(*args):
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=180)


def _main(capsys, *args):
    """The same command in this process (quicker than a subprocess): exit code and stderr."""
    from geo.cli import main
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().err


def _csv(path):
    with open(path, encoding="utf-8") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def test_plan_commands_end_to_end(conn, tmp_path, capsys):
    hh = [{"id": h, "natural_village_id": "nv1", "members": m, "category": c, "dx": x, "dy": 0}
          for h, m, c, x in (("a", 3, "general", 0), ("b", 2, "marginal", 50), ("c", 3, "general", 100),
                             ("far", 4, "general", 200))]
    hh[3]["dy"] = 2000
    sc.load(conn, villages=NV, dem=FLAT, households=hh,
            roads=[{"id": "r1", "surface": "cement", "class": "township", "width_m": 6, "xy": [(-2000, 300),
                                                                                           (6000, 300)]}],
            sources=[{"id": "s1", "status": "working", "dx": 0, "dy": 100, "capacity_m3_per_day": 5},
                     {"id": "s_far", "status": "working", "dx": 200, "dy": 2100},
                     {"id": "s2", "status": "working", "dx": 3000, "dy": 300, "capacity_m3_per_day": 100,
                      "people_served": 0},
                     {"id": "old", "status": "failed", "dx": 5000, "dy": 0}])
    out = tmp_path / "plan"
    p = _geo("plan", "emergency", "--failed", "s1,s_far", "--out", str(out), "--set", "truck_m3=0.1",
             "--excel", str(tmp_path / "plan.xlsx"), "--map", str(tmp_path / "plan.png"))
    assert p.returncode == 0, p.stderr
    assert sorted(os.listdir(out)) == ["affected.csv", "assignments.csv", "delivery_points.geojson",
                                       "summary.json", "unserved.csv"]
    cols, rows = _csv(out / "affected.csv")
    assert cols == ["household_id", "people", "vulnerable", "reason"]
    assert [r["household_id"] for r in rows] == ["b", "far", "a", "c"]  # vulnerable first, then by people
    assert rows[0] == {"household_id": "b", "people": "2", "vulnerable": "True", "reason": "failed:s1"}
    cols, rows = _csv(out / "assignments.csv")
    assert cols == ["household_id", "delivery_point_id", "horizontal_m", "vertical_m", "round_trip_min"]
    assert {r["household_id"]: r["delivery_point_id"] for r in rows} == {"a": "dp1", "b": "dp1", "c": "dp1"}
    assert float(next(r for r in rows if r["household_id"] == "b")["horizontal_m"]) == pytest.approx(300.0)
    cols, rows = _csv(out / "unserved.csv")
    assert cols == ["household_id", "why"] and rows == [{"household_id": "far",
                                                         "why": "no truck-passable road within 800 m"}]
    fc = json.loads((out / "delivery_points.geojson").read_text())
    assert len(fc["features"]) == 1
    f = fc["features"][0]
    assert list(f["properties"]) == ["id", "source_id", "m3_per_day", "trips_per_day", "route_km", "households"]
    # 8 people × 20 L = 0.16 m³ in trucks of 0.1 m³: 2 trips; 3000 − 50 m of road from s2.
    assert f["properties"] == {"id": "dp1", "source_id": "s2", "m3_per_day": 0.16, "trips_per_day": 2,
                               "route_km": 2.95, "households": 3}
    assert f["geometry"]["type"] == "Point"
    s = json.loads((out / "summary.json").read_text())
    assert {k: s[k] for k in ("households", "people", "m3_per_day", "delivery_points", "trucks")} == \
        {"households": 4, "people": 12, "m3_per_day": 0.16, "delivery_points": 1, "trucks": 1}
    assert s["sources_used"] == [{"source_id": "s2", "name": None, "load_m3_per_day": 0.16,
                                  "spare_m3_per_day": 100.0, "spare_after_m3_per_day": 99.84}]
    assert (tmp_path / "plan.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from openpyxl import load_workbook
    wb = load_workbook(tmp_path / "plan.xlsx")
    assert wb.sheetnames[:3] == ["汇总", "受影响农户", "送水点"]
    assert [c.value for c in wb["送水点"][1]][:3] == ["编号", "水源编号", "日送水量(立方米)"]

    # Repair and new sources: ranked CSVs.
    code, err = _main(capsys, "plan", "repair", "--out", str(tmp_path / "repair.csv"))
    assert code == 0, err
    cols, rows = _csv(tmp_path / "repair.csv")
    assert cols[:3] == ["rank", "source_id", "name"] and [r["source_id"] for r in rows] == ["old"]
    code, err = _main(capsys, "plan", "new-sources", "--out", str(tmp_path / "new.csv"))
    assert code == 0, err
    cols, rows = _csv(tmp_path / "new.csv")
    assert cols[:2] == ["rank", "site_id"] and rows == []  # everyone is compliant now: no gap to close

    # Bad input: one line, non-zero, nothing written, the earlier plan left whole.
    for args, word in ((["--failed", "nowhere"], "nowhere"), (["--set", "truck_m4=3"], "truck_m4"),
                       ([], "--failed"), (["--failed", "s1", "--excel", str(tmp_path / "x.csv")], "x.csv")):
        code, err = _main(capsys, "plan", "emergency", *args, "--out", str(tmp_path / "bad"))
        assert code == 2 and err.count("\n") == 1 and word in err, err
        assert not (tmp_path / "bad").exists()
    code, _ = _main(capsys, "plan", "emergency", "--failed", "nowhere", "--out", str(out))
    assert code == 2 and len(os.listdir(out)) == 5
    assert [n for n in os.listdir(tmp_path) if n.startswith(".")] == []
    code, _ = _main(capsys, "plan", "repair", "--out", str(tmp_path / "r.txt"))
    assert code == 2 and not (tmp_path / "r.txt").exists()
