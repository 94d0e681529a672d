"""Demand and supply: each drop point's daily demand (people × litres per person), each source's spare capacity
(capacity, cut in a dry season, less its own users' draw), and the assignment of demand to sources that overdraws
none and drives the least truck distance over the road network: a transportation problem solved exactly as a
linear program (scipy.optimize.linprog, HiGHS), with a priced shortfall where spare capacity is not enough."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


def spare_capacity(sources: pd.DataFrame, users_litres: float, dry_season: bool, dry_factor: float) -> pd.Series:
    """m³/day a source can give beyond its own users' draw (never below zero)."""
    cap = sources.capacity_m3_per_day.astype(float) * (dry_factor if dry_season else 1.0)
    return (cap - sources.own_users.astype(float) * users_litres / 1000.0).clip(lower=0.0)


def allocate(demand: np.ndarray, spare: np.ndarray, pair_p: np.ndarray, pair_s: np.ndarray,
             route_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Least total flow × route length with Σ_s f[s,p] + short[p] = demand[p] and Σ_p f[s,p] ≤ spare[s].

    pairs (pair_p, pair_s) with finite route_m are the arcs. A unit of shortfall costs more than any route, so the
    program carries all it can. Returns (flow per arc, shortfall per point, solver status)."""
    P, S, E = len(demand), len(spare), len(pair_p)
    if P == 0:
        return np.zeros(E), np.zeros(0), "empty"
    km = route_m / 1000.0
    big = 10.0 * (km.max() if E else 1.0) + 1000.0
    c = np.r_[km, np.full(P, big)]
    # equality rows: points; inequality rows: sources
    A_eq = coo_matrix((np.r_[np.ones(E), np.ones(P)], (np.r_[pair_p, np.arange(P)], np.arange(E + P))),
                      shape=(P, E + P))
    A_ub = coo_matrix((np.ones(E), (pair_s, np.arange(E))), shape=(S, E + P))
    res = linprog(c, A_ub=A_ub.tocsr() if E else None, b_ub=spare if E else None, A_eq=A_eq.tocsr(), b_eq=demand,
                  bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"supply assignment failed: {res.message}")
    x = np.where(res.x < 1e-9, 0.0, res.x)
    return x[:E], x[E:], "optimal"
