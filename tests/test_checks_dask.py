"""The checks on a real 2-worker Dask LocalCluster (processes): the same results as the single process, household by
household, across partition borders; a worker killed mid-run; a failed run that leaves the stored results."""
import os
import signal
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pandas as pd
import pytest

from geo import db
from geo.checks import distributed, roads, water
from geo.checks.rules import load_rules, result_label

import checks_scenario as sc

NV = [{"id": "nv1", "households": 40, "population": 120, "village_code": "530427205001", "dx": 0, "dy": 0},
      {"id": "nv2", "households": 40, "population": 120, "village_code": "530427205002", "dx": 20000, "dy": 20000}]
DEM = sc.dem_tif(lambda x, y: 1200 + 150 * np.sin(x / 400.0) + 120 * np.cos(y / 300.0),
                 extent=(-500, -500, 21000, 21000), cell=50.0)
COLS = ", ".join(water.RESULT_COLUMNS)
PARTS = 40  # subjects per partition: a dozen partitions and many borders on a few hundred households


@pytest.fixture(scope="module")
def client():
    import dask
    from distributed import Client, LocalCluster
    # Workers are spawned processes, which run the parent's __main__ again first: after an AppTest in the same
    # session that is a page's script (streamlit leaves it there). A plain __main__ for the cluster's life.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        with dask.config.set(distributed.LOCAL_TIMEOUTS), \
                LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as cl:
            yield cl
    finally:
        sys.modules["__main__"] = main


def scenario(conn, n_h=400, n_s=60, seed=7):
    """Households and sources spread over 6 km (every partition border has both on each side), piped schemes, and
    a hamlet 20 km away whose nearest source is in another partition far across the grid."""
    rng = np.random.default_rng(seed)
    hhs = [{"id": f"h{k:04d}", "natural_village_id": "nv1", "members": 3, "dx": x, "dy": y}
           for k, (x, y) in enumerate(rng.uniform(0, 6000, (n_h, 2)))]
    hhs += [{"id": f"far{k}", "natural_village_id": "nv2", "members": 2, "dx": 20000 + 10 * k, "dy": 20000}
            for k in range(5)]
    srcs = [{"id": f"s{k:03d}", "status": str(rng.choice(["working", "working", "seasonal", "failed"])),
             "piped_to_home": bool(rng.random() < 0.1), "dx": x, "dy": y}
            for k, (x, y) in enumerate(rng.uniform(0, 6000, (n_s, 2)))]
    sc.load(conn, villages=NV, households=hhs, sources=srcs, dem=DEM)


def stored(conn, label):
    return db.query_df(conn, f"SELECT {COLS} FROM water_results WHERE rule_set = %(l)s ORDER BY subject_id",
                       {"l": label})


def local(conn, name=None, **sets):
    rules = load_rules(conn, name, {k: str(v) for k, v in sets.items()})
    water.check_water(conn, rules)
    conn.commit()
    return rules, stored(conn, result_label(rules))


def crossings(conn, plan, rows):
    """How many subjects are named a source that lies in another partition."""
    xy = db.query_df(conn, "SELECT id, ST_X(geom_m) AS x, ST_Y(geom_m) AS y FROM households UNION ALL "
                           "SELECT id, ST_X(geom_m), ST_Y(geom_m) FROM water_sources").set_index("id")
    named = rows.dropna(subset=["source_id"])
    h, s = xy.loc[named.subject_id], xy.loc[named.source_id]
    return int((plan.part_of(h.x, h.y) != plan.part_of(s.x, s.y)).sum())


def test_dask_gives_the_single_process_results_across_partition_borders(conn, db_url, client):
    scenario(conn)
    with db.transaction(db_url) as c:
        plan = distributed.plan_water(c, PARTS)
    assert len(plan.parts) >= 6 and plan.total == 405
    for name, sets in (("longxian-2021", {"distance_basis": "straight", "piped_reach_m": 400}),
                       ("national-2018", {"distance_basis": "straight"}),
                       ("longxian-2021", {"distance_basis": "auto", "piped_reach_m": 400})):
        rules, ref = local(conn, name, **sets)
        assert crossings(conn, plan, ref) > 20  # the halo matters: many are named a source across a border
        assert ref.compliant.eq(True).sum() > 20 and ref.compliant.eq(False).sum() > 20
        far = ref[ref.subject_id.str.startswith("far")]
        assert far.source_id.notna().all() and (far.horizontal_m > 14000).all()  # the nearest, 20 km away
        with conn.cursor() as cur:  # nothing left of the local run: the Dask run must write every row itself
            cur.execute("DELETE FROM water_results")
        conn.commit()
        run = distributed.run_water(db_url, rules, client=client, partition_subjects=PARTS)
        assert run.rows == 405 and len(run.tasks) == len(plan.parts) and run.workers == 2
        assert len({t["worker"] for t in run.tasks}) == 2  # both workers took partitions
        got = stored(conn, result_label(rules))
        pd.testing.assert_frame_equal(got, ref)  # exactly, household by household
        assert run.counts["compliant"] == int(ref.compliant.eq(True).sum())
    assert db.query_value(conn, "SELECT count(*) FROM water_results_staging") == 0


def test_a_worker_killed_mid_run_and_the_run_still_completes(conn, db_url, client):
    scenario(conn, n_h=1500, n_s=120, seed=11)
    rules, ref = local(conn, "longxian-2021", distance_basis="auto", piped_reach_m=400)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM water_results")
    conn.commit()
    pids = client.run(os.getpid)
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("run", distributed.run_water(
        db_url, rules, client=client, partition_subjects=30)))
    t.start()
    victim = None
    deadline = time.time() + 60
    while victim is None and time.time() < deadline:  # a worker with a task in hand
        busy = [w for w, keys in client.processing().items() if any(str(k).startswith("water-") for k in keys)]
        if busy:
            victim = busy[0]
        else:
            time.sleep(0.01)
    assert victim is not None, "no task started within a minute"
    os.kill(pids[victim], signal.SIGKILL)
    t.join(300)
    assert not t.is_alive()
    run = box["run"]
    assert run.rows == 1505
    assert all(t["worker"].split(":")[1] != str(pids[victim]) for t in run.tasks)  # the dead one reported nothing
    pd.testing.assert_frame_equal(stored(conn, result_label(rules)), ref)
    client.wait_for_workers(2, timeout=180)  # the nanny started a new one


def test_a_failed_run_leaves_the_stored_results(conn, db_url, client, monkeypatch):
    scenario(conn)
    rules, before = local(conn, "longxian-2021", distance_basis="straight")
    rroads = roads.check_roads(conn, rules).rows
    conn.commit()
    with conn.cursor() as cur:
        # the results would change (every source fails) …
        cur.execute("UPDATE water_sources SET status = 'failed' WHERE id < 's030'")
        # … but one partition cannot write its rows: that task fails on every try, so the run fails
        cur.execute("ALTER TABLE water_results_staging ADD CONSTRAINT not_h0007 CHECK (subject_id <> 'h0007')")
    conn.commit()
    with pytest.raises(Exception, match="not_h0007"):
        distributed.run_water(db_url, rules, client=client, partition_subjects=PARTS)
    pd.testing.assert_frame_equal(stored(conn, result_label(rules)), before)
    assert db.query_value(conn, "SELECT count(*) FROM water_results_staging") == 0  # the partial run cleared
    # Without the fault the same run goes through and the results change: swapped into the rule set's own partition
    # (migration 700), the table's indexes as they were.
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE water_results_staging DROP CONSTRAINT not_h0007")
    conn.commit()
    indexes = "SELECT indexdef FROM pg_indexes WHERE tablename = 'water_results' ORDER BY 1"
    defs = db.query_df(conn, indexes).indexdef.tolist()
    distributed.run_water(db_url, rules, client=client, partition_subjects=PARTS)
    after = stored(conn, result_label(rules))
    assert len(after) == len(before) and not after.equals(before)
    assert db.query_df(conn, indexes).indexdef.tolist() == defs and len(defs) >= 4
    rules_b, ref = local(conn, "longxian-2021", distance_basis="straight")
    pd.testing.assert_frame_equal(ref, after)  # the single process agrees on the changed data
    assert len(rroads) == 2


def test_commands_with_engine_dask(conn, db_url, client):
    sc.load(conn, villages=NV, dem=sc.dem_tif(lambda x, y: 1000.0 + 0 * x),
            households=[{"id": "a", "natural_village_id": "nv1", "members": 3, "dx": 0, "dy": 0},
                        {"id": "b", "natural_village_id": "nv1", "members": 3, "dx": 5000, "dy": 0}],
            sources=[{"id": "s1", "status": "working", "dx": 300, "dy": 0},
                     {"id": "s2", "status": "working", "dx": 6000, "dy": 0}],
            roads=[{"id": "r1", "surface": "cement", "xy": [(0, 50), (6000, 50)]}],
            seats=[{"code": "530427205000", "name": "seat", "level": "township", "dx": 0, "dy": 100}])
    address = client.scheduler.address
    geo = lambda *a: subprocess.run([sys.executable, "-m", "geo", *a], capture_output=True, text=True,  # noqa: E731
                                    env={**os.environ, "DATABASE_URL": db_url}, timeout=600)
    p = geo("check", "water", "--engine", "dask", "--scheduler", address, "--partition-subjects", "1")
    assert p.returncode == 0, p.stderr
    assert "2 subjects; compliant 1, non-compliant 1, unknown 0 (2 tasks on 2 workers" in p.stdout
    assert db.query_value(conn, "SELECT count(*) FROM water_results WHERE rule_set = 'longxian-2021'") == 2
    p = geo("check", "roads", "--engine", "dask", "--scheduler", address)
    assert p.returncode == 0, p.stderr
    assert "2 natural villages" in p.stdout
    rules = load_rules(conn)
    ref = roads.compute(conn, rules).rows.sort_values("natural_village_id").reset_index(drop=True)
    got = db.query_df(conn, "SELECT * FROM road_results ORDER BY natural_village_id")
    assert got.natural_village_id.tolist() == ref.natural_village_id.tolist()
    assert got.has_hardened_road.tolist() == ref.has_hardened_road.tolist()
    # Bad input: one line, exit 2, nothing started.
    p = geo("check", "water", "--engine", "dask", "--out", "x.csv")
    assert p.returncode == 2 and "--out" in p.stderr and p.stderr.count("\n") == 1
    p = geo("check", "water", "--engine", "dask", "--partition-subjects", "0")
    assert p.returncode == 2 and "--partition-subjects" in p.stderr


@pytest.mark.parametrize("role", ["dixian_app", "dixian_app_masked"])
def test_the_app_roles_can_neither_read_nor_write_staging(conn, role):
    """A page or the field API runs as an app role: staged rows of a run in progress are not theirs to see or make."""
    import psycopg2
    with conn.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relname LIKE '%%results_staging' AND relrowsecurity")
        assert sorted(r[0] for r in cur.fetchall()) == ["road_results_staging", "water_results_staging"]
    for table in ("water_results_staging", "road_results_staging"):
        for sql in (f"SELECT count(*) FROM {table}",
                    f"INSERT INTO {table} (rule_set, rule_version, natural_village_id, run_id, part"
                    + (", subject, subject_id" if table.startswith("water") else "") + ") VALUES ('x', 1, 'nv', 'r', 0"
                    + (", 'household', 'h'" if table.startswith("water") else "") + ")",
                    f"DELETE FROM {table}"):
            with conn.cursor() as cur:
                cur.execute(f"SET ROLE {role}")
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(sql)
            conn.rollback()


def test_network_basis_across_partition_borders(conn, db_url, client):
    """On the network basis each partition builds the paths within the search distance of its box: the same sources,
    clauses and verdicts as the single process, distances and times equal but for the order of a sum (last bits)."""
    scenario(conn, n_h=300, n_s=50, seed=3)
    at = list(enumerate(range(0, 6001, 400)))
    grid = [{"id": f"ew{k}", "surface": "earth", "xy": [(-100, v), (6100, v)]} for k, v in at]
    grid += [{"id": f"ns{k}", "surface": "earth", "xy": [(v, -100), (v, 6100)]} for k, v in at]
    sc.load(conn, roads=grid)
    rules, ref = local(conn, "longxian-2021", distance_basis="network", piped_reach_m=400)
    assert (ref.distance_basis == "network").sum() > 250
    with db.transaction(db_url) as c:
        plan = distributed.plan_water(c, PARTS)
    assert crossings(conn, plan, ref) > 20
    with conn.cursor() as cur:
        cur.execute("DELETE FROM water_results")
    conn.commit()
    distributed.run_water(db_url, rules, client=client, partition_subjects=PARTS)
    got = stored(conn, result_label(rules))
    floats = ["horizontal_m", "vertical_m", "round_trip_min"]
    pd.testing.assert_frame_equal(got.drop(columns=floats), ref.drop(columns=floats))
    pd.testing.assert_frame_equal(got[floats], ref[floats], check_exact=False, rtol=1e-12, atol=0)
