"""Time `python -m geo import` on N synthetic households and N/100 natural villages (not a test).

    .venv/bin/python benchmarks/import_bench.py --households 100000 1000000 [--households-format csv gpkg]

Each run writes a dataset folder in a temporary directory (natural_villages.gpkg, households.csv or .gpkg), creates a
throw-away database on the configured server (the embedded cluster unless DATABASE_URL is set), times the import
in a fresh process, as a user would run it, and drops the database.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import db  # noqa: E402
from geo.db import cluster  # noqa: E402
from geo.settings import settings  # noqa: E402

SURNAMES = np.array(list("李王张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"))
GIVEN = np.array(list("国建华明永志秀英兰芳玉红金春海文德平小云光成福"))
CATEGORIES = np.array(["general", "exited", "unstable", "marginal", "sudden_hardship"])
CATEGORY_SHARES = [0.55, 0.38, 0.03, 0.03, 0.01]
RISKS = np.array(["因病", "因学", "因灾", "因残", "缺劳力", "务工就业不稳", "住房", "饮水"])


def make_dataset(folder: Path, households: int, fmt: str, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    n_nv = max(10, households // 100)
    # Villages over 新平 (101.5–102.2°E, 23.7–24.4°N); households within about 1 km of their village.
    nv_lon = rng.uniform(101.5, 102.2, n_nv)
    nv_lat = rng.uniform(23.7, 24.4, n_nv)
    nv_ids = np.char.add("NV", np.char.zfill(np.arange(n_nv).astype(str), 6))
    per = rng.multinomial(households - n_nv, np.full(n_nv, 1 / n_nv)) + 1
    gpd.GeoDataFrame({"id": nv_ids, "name": np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n_nv)], "家寨"),
                      "households": per, "village_code": "530427205201"},
                     geometry=gpd.points_from_xy(nv_lon, nv_lat), crs=db.STORAGE_SRID).to_file(
        folder / "natural_villages.gpkg", engine="pyogrio")
    owner = np.repeat(np.arange(n_nv), per)
    category = CATEGORIES[rng.choice(len(CATEGORIES), households, p=CATEGORY_SHARES)]
    monitored = np.isin(category, ["unstable", "marginal", "sudden_hardship"])
    risk = np.where(monitored, np.char.add(np.char.add(RISKS[rng.integers(0, len(RISKS), households)], ";"),
                                           RISKS[rng.integers(0, len(RISKS), households)]), "")
    frame = pd.DataFrame({
        "id": np.char.add("H", np.char.zfill(np.arange(households).astype(str), 8)),
        "natural_village_id": nv_ids[owner],
        "name": np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), households)],
                            GIVEN[rng.integers(0, len(GIVEN), households)]),
        "members": rng.integers(1, 8, households),
        "category": category,
        "risk_types": risk,
        "lon": np.round(nv_lon[owner] + rng.normal(0, 0.004, households), 7),
        "lat": np.round(nv_lat[owner] + rng.normal(0, 0.004, households), 7),
    })
    if fmt == "csv":
        frame.to_csv(folder / "households.csv", index=False)
    else:
        gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(frame.lon, frame.lat),
                         crs=db.STORAGE_SRID).to_file(folder / "households.gpkg", engine="pyogrio")


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def bench(households: int, fmt: str) -> float:
    server = os.environ.get("DATABASE_URL") or (cluster.start() or settings.url)
    name = f"dixian_bench_{os.getpid()}"
    admin = psycopg2.connect(_with_db(server, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = _with_db(server, name)
    try:
        db.migrate(url)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_dataset(folder, households, fmt)
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "geo", "import", str(folder)], cwd=ROOT,
                                  env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            if proc.returncode != 0:
                raise SystemExit(f"import failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
            print(f"{households:>9,} households ({fmt}) + {max(10, households // 100):,} natural villages (gpkg): "
                  f"{seconds:.1f} s wall  | {proc.stdout.strip().splitlines()[-1]}", flush=True)
            return seconds
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--households-format", nargs="+", choices=["csv", "gpkg"], default=["csv"])
    args = p.parse_args()
    for n in args.households:
        for fmt in args.households_format:
            bench(n, fmt)


if __name__ == "__main__":
    main()
