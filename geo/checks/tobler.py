"""Tobler's hiking function, written once: walking speed on a slope, and the least round trip it allows per metre.

speed = 6·exp(−3.5·|slope + 0.05|) km/h, slope = rise/run in the direction of travel. The same function serves
numpy over whole arrays (walking.leg_times_numpy) and the compiled kernels (fused.py compiles it as it is)."""
from __future__ import annotations

import numpy as np

MAX_SPEED_KMH = 6.0        # reached on a gentle descent, slope −0.05
SLOPE_DECAY = 3.5          # per unit of |slope + 0.05|
SLOPE_AT_MAX = -0.05
MAX_SPEED_M_PER_MIN = MAX_SPEED_KMH * 1000.0 / 60.0


def speed_m_per_min(slope):
    """Walking speed in metres per minute on `slope` (rise over run, direction of travel): a number or an array."""
    return MAX_SPEED_KMH * np.exp(-SLOPE_DECAY * np.abs(slope - SLOPE_AT_MAX)) * 1000.0 / 60.0


def least_round_trip_min_per_m(loaded_speed_factor: float) -> float:
    """No route is walked faster than Tobler's ceiling, out empty and back at `loaded_speed_factor` of it: the
    least round trip in minutes per metre of straight distance (a lower bound for any route between two points)."""
    return 1.0 / MAX_SPEED_M_PER_MIN + 1.0 / (MAX_SPEED_M_PER_MIN * loaded_speed_factor)
