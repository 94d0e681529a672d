"""Compiled (numba) kernels for walking times: DEM profile sampling and Tobler's function fused in one pass per leg.

It does exactly what walking.leg_times_numpy does with numpy (the same bilinear sampling as terrain.Dem.sample_xy,
the same per-step arithmetic, NaN anywhere on a leg making its time NaN) without materialising every sample of
every leg; the sums and exp() may differ from numpy's by rounding in the last bits (tested equal to 1e-9)."""
from __future__ import annotations

import math

import numpy as np

from . import tobler
from .jit import njit, prange


def kernel_array(a, dtype) -> np.ndarray:
    """An input for a compiled kernel: C-contiguous, writeable, of `dtype`. A read-only array (as pandas hands out)
    or another integer width is another type to numba, and one more compilation the first time it is seen."""
    return np.require(a, dtype, ["C_CONTIGUOUS", "WRITEABLE"])


@njit(cache=True, inline="always")
def _sample(x, y, e, ia, ib, ic, id_, ie, if_):
    """terrain.Dem.sample_xy for one point (ia..if_: the inverse affine transform)."""
    col = x * ia + y * ib + ic
    row = x * id_ + y * ie + if_
    if not np.isfinite(col):
        return np.nan
    col = col - 0.5
    row = row - 0.5
    h, w = e.shape
    if col < -0.5 or row < -0.5 or col > w - 0.5 or row > h - 0.5:
        return np.nan
    c0 = math.floor(col); r0 = math.floor(row)
    fc = col - c0; fr = row - r0
    c0c = min(max(int(c0), 0), w - 1); c1c = min(max(int(c0) + 1, 0), w - 1)
    r0c = min(max(int(r0), 0), h - 1); r1c = min(max(int(r0) + 1, 0), h - 1)
    z = 0.0
    wgt = (1 - fc) * (1 - fr)
    z = z + (e[r0c, c0c] * wgt if wgt > 1e-12 else 0.0)
    wgt = fc * (1 - fr)
    z = z + (e[r0c, c1c] * wgt if wgt > 1e-12 else 0.0)
    wgt = (1 - fc) * fr
    z = z + (e[r1c, c0c] * wgt if wgt > 1e-12 else 0.0)
    wgt = fc * fr
    z = z + (e[r1c, c1c] * wgt if wgt > 1e-12 else 0.0)
    return z


_speed = njit(cache=True, inline="always")(tobler.speed_m_per_min)  # Tobler's function as written there


@njit(cache=True, inline="always")
def _leg(ax, ay, bx, by, L, step, za, zb, has_za, has_zb, e, ia, ib, ic, id_, ie, if_):
    """Minutes a→b and b→a along one straight leg of ground length L, sampled every `step` metres."""
    segs = max(1, int(math.ceil(L / step)))
    run = L / segs
    prev = za if has_za else _sample(ax, ay, e, ia, ib, ic, id_, ie, if_)
    s_ab = 0.0
    s_ba = 0.0
    for k in range(1, segs + 1):
        if k == segs and has_zb:
            z = zb
        else:
            frac = k / segs
            z = _sample(ax + frac * (bx - ax), ay + frac * (by - ay), e, ia, ib, ic, id_, ie, if_)
        if run > 0:  # a leg of length 0 takes no time, whatever its elevations
            slope = (z - prev) / run
            s_ab += run / _speed(slope)
            s_ba += run / _speed(-slope)
        prev = z
    return s_ab, s_ba


@njit(cache=True, parallel=True)
def leg_times_kernel(ad, bd, length, step, za, zb, has_za, has_zb, e, inv):
    """Unloaded minutes a→b and b→a of each straight leg (see walking.leg_times)."""
    n = length.shape[0]
    t_ab = np.zeros(n)
    t_ba = np.zeros(n)
    ia, ib, ic, id_, ie, if_ = inv[0], inv[1], inv[2], inv[3], inv[4], inv[5]
    for m in prange(n):
        t_ab[m], t_ba[m] = _leg(ad[m, 0], ad[m, 1], bd[m, 0], bd[m, 1], length[m], step, za[m], zb[m],
                                has_za, has_zb, e, ia, ib, ic, id_, ie, if_)
    return t_ab, t_ba
