"""The bench's end-to-end part on a small synthetic county: the commands run in fresh processes, their floors measured,
the README's table made from the figures."""
import numpy as np
import pytest

import checks_scenario as sc
from geo.checks import bench_e2e


def _gen(n_h=400, n_nv=8, seed=3):
    rng = np.random.default_rng(seed)
    nv = np.column_stack([sc.X0 + rng.uniform(0, 5000, n_nv), sc.Y0 + rng.uniform(0, 5000, n_nv)])
    owner = rng.integers(0, n_nv, n_h)
    hh = nv[owner] + rng.normal(0, 100, (n_h, 2))
    z = np.full((60, 60), 1000.0)
    return {"hh_xy": hh, "src_xy": nv + 50.0, "dem": (z, (sc.X0 - 500.0, sc.Y0 + 5500.0, 100.0)),
            "nv_xy": nv, "nv_ids": np.array([f"NV{k:03d}" for k in range(n_nv)]),
            "nv_codes": np.array(["530427205201"] * n_nv), "nv_households": np.bincount(owner, minlength=n_nv),
            "owner": owner, "members": rng.integers(1, 6, n_h), "hh_ids": np.array([f"H{k:05d}" for k in range(n_h)])}


def test_commands_timed_beside_their_floors(db_url, conn):
    gen = _gen()
    sc.load(conn, villages=[{"id": "nv1", "households": 3, "population": 9, "village_code": "530427205001",
                             "dx": 0, "dy": 0}],
            households=[{"id": f"h{k}", "natural_village_id": "nv1", "members": 3, "dx": 100 * k, "dy": 0}
                        for k in range(3)],
            sources=[{"id": "s1", "status": "working", "dx": 0, "dy": 0}], dem=sc.dem_tif(lambda x, y: 1000 + 0 * x))
    conn.commit()
    with pytest.raises(RuntimeError, match="expected a .csv or .geojson"):
        bench_e2e.command(db_url, "check", "water", "--out", "x.shp")
    assert bench_e2e.check_floor(gen) > 0
    figs = bench_e2e.check_commands(db_url, gen, log=lambda *a: None)
    assert figs["check_water_s"] > 0 and 50 < figs["check_water_peak_mb"] < 2000
    assert figs["csv_bytes"] > 3 * 60  # the header and three households
    assert figs["second_rule_set_over_first"] == round(figs["check_water_second_rule_set_s"] / figs["check_water_s"],
                                                       2)
    imp = bench_e2e.import_figures(db_url, gen, sc.SRID, log=lambda *a: None)
    assert imp["import_s"] > imp["import_floor_s"] > 0 and 50 < imp["import_peak_mb"] < 2000
    text = bench_e2e.markdown({"started": "2026-12-02 00:00 UTC", "machine": {
        "cpus": 2, "load_average_at_start": [1.0, 1, 1], "load_average_at_end": [2.0, 2, 2]},
        "results": [{"size": "county", **figs, **imp}]})
    lines = text.splitlines()
    assert lines[0].startswith("`python -m geo bench --sizes county`, 2026-12-02 00:00 UTC, 2 CPUs, load average 1.0")
    assert len(lines) == 4 + len(bench_e2e.ROWS)
    imp_line = next(x for x in lines if "geo import" in x)
    assert f"{imp['import_s']:.2f} s / {imp['import_floor_s']:.2f} s" in imp_line
