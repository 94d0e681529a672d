"""The province generator (data/province.py, python -m geo demo --scale province): counties tiled and renumbered,
written county by county, so its memory does not grow with the number of counties."""
import json
import os
import subprocess
import sys

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.warp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEAK = """
import json, resource, sys
from data import province
done = province.write_province(sys.argv[1], counties=int(sys.argv[2]), log=lambda line: None)
print(json.dumps({"done": done, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _write(folder, counties):
    p = subprocess.run([sys.executable, "-c", PEAK, str(folder), str(counties)], capture_output=True, text=True,
                       cwd=ROOT, timeout=900)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_counties_written_one_by_one_in_bounded_memory(tmp_path):
    one = _write(tmp_path / "one", 1)
    three = _write(tmp_path / "three", 3)
    assert three["done"]["counts"]["households"] == 3 * one["done"]["counts"]["households"] == 300_000
    # Three counties need no more memory than one: each is written and dropped before the next is made.
    assert three["peak_mb"] < 1.25 * one["peak_mb"], (one["peak_mb"], three["peak_mb"])
    folder = tmp_path / "three"
    nv = gpd.read_file(folder / "natural_villages.gpkg")
    assert nv.id.is_unique and sorted(nv.village_code.str[:6].unique()) == ["530101", "530102", "530201"]
    hh = gpd.read_file(folder / "households.gpkg", columns=["id", "natural_village_id"])
    assert len(hh) == 300_000 and hh.id.is_unique and hh.natural_village_id.isin(nv.id).all()
    ws = gpd.read_file(folder / "water_sources.gpkg", columns=["id", "village_code"])
    assert ws.id.is_unique and ws.id.str.match(r"^53\d{4}-W").all()
    # The counties lie side by side, not on top of each other: their extents do not overlap.
    by = nv.assign(c=nv.village_code.str[:6]).dissolve("c").envelope
    assert not by.loc["530101"].intersects(by.loc["530102"]) and not by.loc["530101"].intersects(by.loc["530201"])
    with rasterio.open(folder / "dem.tif") as dem:
        assert (dem.height, dem.width) == tuple(three["done"]["dem"])
        # each county's place in the mosaic holds its terrain; the fourth place (no county) is nodata
        tile = dem.read(1, window=((0, dem.height // 2), (dem.width // 2, dem.width)))
        empty = dem.read(1, window=((dem.height // 2, dem.height), (dem.width // 2, dem.width)))
        assert (tile != dem.nodata).mean() > 0.9 and (empty == dem.nodata).all()
        # every natural village (of the three counties) stands on terrain of the mosaic
        x, y = rasterio.warp.transform("EPSG:4490", dem.crs, list(nv.geometry.x), list(nv.geometry.y))
        z = np.array([v[0] for v in dem.sample(zip(x, y))])
        assert (z != dem.nodata).mean() > 0.99 and z.max() > 1000


def test_province_needs_a_folder():
    p = subprocess.run([sys.executable, "-m", "geo", "demo", "--scale", "province"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert p.returncode == 2 and "--out" in p.stderr and p.stderr.count("\n") == 1
