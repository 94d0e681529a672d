"""Time the members' cross-check on the demo county at a scale (county ≈ 100,000 households): the guarantees over
every member, and a department's full insurance roll (every member) imported, matched and crossed; each as a ratio
against a floor measured in the same run (one sequential scan joining every member to its village).

    .venv/bin/python -m benchmarks.members_bench --scale county
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from data import demo
from departments import lists
from geo import db
from geo.checks import guarantees
from geo.cmd_demo import load
from geo.db import cluster
from geo.settings import settings

FLOOR = """SELECT count(*), sum(length(nv.village_code)) FROM household_members m
           JOIN households h ON h.id = m.household_id JOIN natural_villages nv ON nv.id = h.natural_village_id"""


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def run(scale: str, seed: int = 1) -> dict:
    server = os.environ.get("DATABASE_URL") or (cluster.start() or settings.url)
    name = f"dixian_members_bench_{os.getpid()}"
    admin = psycopg2.connect(_with_db(server, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = _with_db(server, name)
    try:
        db.migrate(url)
        d = demo.generate(seed, scale)
        load(d, url)
        members = d.layers["household_members"]
        out = {"households": len(d.layers["households"]), "members": len(members)}
        with db.transaction(url) as conn:
            t0 = time.perf_counter()
            db.query_rows(conn, FLOOR)
            out["floor_s"] = time.perf_counter() - t0
            run_ = guarantees.check_guarantees(conn, guarantees.load_guarantees(conn))
            out["guarantees_s"], out["failures"] = run_.seconds, len(run_.rows)
        with tempfile.TemporaryDirectory() as tmp:
            roll = Path(tmp) / "insurance.csv"
            members.assign(参保状态=["已参保" if v else "未参保" for v in members.insured])[
                ["name", "id_number", "参保状态"]].rename(columns={"name": "姓名", "id_number": "身份证号"}).to_csv(
                roll, index=False)
            t0 = time.perf_counter()
            rep = lists.import_list("insurance", roll, "2026-12", url=url)
            out["list_s"], out["list_rows"] = time.perf_counter() - t0, rep.rows
            t0 = time.perf_counter()
            again = lists.import_list("insurance", roll, "2026-12", url=url)
            out["list_again_s"], out["list_again_changed"] = time.perf_counter() - t0, again.changed
        for k in ("guarantees_s", "list_s", "list_again_s"):
            out[k.replace("_s", "_ratio")] = out[k] / out["floor_s"]
        return out
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="county", choices=list(demo.SCALES))
    p.add_argument("--seed", type=int, default=1)
    r = run(p.parse_args().scale, p.parse_args().seed)
    print(f"{r['households']:,} households, {r['members']:,} members; floor (scan of every member to its village) "
          f"{r['floor_s']:.2f} s")
    print(f"guarantees: {r['guarantees_s']:.2f} s ({r['guarantees_ratio']:.1f}× the floor), {r['failures']:,} failures")
    print(f"insurance roll of {r['list_rows']:,} rows imported, matched, crossed: {r['list_s']:.2f} s "
          f"({r['list_ratio']:.1f}×); the same roll again: {r['list_again_s']:.2f} s ({r['list_again_ratio']:.1f}×), "
          f"{r['list_again_changed']} rows changed")


if __name__ == "__main__":
    main()
