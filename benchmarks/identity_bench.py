"""What the trusted identity costs a query: 200,000 water sources and households counted through their policies as a
township officer (the identity read once per query, migration 580), against the same count by the owner with the
same prefix test written out (no policy) as the floor. Run: python benchmarks/identity_bench.py (embedded cluster)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from accounts import users  # noqa: E402
from geo import db  # noqa: E402
from geo.db import cluster  # noqa: E402
from geo.settings import settings  # noqa: E402

N = 200_000
_PT = "ST_SetSRID(ST_MakePoint(101.9, 24), 4490), ST_SetSRID(ST_MakePoint(500000, 2655000), 4522)"


def best(cur, query: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        cur.execute(query)
        cur.fetchall()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    cluster.start()
    name = "dixian_identity_bench"
    server = psycopg2.connect(settings.url.replace(f"/{settings.pg_database}?", "/postgres?"))
    server.autocommit = True
    with server.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    url = settings.url.replace(f"/{settings.pg_database}?", f"/{name}?")
    try:
        db.migrate(url)
        conn = db.connect(url)
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO natural_villages (id, name, households, village_code, geom, geom_m) "
                        f"SELECT 'nv' || g, 'n', 1, '5304271' || lpad(g::text, 2, '0') || '201', {_PT} "
                        f"FROM generate_series(0, 2) g")
            cur.execute(f"INSERT INTO households (id, natural_village_id, geom, geom_m) "
                        f"SELECT 'h' || g, 'nv' || (g %% 3), {_PT} FROM generate_series(1, %s) g", (N,))
            cur.execute(f"INSERT INTO water_sources (id, status, village_code, geom, geom_m) "
                        f"SELECT 'w' || g, 'working', '5304271' || lpad((g %% 3)::text, 2, '0') || '201', {_PT} "
                        f"FROM generate_series(1, %s) g", (N,))
            officer = users.create_user(cur, "bench", "correct horse battery staple", "township_officer",
                                        "530427100000")
            conn.commit()
            floor_w = best(cur, "SELECT count(*) FROM water_sources WHERE starts_with(village_code, '530427100')")
            floor_h = best(cur, "SELECT count(*) FROM households h JOIN natural_villages nv "
                                "ON nv.id = h.natural_village_id WHERE starts_with(nv.village_code, '530427100')")
            cur.execute("SELECT acct_vouch(pg_backend_pid(), %s)", (officer.id,))
            cur.execute("SET ROLE dixian_app")
            water = best(cur, "SELECT count(*) FROM water_sources")
            households = best(cur, "SELECT count(*) FROM households")
        conn.rollback()
        conn.close()
        print(f"water_sources, {N} rows: {water * 1000:.0f} ms through the policies, {floor_w * 1000:.0f} ms floor "
              f"(x{water / floor_w:.1f})")
        print(f"households, {N} rows: {households * 1000:.0f} ms through the policies, {floor_h * 1000:.0f} ms floor "
              f"(x{households / floor_h:.1f})")
    finally:
        db.close_pools()
        with server.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.close()


if __name__ == "__main__":
    main()
