"""The fast paths of the spatial checks give the answers of the reference paths (randomised scenarios)."""
import numpy as np
from affine import Affine
from pyproj import CRS

from geo.checks import tobler
from geo.terrain import Dem


def _terrain(rng, voids=True):
    z = 800 + np.cumsum(rng.normal(0, 4, (120, 150)), axis=0) + np.cumsum(rng.normal(0, 4, (120, 150)), axis=1)
    if voids:
        z[rng.random(z.shape) < 0.01] = np.nan
    dem = Dem(z, Affine(30.0, 0, 500_000.0, 0, -30.0, 3_800_000.0), CRS.from_epsg(4534))
    return tobler.Terrain(dem, 4534)


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
            ref = tobler.leg_times_numpy(t, a, b, length, step, za, zb)
            got = tobler.leg_times(t, a, b, length, step, za, zb)
            for r, g in zip(ref, got):
                assert np.array_equal(np.isnan(r), np.isnan(g))   # voids and outside: unknown in both
                assert 0 < np.isnan(r).sum() < n
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=0)
    assert np.all(got[0][:50] == 0)


def test_kernel_exact_hand_case():
    # A uniform 10 % slope: 100 m of run per step, 10 m of rise.
    z = np.tile(np.arange(20) * 10.0 + 100.0, (5, 1))
    t = tobler.Terrain(Dem(z, Affine(100.0, 0, 0.0, 0, -100.0, 500.0), CRS.from_epsg(4534)), 4534)
    a, b = np.array([[50.0, 250.0]]), np.array([[1050.0, 250.0]])
    up, down = tobler.leg_times(t, a, b, np.array([1000.0]), 100.0)
    v_up = tobler.tobler_speed_m_per_min(0.1)
    v_down = tobler.tobler_speed_m_per_min(-0.1)
    assert abs(up[0] - 1000.0 / v_up) < 1e-9 and abs(down[0] - 1000.0 / v_down) < 1e-9
