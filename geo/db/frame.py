"""The dataset's frames: everything is stored in CGCS2000 (EPSG:4490), with a metric copy in the Gauss-Krüger zone
recorded at the first import (meta.metric_srid)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

from ..frames import STORAGE_SRID, gk_zone_srid

__all__ = ["STORAGE_SRID", "metric_srid", "record_metric_srid", "metric_to_storage"]


def metric_srid(conn_or_cur) -> int | None:
    """The recorded Gauss-Krüger SRID of the dataset, or None before the first import. Reads only."""
    cur = conn_or_cur.cursor() if hasattr(conn_or_cur, "cursor") else conn_or_cur
    cur.execute("SELECT value::int FROM meta WHERE key = 'metric_srid'")
    row = cur.fetchone()
    if cur is not conn_or_cur:
        cur.close()
    return row[0] if row else None


def record_metric_srid(cur, lon_hint: float | None) -> int:
    """The recorded SRID; when none is recorded yet, the zone of `lon_hint` (the data's median longitude) is
    recorded for good and returned. ValueError when there is neither."""
    srid = metric_srid(cur)
    if srid is not None:
        return srid
    if lon_hint is None:
        raise ValueError("no metric frame recorded yet and no longitude to choose one from")
    srid = gk_zone_srid(lon_hint)
    cur.execute("INSERT INTO meta (key, value) VALUES ('metric_srid', %s)", (str(srid),))
    return srid


def metric_to_storage(srid: int, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Metric coordinates as CGCS2000 longitude and latitude."""
    lon, lat = _to_storage(srid).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


@lru_cache(maxsize=None)
def _to_storage(srid: int) -> Transformer:
    return Transformer.from_crs(srid, STORAGE_SRID, always_xy=True)
