"""Seeded samples stratified by township, reproducible: the county's spot checks (县级抽查) of inspections and of
risk eliminations draw with this one method, so a recorded seed and pool give the same sample to anyone."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def stratified_sample(pool: pd.DataFrame, seed: int, rate: float) -> pd.DataFrame:
    """ceil(rate × n) rows from each township's n (columns `township_code` and `id`), drawn with a generator seeded
    by (seed, township), so the same seed gives the same sample and one township's draw does not depend on the
    others."""
    if not 0 < rate <= 1:
        raise ValueError(f"rate {rate}: expected a share in (0, 1]")
    parts = []
    for township, group in pool.sort_values(["township_code", "id"]).groupby("township_code", sort=True):
        rng = np.random.default_rng([int(seed), int(township or 0)])
        k = min(len(group), math.ceil(rate * len(group)))
        parts.append(group.iloc[np.sort(rng.choice(len(group), size=k, replace=False))])
    return pd.concat(parts, ignore_index=True) if parts else pool.iloc[0:0]
