"""Walking times along straight legs: Tobler's function summed over DEM profiles, the DEM seen from the metric frame.

A leg is sampled every `step` metres (at least its two ends); a NaN elevation anywhere on it makes its time NaN
(unknown, never a pass). Many legs at once: compiled (fused.py), or in numpy (the reference)."""
from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer

from ..terrain import Dem
from .fused import leg_times_kernel
from .tobler import speed_m_per_min


class Terrain:
    """A DEM seen from the metric frame: points in metres go to the DEM's CRS once; profiles interpolate there.

    Over a leg of a few kilometres the projection between two conformal frames is affine to well under a metre, so
    a straight leg in metres is sampled as a straight leg in the DEM's frame between its projected ends."""

    def __init__(self, dem: Dem | None, metric_srid: int):
        self.dem = dem
        self._t = None
        if dem is not None and not dem.crs.equals(CRS.from_epsg(metric_srid)):
            self._t = Transformer.from_crs(CRS.from_epsg(metric_srid), dem.crs, always_xy=True)

    @property
    def cell_m(self) -> float:
        """The DEM's cell size in metres (0 without a DEM): profiles are not sampled finer than this."""
        if self.dem is None:
            return 0.0
        size = min(abs(self.dem.transform.a), abs(self.dem.transform.e))
        if self.dem.crs.is_geographic:
            lat = float(np.clip(abs((self.dem.transform * (0, self.dem.elevation.shape[0] / 2))[1]), 0, 89))
            return size * 111_320.0 * float(np.cos(np.radians(lat)))
        return size

    def step(self, profile_step_m: float) -> float:
        """Spacing of samples along a leg: the setting, or the DEM's cell where that is coarser (finer samples only
        interpolate the same four cells)."""
        return max(profile_step_m, self.cell_m)

    def to_dem(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float); y = np.asarray(y, dtype=float)
        if self._t is None:
            return x, y
        return self._t.transform(x, y)

    def z(self, xd: np.ndarray, yd: np.ndarray) -> np.ndarray:
        """Elevations at points given in the DEM's frame (NaN on voids, outside, or with no DEM)."""
        xd = np.asarray(xd, dtype=float)
        if self.dem is None:
            return np.full(xd.shape, np.nan)
        return self.dem.sample_xy(xd, np.asarray(yd, dtype=float))


def leg_times(terrain: Terrain, ad: np.ndarray, bd: np.ndarray, length_m: np.ndarray, step_m: float,
              za: np.ndarray | None = None, zb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unloaded walking minutes along straight legs a→b and b→a.

    ad, bd: (n, 2) leg ends in the DEM's frame; length_m: ground length of each leg in metres (metric frame).
    za, zb: elevations at the ends if already known (saves sampling them again). Returns two (n,) arrays.
    With a DEM the compiled kernel (fused.py) does it in one pass; leg_times_numpy is the reference."""
    length_m = np.asarray(length_m, dtype=float)
    if terrain.dem is None or len(length_m) == 0:
        return leg_times_numpy(terrain, ad, bd, length_m, step_m, za, zb)
    e = terrain.dem.elevation
    inv = np.array(tuple(~terrain.dem.transform)[:6], dtype=float)
    n = len(length_m)
    zero = np.zeros(n)
    return leg_times_kernel(np.ascontiguousarray(ad, dtype=float), np.ascontiguousarray(bd, dtype=float),
                            np.ascontiguousarray(length_m), float(step_m),
                            zero if za is None else np.ascontiguousarray(za, dtype=float),
                            zero if zb is None else np.ascontiguousarray(zb, dtype=float),
                            za is not None, zb is not None,
                            e if e.dtype == np.float64 and e.flags.c_contiguous else np.ascontiguousarray(e, float),
                            inv)


def leg_times_numpy(terrain: Terrain, ad: np.ndarray, bd: np.ndarray, length_m: np.ndarray, step_m: float,
                    za: np.ndarray | None = None, zb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """leg_times with numpy alone: every sample of every leg at once (the reference for the compiled kernel)."""
    length_m = np.asarray(length_m, dtype=float)
    n = len(length_m)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    segs = np.maximum(1, np.ceil(length_m / step_m)).astype(np.int64)
    pts = segs + 1
    start = np.zeros(n, dtype=np.int64)
    np.cumsum(pts[:-1], out=start[1:])
    total = int(pts.sum())
    leg = np.repeat(np.arange(n), pts)
    k = np.arange(total) - start[leg]
    frac = k / segs[leg]
    xs = ad[leg, 0] + frac * (bd[leg, 0] - ad[leg, 0])
    ys = ad[leg, 1] + frac * (bd[leg, 1] - ad[leg, 1])
    z = terrain.z(xs, ys)
    if za is not None:
        z[start] = za
    if zb is not None:
        z[start + segs] = zb
    dz = np.diff(z)
    run = (length_m / segs)[leg[:-1]]
    inside = np.ones(total - 1, dtype=bool)
    inside[(start + segs)[:-1]] = False  # the step from one leg's end to the next leg's start is not a step
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(run > 0, dz / np.where(run > 0, run, 1.0), 0.0)
        t_ab = np.where(inside, run / speed_m_per_min(slope), 0.0)
        t_ba = np.where(inside, run / speed_m_per_min(-slope), 0.0)
    # Sum each leg's steps: block j runs from start[j] up to the zeroed step that crosses into leg j+1.
    return np.add.reduceat(t_ab, start), np.add.reduceat(t_ba, start)
