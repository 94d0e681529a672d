"""The fast paths of the spatial checks give the answers of the reference paths (randomised scenarios)."""
import numpy as np
from affine import Affine
from pyproj import CRS

from geo.checks import tobler, walking
from geo.terrain import Dem


def _terrain(rng, voids=True):
    z = 800 + np.cumsum(rng.normal(0, 4, (120, 150)), axis=0) + np.cumsum(rng.normal(0, 4, (120, 150)), axis=1)
    if voids:
        z[rng.random(z.shape) < 0.01] = np.nan
    dem = Dem(z, Affine(30.0, 0, 500_000.0, 0, -30.0, 3_800_000.0), CRS.from_epsg(4534))
    return walking.Terrain(dem, 4534)


def test_kernel_equals_numpy_reference():
    rng = np.random.default_rng(7)
    t = _terrain(rng)
    n = 5000
    a = np.column_stack([rng.uniform(499_800, 504_700, n), rng.uniform(3_796_200, 3_800_200, n)])
    b = a + rng.normal(0, 500, (n, 2))
    b[:50] = a[:50]                                # legs of length 0
    length = np.hypot(*(a - b).T) * rng.uniform(0.95, 1.05, n)
    for step in (10.0, 30.0, 75.0):
        for ends in (False, True):
            za, zb = (t.z(*a.T), t.z(*b.T)) if ends else (None, None)
            ref = walking.leg_times_numpy(t, a, b, length, step, za, zb)
            got = walking.leg_times(t, a, b, length, step, za, zb)
            for r, g in zip(ref, got):
                assert np.array_equal(np.isnan(r), np.isnan(g))   # voids and outside: unknown in both
                assert 0 < np.isnan(r).sum() < n
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=0)
    assert np.all(got[0][:50] == 0)


def test_kernel_exact_hand_case():
    # A uniform 10 % slope: 100 m of run per step, 10 m of rise.
    z = np.tile(np.arange(20) * 10.0 + 100.0, (5, 1))
    t = walking.Terrain(Dem(z, Affine(100.0, 0, 0.0, 0, -100.0, 500.0), CRS.from_epsg(4534)), 4534)
    a, b = np.array([[50.0, 250.0]]), np.array([[1050.0, 250.0]])
    up, down = walking.leg_times(t, a, b, np.array([1000.0]), 100.0)
    v_up = tobler.speed_m_per_min(0.1)
    v_down = tobler.speed_m_per_min(-0.1)
    assert abs(up[0] - 1000.0 / v_up) < 1e-9 and abs(down[0] - 1000.0 / v_down) < 1e-9


def test_compiled_check_equals_the_array_path(conn, monkeypatch):
    """The straight-basis check in one compiled pass per subject (geo/checks/straight.py) names the same sources
    with the same figures and clauses as the array path (candidate_pairs, fetch_metrics, judge, choose, with the
    walking times searched round by round in numpy: water_pairs._times_by_rounds). A random scenario with DEM voids, failed and seasonal sources, piped schemes, homes with no source within reach
    and a cluster of 80 sources (more than the kernel's first scratch space holds), under several rule sets."""
    import checks_scenario as sc
    from geo.checks import water, water_compute, water_pairs
    from geo.checks.rules import load_rules
    rng = np.random.default_rng(11)
    dem = sc.dem_tif(lambda x, y: 1200 + 150 * np.sin(x / 400.0) + 120 * np.cos(y / 300.0),
                     extent=(-500, -500, 6500, 6500), cell=20.0, voids=[(2000, 2000, 2600, 2400)])
    nv = [{"id": "nv1", "households": 40, "population": 120, "village_code": "530427205001", "dx": 0, "dy": 0}]
    sources = [{"id": f"s{k:02d}", "status": str(rng.choice(["working", "working", "seasonal", "failed"])),
                "dx": rng.uniform(0, 6000), "dy": rng.uniform(0, 6000),
                "piped_to_home": bool(rng.random() < 0.1)} for k in range(60)]
    sources += [{"id": f"c{k:02d}", "status": "working", "dx": 3000 + rng.normal(0, 100),
                 "dy": 5000 + rng.normal(0, 100), "piped_to_home": False} for k in range(80)]
    sc.load(conn, villages=nv, dem=dem, sources=sources,
            households=[{"id": f"h{k:03d}", "natural_village_id": "nv1", "members": 3,
                         "dx": rng.uniform(0, 6000), "dy": rng.uniform(0, 6000)} for k in range(400)])
    conn.commit()
    cases = [("longxian-2021", {}), ("national-2018", {}), ("longxian-2021", {"piped_reach_m": "300"}),
             ("longxian-2021", {"dry_season": "true", "max_round_trip_min": "12"}),
             ("longxian-2021", {"piped_counts_as_compliant": "true", "max_vertical_m": "40"})]

    def array_path(hp, sp, piped_src, guarantee, terrain, rules):
        return water_pairs.check_pairs(hp, sp, piped_src, guarantee, terrain, rules, None, lazy=True)

    for name, sets in cases:
        rules = load_rules(conn, name, {"distance_basis": "straight", **sets})
        got = water.compute(conn, rules).rows
        monkeypatch.setattr(water_compute, "straight_check", array_path)
        ref = water.compute(conn, rules).rows
        monkeypatch.undo()
        for c in ("source_id", "distance_basis", "failed_mask", "horizontal_ok_code", "vertical_ok_code",
                  "time_ok_code", "piped_code", "compliant_code", "candidates"):
            assert got[c].map(repr).tolist() == ref[c].map(repr).tolist(), (name, sets, c)
        for c in ("horizontal_m", "vertical_m", "round_trip_min", "out_min", "back_min"):
            np.testing.assert_allclose(got[c].astype(float), ref[c].astype(float), rtol=1e-12, equal_nan=True)
        if not rules.piped_counts_as_compliant:  # (with it, every home here is within reach of a piped scheme)
            assert (ref.compliant_code == 2).sum() > 20 and (ref.compliant_code == 0).sum() > 20
        assert (ref.candidates > 64).any()                       # the cluster overflowed the first scratch space
        far = ref.straight_m > rules.search_radius_m()
        assert far.sum() >= 3 and ref.source_id[far].notna().all()  # homes beyond reach name their nearest source


def test_binary_line_copy_equals_wkb_parsing(conn):
    """Road lines read from a binary COPY by the compiled scan equal the WKB parsed by GEOS, row for row."""
    import shapely
    import checks_scenario as sc
    from geo.checks.linecopy import read_lines
    from geo.checks.roads import SQL
    rng = np.random.default_rng(3)
    roads = []
    for k in range(300):
        n = int(rng.integers(2, 9))
        xy = np.cumsum(rng.normal(0, 200, (n, 2)), axis=0) + rng.uniform(0, 8000, 2)
        surface = "cement" if rng.random() < 0.6 else "gravel"
        roads.append({"id": f"r{k:03d}é", "surface": surface, "all_season": [None, True, False][k % 3],
                      "xy": [tuple(p) for p in xy]})
    sc.load(conn, roads=roads)
    sql = SQL("road_lines")
    with conn.cursor() as cur:
        ids, hard, alls, lines = read_lines(cur, sql)
        cur.execute(sql)
        ref = cur.fetchall()
    assert len(ref) == len(ids) > 150
    assert ids.tolist() == [r[0] for r in ref] and ids[0].endswith("é")
    assert hard.tolist() == [r[1] for r in ref] and alls.tolist() == [r[2] for r in ref]
    want = shapely.from_wkb([bytes(r[3]) for r in ref])
    assert all(shapely.equals_exact(lines, want, tolerance=0.0))
    assert sum(shapely.get_num_coordinates(lines)) == sum(shapely.get_num_coordinates(want))


def test_compiled_route_searches_equal_scipy_rows():
    """network.pair_metrics (bounded searches per source, compiled, stopping once the paired points are settled)
    gives what pair_metrics_dense (whole rows of scipy's Dijkstra) gives: distances, times out and back, inf where
    the network does not link a pair within the limit and NaN where only routes across a DEM void do. A random
    grid of paths with gaps over a DEM with voids; sources sharing segments with households; several limits."""
    import shapely
    from geo.checks import network as netmod
    rng = np.random.default_rng(5)
    t = _terrain(rng)
    # A jittered grid of paths over the DEM (500 000–504 500, 3 796 400–3 800 000), a fifth of the links missing.
    gx, gy = np.meshgrid(np.linspace(500_100, 504_400, 24), np.linspace(3_796_500, 3_799_900, 20))
    nodes = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, 25, (gx.size, 2))
    idx = np.arange(gx.size).reshape(gx.shape)
    links = np.r_[np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
                  np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])]
    links = links[rng.random(len(links)) > 0.2]
    lines = shapely.linestrings(np.stack([nodes[links[:, 0]], nodes[links[:, 1]]], axis=1))
    net = netmod.build_network(np.array([f"r{k}" for k in range(len(lines))], dtype=object), lines, t, 30.0)
    hxy = np.column_stack([rng.uniform(500_000, 504_500, 600), rng.uniform(3_796_400, 3_800_000, 600)])
    sxy = np.column_stack([rng.uniform(500_000, 504_500, 80), rng.uniform(3_796_400, 3_800_000, 80)])
    sxy[:10] = hxy[:10] + 5.0  # on the households' own segments
    H, S = netmod.attach(net, hxy, 150.0, t), netmod.attach(net, sxy, 150.0, t)
    hz, sz = t.z(hxy[:, 0], hxy[:, 1]), t.z(sxy[:, 0], sxy[:, 1])
    ha = netmod.access_times(t, hxy, hz, H, hxy, 30.0)
    sa = netmod.access_times(t, sxy, sz, S, sxy, 30.0)
    i, j = np.nonzero(np.hypot(*(hxy[:, None] - sxy[None]).transpose(2, 0, 1)) < 1500)
    on = H.on[i] & S.on[j]
    i, j = i[on], j[on]
    assert len(i) > 3000
    for limit in (800.0, 3000.0):
        ref = netmod.pair_metrics_dense(net, H, S, i, j, ha, sa, limit)
        got = netmod.pair_metrics(net, H, S, i, j, ha, sa, limit)
        for r, g in zip(ref, got):
            assert np.array_equal(np.isinf(r), np.isinf(g)) and np.array_equal(np.isnan(r), np.isnan(g))
            ok = np.isfinite(r)
            np.testing.assert_allclose(g[ok], r[ok], rtol=1e-12, atol=0)
        assert np.isinf(ref[0]).sum() > (100 if limit < 1000 else 5) and np.isfinite(ref[0]).sum() > 1000
        assert np.isnan(ref[1]).sum() > 10  # routes across a void: time unknown


def test_compiled_kernels_are_cached_under_every_module_they_read():
    """numba stamps a cached kernel with its own file; the room's stamp covers the modules kernels inline or read
    constants from (Tobler's speed, the leg walk, the water rule and its judging, the codes), and no others."""
    from numba.core import caching
    from geo.checks import jit, straight, water_judge
    mods = set(jit.compiled_modules())
    assert {"tobler", "fused", "codes", "water_rule", "water_judge", "straight", "routes", "linecopy"} <= mods
    assert not mods & {"explain", "roads", "bench", "water", "water_compute", "water_write", "water_recompute"}
    for kernel in (straight.water_kernel, water_judge._judge_arrays):
        locator = kernel._cache._impl.locator
        assert isinstance(locator, jit.RoomCacheLocator) and locator.get_source_stamp() == jit.room_stamp()
    assert caching.CacheImpl._locator_classes[0] is jit.RoomCacheLocator
