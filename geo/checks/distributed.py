"""The checks on a Dask cluster: the driver plans partitions, each task reads its own from PostGIS, runs the same
compiled pass and COPYs its rows into staging under the run's id; the driver moves a complete run into the results
in one transaction (a failed run leaves the stored results as they were).

Water: a square grid over the subjects, one task per non-empty cell. The halo is the sources' read: each partition
reads the sources within the rule set's reach of its box (max of the search radius and the piped reach) and each
subject's nearest source anywhere, exactly what a subject anywhere can be judged against (water_read.sources), and on
the network basis the paths within the network search distance. So a household by a cell border sees the sources
across it, and the results are the single process's, household by household. Roads: one task (the road check's
subjects are natural villages, ~15,000 in a province, and its links to the township seats cross any partition)."""
from __future__ import annotations

import math
import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .. import db
from . import roads as roads_mod
from . import water_read as read
from .rules import RuleSet, result_label
from .water_compute import compute
from .water_write import arrow_results

SQL = db.SqlFiles(__file__)
LOCAL_TIMEOUTS = {"distributed.comm.timeouts.connect": "180s", "distributed.comm.timeouts.tcp": "180s"}
TASK_RETRIES = 2  # a task that raises is tried again this often; one whose worker dies is rescheduled by Dask


class DistributedError(RuntimeError):
    """A distributed run that could not complete: nothing was swapped in, the stored results are as they were."""


@dataclass(frozen=True)
class Plan:
    """The partitions of a water run: rectangles of a fine grid (side `cell` metres from ox, oy), each (ix0, iy0,
    ix1, iy1, n): the cells ix0 <= ix < ix1, iy0 <= iy < iy1 and the subjects counted in them."""

    use_households: bool
    srid: int
    ox: float
    oy: float
    cell: float
    parts: list[tuple[int, int, int, int, int]]
    total: int

    def part_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The partition of each point (−1 outside every one), by the cell expression the tasks select by."""
        ix = np.floor((np.asarray(x, float) - self.ox) / self.cell)
        iy = np.floor((np.asarray(y, float) - self.oy) / self.cell)
        out = np.full(len(ix), -1, np.int64)
        for k, (a, b, c, d, _n) in enumerate(self.parts):
            out[(ix >= a) & (ix < c) & (iy >= b) & (iy < d)] = k
        return out


@dataclass
class DaskRun:
    """What a distributed run did: rows stored, per-task reports, the counts of the summary, timings."""

    what: str
    label: str
    rows: int
    tasks: list[dict]
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 0


FINE_CELLS = 256        # fine cells per partition wanted, so that dense places can be split
MAX_FINE_CELLS = 1_000_000


def plan_water(conn, partition_subjects: int) -> Plan:
    """Partitions of about `partition_subjects` subjects: the subjects counted per cell of a fine grid by the
    database (the driver reads no subject), the cells split in two at the weighted median along the longer side
    while a part holds more (a k-d split: balanced where households cluster in valleys)."""
    use_h = read.uses_households(conn)
    srid = db.metric_srid(conn) or 0
    n, x0, y0, x1, y1 = db.query_rows(conn, SQL("dask_extent"), {"use_households": use_h})[0]
    if not n:
        return Plan(use_h, srid, 0.0, 0.0, 1.0, [], 0)
    target = max(1, partition_subjects)
    k = max(1, math.ceil(n / target))
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cell = max(math.sqrt(w * h / min(MAX_FINE_CELLS, FINE_CELLS * k)), 1.0)
    rows = np.array(db.query_rows(conn, SQL("dask_cells"), {"use_households": use_h, "ox": x0, "oy": y0,
                                                           "cell": cell}), dtype=np.int64).reshape(-1, 3)
    parts: list[tuple[int, int, int, int, int]] = []
    _split(rows, (int(rows[:, 0].min()), int(rows[:, 1].min()), int(rows[:, 0].max()) + 1,
                  int(rows[:, 1].max()) + 1), target, parts)
    return Plan(use_h, srid, float(x0), float(y0), cell, parts, int(n))


def _split(rows: np.ndarray, box: tuple[int, int, int, int], target: int, out: list) -> None:
    """Cells `rows` (ix, iy, n) in `box` into parts of at most `target` subjects where a single cell allows."""
    a, b, c, d = box
    total = int(rows[:, 2].sum())
    if total == 0:
        return
    if total > target:
        for axis in ((0, 1) if c - a >= d - b else (1, 0)):  # the longer side first
            v = rows[:, axis]
            if v.min() == v.max():
                continue  # one column (row) of cells: no split this way
            order = np.argsort(v, kind="stable")
            m = int(v[order[np.searchsorted(np.cumsum(rows[order, 2]), total / 2.0)]])
            m = m if m > v.min() else int(np.unique(v)[1])  # both halves hold cells
            left = v < m
            boxes = ((a, b, m, d), (m, b, c, d)) if axis == 0 else ((a, b, c, m), (a, m, c, d))
            _split(rows[left], boxes[0], target, out)
            _split(rows[~left], boxes[1], target, out)
            return
    out.append((a, b, c, d, total))


def _plain(rules: RuleSet) -> tuple:
    """A rule set as plain values for the wire (RuleSet's attribute lookup does not survive unpickling)."""
    return rules.name, rules.version, dict(rules.settings), dict(rules.overrides)


def water_task(url: str, rules_: tuple, plan: Plan, part: int, run_id: str) -> dict:
    """One partition: its subjects read, checked, and COPYed into staging in one transaction that first removes
    what an earlier try of the same partition left (a retried task writes its rows once)."""
    t0 = time.perf_counter()
    rules = RuleSet(*rules_)
    a, b, c, d, _n = plan.parts[part]
    s = plan.cell
    params = {"use_households": plan.use_households, "ox": plan.ox, "oy": plan.oy, "cell": s, "ix0": a, "iy0": b,
              "ix1": c, "iy1": d, "x0": plan.ox + a * s - 1.0, "y0": plan.oy + b * s - 1.0,
              "x1": plan.ox + c * s + 1.0, "y1": plan.oy + d * s + 1.0, "srid": plan.srid}
    with db.transaction(url) as conn:
        with conn.cursor() as cur:
            subj = db.copy_out_frame(cur, SQL("dask_subjects"), params, read.SUBJECT_TYPES)
        run = compute(conn, rules, subjects=subj, households=plan.use_households)
        table = arrow_results(result_label(rules), rules.version, run.rows)
        table = table.append_column("run_id", pa.array(np.full(table.num_rows, run_id, dtype=object), pa.string()))
        table = table.append_column("part", pa.array(np.full(table.num_rows, part, dtype=np.int32)))
        with conn.cursor() as cur:
            cur.execute("DELETE FROM water_results_staging WHERE run_id = %s AND part = %s", (run_id, part))
            db.copy_arrow(cur, "water_results_staging", table)
    code = run.rows["compliant_code"].to_numpy() if len(run.rows) else np.zeros(0, np.int8)
    return {"part": part, "rows": len(run.rows), "compliant": int((code == 2).sum()),
            "non_compliant": int((code == 0).sum()), "unknown": int((code == 1).sum()),
            "seconds": round(time.perf_counter() - t0, 3), "compute": round(run.timings["compute"], 3),
            "worker": f"{socket.gethostname()}:{os.getpid()}"}


def road_task(url: str, rules_: tuple, run_id: str) -> dict:
    """The whole road check as one task, its rows COPYed into staging (a retry first removes an earlier try's)."""
    t0 = time.perf_counter()
    rules = RuleSet(*rules_)
    with db.transaction(url) as conn:
        run = roads_mod.compute(conn, rules)
        df = run.rows[roads_mod.RESULT_COLUMNS + roads_mod.EXTRA_COLUMNS].copy()
        df.insert(0, "rule_version", rules.version)
        df.insert(0, "rule_set", result_label(rules))
        df["run_id"] = run_id
        df["part"] = 0
        with conn.cursor() as cur:
            cur.execute("DELETE FROM road_results_staging WHERE run_id = %s", (run_id,))
            db.copy_frame(cur, "road_results_staging", df)
    return {"part": 0, "rows": len(df), "has_hardened_road": int(run.rows.has_hardened_road.sum()),
            "gaps": int(run.rows.gap.sum()), "seconds": round(time.perf_counter() - t0, 3),
            "worker": f"{socket.gethostname()}:{os.getpid()}"}


@contextmanager
def client_for(scheduler: str | None = None, workers: int = 0):
    """A Dask client: of the scheduler at `scheduler`, else of a LocalCluster of `workers` processes (0: one per
    core) with one task at a time each, closed afterwards. The compiled pass runs its own threads: each worker gets
    its share of the cores, so that the workers together use the machine once."""
    from distributed import Client, LocalCluster
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    import dask
    cores = os.cpu_count() or 1
    n = workers or cores
    env = {"NUMBA_NUM_THREADS": str(max(1, cores // n))}
    # A loaded machine can take longer than Dask's 30 s to start a worker process and connect it.
    with dask.config.set(LOCAL_TIMEOUTS), LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                       dashboard_address=None, env=env) as cluster, \
            Client(cluster) as client:
        yield client


def _swap(url: str, table: str, swap_sql: str, label: str, run_id: str, expected: int) -> int:
    """Replace the rule set's rows of `table` with the run's staged rows, in one transaction, if they are all
    there; DistributedError (nothing changed) if not."""
    with db.transaction(url) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}_staging WHERE run_id = %s", (run_id,))
        staged = cur.fetchone()[0]
        if staged != expected:
            raise DistributedError(f"{table}: {staged} rows staged by run {run_id}, expected {expected}; "
                                   "the stored results are unchanged")
        if table == "water_results":   # the label's own partition (migration 700), emptied and filled
            cur.execute("DELETE FROM water_results_default WHERE rule_set = %s", (label,))
            cur.execute("SELECT water_results_partition(%s)::text", (label,))
            part = cur.fetchone()[0]
            cur.execute(f"TRUNCATE {part}")
            cur.execute(SQL(swap_sql), {"run_id": run_id})
            cur.execute(f"ANALYZE {part}")
        else:
            cur.execute(f"DELETE FROM {table} WHERE rule_set = %s", (label,))
            cur.execute(SQL(swap_sql), {"run_id": run_id})
        cur.execute(f"DELETE FROM {table}_staging WHERE run_id = %s", (run_id,))
    return staged


def _clear(url: str, table: str, run_id: str) -> None:
    """Remove a failed run's staged rows (best effort: an unlogged table's leftovers harm nothing)."""
    try:
        with db.transaction(url) as conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {table}_staging WHERE run_id = %s", (run_id,))
    except Exception:  # noqa: BLE001 — the run's own error is the one to report
        pass


def _gather(client, futures) -> list[dict]:
    from distributed.client import FutureCancelledError
    try:
        return client.gather(futures)
    except FutureCancelledError as err:
        raise DistributedError(f"a task was cancelled: {err}") from None


def run_water(url: str, rules: RuleSet, *, scheduler: str | None = None, workers: int = 0,
              partition_subjects: int = 100_000, client=None) -> DaskRun:
    """The water check on Dask: plan, one task per partition, swap. A task that fails after its retries fails the
    run (DistributedError or the task's own error), and the stored results stay as they were."""
    t0 = time.perf_counter()
    run_id = uuid.uuid4().hex
    with db.transaction(url) as conn:
        plan = plan_water(conn, partition_subjects)
    label = result_label(rules)
    t1 = time.perf_counter()
    try:
        with (_given(client) if client is not None else client_for(scheduler, workers)) as cl:
            n_workers = len(cl.scheduler_info().get("workers", {}))
            futures = cl.map(water_task, [url] * len(plan.parts), [_plain(rules)] * len(plan.parts),
                             [plan] * len(plan.parts), range(len(plan.parts)), [run_id] * len(plan.parts),
                             key=[f"water-{run_id}-{p}" for p in range(len(plan.parts))], retries=TASK_RETRIES,
                             pure=False)
            tasks = _gather(cl, futures)
        t2 = time.perf_counter()
        got = sum(t["rows"] for t in tasks)
        if got != plan.total:
            raise DistributedError(f"water: the partitions held {got} subjects, the plan counted {plan.total} "
                                   "(did the data change during the run?); the stored results are unchanged")
        rows = _swap(url, "water_results", "dask_water_swap", label, run_id, plan.total)
    except BaseException:
        _clear(url, "water_results", run_id)
        raise
    counts = {k: sum(t[k] for t in tasks) for k in ("compliant", "non_compliant", "unknown")}
    return DaskRun("water", label, rows, tasks, counts,
                   {"plan": t1 - t0, "tasks": t2 - t1, "swap": time.perf_counter() - t2,
                    "total": time.perf_counter() - t0}, n_workers)


def run_roads(url: str, rules: RuleSet, *, scheduler: str | None = None, workers: int = 0, client=None) -> DaskRun:
    """The road check on Dask: one task, staged, swapped in one transaction."""
    t0 = time.perf_counter()
    run_id = uuid.uuid4().hex
    label = result_label(rules)
    try:
        with (_given(client) if client is not None else client_for(scheduler, workers)) as cl:
            n_workers = len(cl.scheduler_info().get("workers", {}))
            fut = cl.submit(road_task, url, _plain(rules), run_id, key=f"roads-{run_id}", retries=TASK_RETRIES,
                            pure=False)
            task = _gather(cl, [fut])[0]
        t1 = time.perf_counter()
        rows = _swap(url, "road_results", "dask_road_swap", label, run_id, task["rows"])
    except BaseException:
        _clear(url, "road_results", run_id)
        raise
    return DaskRun("roads", label, rows, [task], {k: task[k] for k in ("has_hardened_road", "gaps")},
                   {"tasks": t1 - t0, "swap": time.perf_counter() - t1, "total": time.perf_counter() - t0},
                   n_workers)


@contextmanager
def _given(client):
    yield client
