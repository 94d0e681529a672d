"""Three-valued logic as small integers: T true, U unknown, F false (AND is min, OR is max).

Used by the water check's arrays and its compiled code. A clause that cannot be judged is unknown, never true."""
from __future__ import annotations

import numpy as np

T, U, F = 2, 1, 0


def tv_to_object(a: np.ndarray) -> np.ndarray:
    """Three-valued codes as True / False / None."""
    out = np.full(len(a), None, dtype=object)
    out[a == T] = True
    out[a == F] = False
    return out
