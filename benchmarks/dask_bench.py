"""Time the water check on the loaded database in this process and on Dask LocalClusters of 1, 2 … workers, check
that every run stores the same results, and say what the task times mean for a bigger cluster (not a test).

    .venv/bin/python benchmarks/dask_bench.py [--workers 1 2] [--partition-subjects N] [--rules NAME] [--set K=V]
        [--json FILE]

Against the database the settings name (DATABASE_URL, or the embedded cluster). The single-process run (the floor)
goes first; each Dask run starts its own LocalCluster (its start timed apart), plans, runs one task per partition
and swaps the staged rows in. The stored results of every run are compared with the single process's: ids, sources,
clauses and verdicts exactly, distances and times bit for bit (counted) and within 1e-12 (required).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import db  # noqa: E402
from geo.checks import distributed, water  # noqa: E402
from geo.checks.rules import load_rules, result_label  # noqa: E402
from geo.settings import settings  # noqa: E402

FLOATS = ["horizontal_m", "vertical_m", "round_trip_min"]


def stored(url: str, label: str):
    with db.transaction(url) as conn:
        return db.query_df(conn, f"SELECT {', '.join(water.RESULT_COLUMNS)} FROM water_results "
                                 "WHERE rule_set = %(l)s ORDER BY subject_id", {"l": label})


def compare(ref, got) -> dict:
    """Rows, sources, clauses and verdicts compared exactly; distances and times bit for bit, and within 1e-12."""
    import numpy as np
    exact = [c for c in water.RESULT_COLUMNS if c not in FLOATS]
    same_rows = len(ref) == len(got) and ref[exact].astype(str).equals(got[exact].astype(str))
    bits = tight = 0
    if len(ref) == len(got):
        for c in FLOATS:
            a, b = ref[c].to_numpy(float), got[c].to_numpy(float)
            bits += int((~((a == b) | (np.isnan(a) & np.isnan(b)))).sum())
            tight += int((~np.isclose(a, b, rtol=1e-12, atol=0, equal_nan=True)).sum())
    return {"same_rows_sources_verdicts": bool(same_rows), "figures_differing_in_last_bits": bits,
            "figures_differing_beyond_1e-12": tight}


def load() -> str:
    """The load average and the processes of other users' work, as the figures' context."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--partition-subjects", type=int, default=settings.check_dask_partition_subjects)
    ap.add_argument("--rules", default=None)
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", default=[],
                    help="override a setting of the rule set, e.g. --set distance_basis=straight")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    url = settings.url
    with db.transaction(url) as conn:
        rules = load_rules(conn, args.rules, dict(kv.split("=", 1) for kv in args.set))
        subjects = db.query_value(conn, "SELECT count(*) FROM households")
    label = result_label(rules)
    out = {"subjects": subjects, "rules": label, "partition_subjects": args.partition_subjects, "runs": []}
    print(f"{subjects:,} households, rule set {label}; {load()}", flush=True)

    t0 = time.perf_counter()
    with db.transaction(url) as conn:
        run = water.check_water(conn, rules)
    local_s = time.perf_counter() - t0
    ref = stored(url, label)
    out["local"] = {"seconds": round(local_s, 2), "compute": round(run.timings["compute"], 2),
                    "write": round(run.timings["write"], 2), "load": load()}
    print(f"single process: {local_s:.1f} s (compute {run.timings['compute']:.1f}, write "
          f"{run.timings['write']:.1f}); {load()}", flush=True)
    del run

    for n in args.workers:
        t0 = time.perf_counter()
        with distributed.client_for(None, n) as client:
            client.wait_for_workers(n)
            start_s = time.perf_counter() - t0
            r = distributed.run_water(url, rules, client=client, partition_subjects=args.partition_subjects)
        cmp = compare(ref, stored(url, label))
        same = cmp["same_rows_sources_verdicts"] and cmp["figures_differing_beyond_1e-12"] == 0
        secs = [t["seconds"] for t in r.tasks]
        row = {"workers": n, "cluster_start": round(start_s, 2), **{k: round(v, 2) for k, v in r.timings.items()},
               "task_count": len(r.tasks), "task_sum": round(sum(secs), 2), "task_max": round(max(secs), 2),
               "task_compute_sum": round(sum(t["compute"] for t in r.tasks), 2),
               "task_median": round(statistics.median(secs), 2), "same_results": same, **cmp, "load": load()}
        out["runs"].append(row)
        print(f"dask, {n} worker(s): {r.timings['total']:.1f} s (plan {r.timings['plan']:.2f}, tasks "
              f"{r.timings['tasks']:.1f}, swap {r.timings['swap']:.1f}; cluster start {start_s:.1f} s); "
              f"{len(r.tasks)} tasks, sum {sum(secs):.1f} s, longest {max(secs):.1f} s; same results: {same} "
              f"({cmp['figures_differing_in_last_bits']} figures differ in the last bits); "
              f"{load()}", flush=True)
        if not same:
            print("the results differ from the single process run", file=sys.stderr)
            return 1
    # What the task times say for a cluster of W workers with a core each: the tasks' work divides, the plan and
    # the swap (one transaction in the database) do not, and no run is shorter than its longest task. The work is
    # the least measured (a shared machine's other load only ever adds to it).
    base = min(out["runs"], key=lambda r: r["task_sum"])
    out["projection"] = {w: round(base["plan"] + max(base["task_sum"] / w, base["task_max"]) + base["swap"], 1)
                         for w in (4, 8, 16, 32)}
    print("projected (plan + max(task sum / W, longest task) + swap): "
          + ", ".join(f"{w} workers {s} s" for w, s in out["projection"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
