"""The arrays the water check's steps hand each other: points, pair figures, the source named per subject."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .walking import Terrain


@dataclass
class Points:
    """Points in the metric frame with their DEM-frame coordinates and elevations."""

    xy: np.ndarray
    d: np.ndarray
    z: np.ndarray

    @classmethod
    def of(cls, xy: np.ndarray, terrain: Terrain) -> "Points":
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        dx, dy = terrain.to_dem(xy[:, 0], xy[:, 1])
        d = np.column_stack([dx, dy])
        return cls(xy, d, terrain.z(dx, dy))


@dataclass
class Metrics:
    """Fetch metrics of many (subject, source) pairs."""

    straight_m: np.ndarray
    horizontal_m: np.ndarray   # NaN where it cannot be measured on the basis asked for
    vertical_m: np.ndarray     # NaN where either end has no elevation
    out_min: np.ndarray        # out empty
    back_min: np.ndarray       # back loaded
    network: np.ndarray        # bool: measured along the network

    @property
    def round_trip_min(self) -> np.ndarray:
        return self.out_min + self.back_min


@dataclass
class Picked:
    """Per subject: the named source (row of the sources, −1 where none counts) and its figures and codes."""

    source_row: np.ndarray
    straight_m: np.ndarray
    horizontal_m: np.ndarray
    network: np.ndarray        # bool: horizontal measured along the network
    vertical_m: np.ndarray
    out_min: np.ndarray
    back_min: np.ndarray
    codes: np.ndarray          # (n, clauses + 1) int8: water_rule.CLAUSES in order, then compliant
    failed_mask: np.ndarray    # int16, water_judge.MASK_NAMES
    candidates: np.ndarray     # sources weighed
