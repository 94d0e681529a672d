"""The bench's end-to-end figures: the commands a user runs (`check water`, with and without a file, under a second
rule set; `import`), each timed in a fresh process beside its floor measured in the same run, and the ratio.

Floors: for the check, the in-memory k-d tree nearest working source of every household plus the DEM lookups of
households and sources; for the import, what the store itself must do with the households: COPY of the rows (both
geometries as EWKB) into a bare table, its key and its two GiST indexes."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
from pyproj import Transformer
from scipy.spatial import cKDTree

from .. import db

ROOT = Path(__file__).resolve().parents[2]


# The command run under a few lines that write its peak resident memory (VmHWM: since exec) at exit. The kernel's
# rusage of a child counts the memory of the process it was forked from (the bench, holding the data) and is useless.
_PEAK = """import atexit, os, runpy, sys
def _peak():
    with open('/proc/self/status') as f:
        kb = next((int(line.split()[1]) for line in f if line.startswith('VmHWM:')), 0)
    with open(os.environ['DIXIAN_BENCH_PEAK'], 'w') as f:
        f.write(str(kb))
atexit.register(_peak)
sys.argv = ['geo', *sys.argv[1:]]
runpy.run_module('geo', run_name='__main__', alter_sys=True)
"""


def command(url: str, *args: str) -> dict:
    """`python -m geo ARGS` in a fresh process against `url`: wall seconds, peak resident memory (MB), its last
    line of output."""
    with tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp) / "peak"
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", _PEAK, *args], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "DATABASE_URL": url, "DIXIAN_BENCH_PEAK": str(peak)})
        seconds = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"python -m geo {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
        kb = int(peak.read_text()) if peak.exists() else 0
    return {"s": round(seconds, 2), "peak_mb": round(kb / 1024), "said": (p.stdout.strip().splitlines() or [""])[-1]}


def check_floor(gen: dict) -> float:
    """The check's floor: nearest working source per household (k-d tree, in memory) and every DEM lookup."""
    z, (x0, y0, cell) = gen["dem"]
    t = time.perf_counter()
    _, near = cKDTree(gen["src_xy"]).query(gen["hh_xy"], k=1)
    for xy in (gen["hh_xy"], gen["src_xy"]):
        c = np.clip(((xy[:, 0] - x0) / cell).astype(np.int64), 0, z.shape[1] - 1)
        r = np.clip(((y0 - xy[:, 1]) / cell).astype(np.int64), 0, z.shape[0] - 1)
        z[r, c].sum()
    return time.perf_counter() - t


def check_commands(url: str, gen: dict, log=print) -> dict:
    """`check water` through the command line: the straight basis (every pair measured straight: the prefecture
    dataset of issue 16 has no path network), with no file, with a CSV and a GeoJSON; a second rule set with the
    first's results stored, and into a table holding nothing else."""
    out: dict = {}
    floor = check_floor(gen)
    out["check_floor_s"] = round(floor, 3)
    straight = ["--set", "distance_basis=straight"]
    with tempfile.TemporaryDirectory() as tmp, db.connect(url) as conn:
        def clear():
            with conn.cursor() as cur:
                cur.execute("TRUNCATE water_results")
            conn.commit()
        clear()
        runs = [("check_water_s", ["--rules", "national-2018", *straight]),
                ("check_water_csv_s", ["--rules", "longxian-2021", *straight, "--out", f"{tmp}/out.csv"]),
                ("check_water_geojson_s", ["--rules", "longxian-2021", *straight, "--out", f"{tmp}/out.geojson"]),
                ("check_water_second_rule_set_s", ["--rules", "national-2018", *straight])]
        for name, args in runs:
            # (the first national-2018 run has the table to itself; the second has longxian-2021's rows beside it)
            r = command(url, "check", "water", *args)
            out[name] = r["s"]
            out[name[:-2] + "_peak_mb"] = r["peak_mb"]
            log(f"  python -m geo check water {' '.join(a for a in args if not a.startswith(tmp))}: {r['s']} s "
                f"({r['s'] / floor:.0f}× the floor) | {r['said']}")
        out["check_water_csv_over_floor"] = round(out["check_water_csv_s"] / floor, 1)
        out["check_water_over_floor"] = round(out["check_water_s"] / floor, 1)
        out["second_rule_set_over_first"] = round(out["check_water_second_rule_set_s"] / out["check_water_s"], 2)
        out["csv_bytes"] = os.path.getsize(f"{tmp}/out.csv")
    return out


def import_figures(server_url: str, gen: dict, srid: int, log=print) -> dict:
    """`python -m geo import` of the households (CSV, lon/lat) and their natural villages into a fresh database,
    beside the store's floor (COPY + key + two GiST indexes of the same households) in that database."""
    out: dict = {}
    name = f"dixian_bench_import_{os.getpid()}"
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = _with_db(server_url, name)
    try:
        db.migrate(url)
        to_ll = Transformer.from_crs(srid, db.STORAGE_SRID, always_xy=True)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            lon, lat = to_ll.transform(gen["nv_xy"][:, 0], gen["nv_xy"][:, 1])
            pd.DataFrame({"id": gen["nv_ids"], "name": gen["nv_ids"], "village_code": gen["nv_codes"],
                          "households": gen["nv_households"], "lon": np.round(lon, 7), "lat": np.round(lat, 7)}).to_csv(folder / "natural_villages.csv",
                                                                                   index=False)
            lon, lat = to_ll.transform(gen["hh_xy"][:, 0], gen["hh_xy"][:, 1])
            hh = pd.DataFrame({"id": gen["hh_ids"], "natural_village_id": gen["nv_ids"][gen["owner"]],
                               "members": gen["members"], "lon": np.round(lon, 7), "lat": np.round(lat, 7)})
            hh.to_csv(folder / "households.csv", index=False)
            r = command(url, "import", str(folder), "--crs", "EPSG:4490")
            out["import_s"], out["import_peak_mb"] = r["s"], r["peak_mb"]
            log(f"  python -m geo import (households.csv {len(hh):,} rows): {r['s']} s, peak {r['peak_mb']} MB "
                f"| {r['said']}")
            out["import_floor_s"] = round(_store_floor(url, hh, srid), 3)
        out["import_over_floor"] = round(out["import_s"] / out["import_floor_s"], 1)
        log(f"  floor: COPY + key + two GiST indexes of the same households: {out['import_floor_s']} s "
            f"(import {out['import_over_floor']}× it)")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    return out


def _store_floor(url: str, hh: pd.DataFrame, srid: int) -> float:
    """COPY of the households (id, village, members, both geometries as hex EWKB) into a bare table, then its key
    and the two GiST indexes; the text stream is made before the clock starts."""
    import shapely
    g = shapely.to_wkb(shapely.set_srid(shapely.points(hh.lon, hh.lat), db.STORAGE_SRID), hex=True,
                       include_srid=True)
    x, y = Transformer.from_crs(db.STORAGE_SRID, srid, always_xy=True).transform(hh.lon.to_numpy(), hh.lat.to_numpy())
    gm = shapely.to_wkb(shapely.set_srid(shapely.points(x, y), srid), hex=True, include_srid=True)
    buf = io.StringIO()
    pd.DataFrame({"id": hh.id, "nv": hh.natural_village_id, "m": hh.members, "g": g, "gm": gm}).to_csv(
        buf, sep="\t", header=False, index=False)
    data = buf.getvalue().encode()
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"""CREATE TABLE floor_households (id text NOT NULL, natural_village_id text, members int,
                                geom geometry(Point, {db.STORAGE_SRID}), geom_m geometry(Point, {int(srid)}))""")
            conn.commit()
            t = time.perf_counter()
            cur.copy_expert("COPY floor_households FROM STDIN", io.BytesIO(data))
            cur.execute("ALTER TABLE floor_households ADD PRIMARY KEY (id)")
            cur.execute("CREATE INDEX ON floor_households USING gist (geom)")
            cur.execute("CREATE INDEX ON floor_households USING gist (geom_m)")
            conn.commit()
            return time.perf_counter() - t
    finally:
        conn.close()


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


ROWS = [  # (what, figure, its floor)
    ("`python -m geo check water` (no file)", "check_water_s", "check_floor_s"),
    ("`python -m geo check water --out out.csv`", "check_water_csv_s", "check_floor_s"),
    ("`python -m geo check water --out out.geojson`", "check_water_geojson_s", "check_floor_s"),
    ("the same rule set again, another's results stored", "check_water_second_rule_set_s", "check_water_s"),
    ("`python -m geo import DIR` (households CSV)", "import_s", "import_floor_s"),
]


def markdown(run: dict) -> str:
    """The end-to-end figures of a bench run as the README's table: each beside its floor and the ratio."""
    sizes = run["results"]
    m = run["machine"]
    lines = [f"`python -m geo bench --sizes {','.join(r['size'] for r in sizes)}`, {run['started']}, "
             f"{m['cpus']} CPUs, load average {m['load_average_at_start'][0]} at the start, "
             f"{m['load_average_at_end'][0]} at the end", "",
             "| what | floor | " + " | ".join(r["size"] for r in sizes) + " |",
             "|---|---|" + "---|" * len(sizes)]
    floors = {"check_floor_s": "k-d tree nearest + DEM lookups, in memory",
              "check_water_s": "the same rule set's run with the table to itself",
              "import_floor_s": "COPY + key + two GiST indexes"}
    for label, fig, floor in ROWS:
        cells = []
        for r in sizes:
            if fig not in r:
                cells.append("")
                continue
            x = r[fig] / r[floor] if r.get(floor) else float("nan")
            mem = f", {r[fig[:-2] + '_peak_mb']:.0f} MB peak" if fig[:-2] + "_peak_mb" in r else ""
            cells.append(f"{r[fig]:.2f} s / {r[floor]:.2f} s = **{x:.1f}×**{mem}")
        lines.append(f"| {label} | {floors[floor]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
