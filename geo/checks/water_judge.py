"""Judging (subject, source) pairs by the water rule: compiled clause tests and combination, per pair and over arrays.

The rule set's water rule (water_rule.py) is compiled into small arrays that the compiled functions read, so the
straight pass (per pair) and judge() (over whole pair arrays) follow any edit of the table without recompiling;
also the failed-clause bits and their names, and how a pair ranks to be the source named."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import water_rule
from .codes import F, T, U
from .jit import njit, prange
from .tobler import least_round_trip_min_per_m

# The figures of a pair, in the order the compiled functions hold them (see figures()).
FIGURES = ("horizontal_m", "vertical_m", "round_trip_min", "guarantee_rate", "piped")
ROUND_TRIP = FIGURES.index("round_trip_min")  # the one figure that costs a walk to know
# A failed clause is bit 1 << (its place in water_rule.CLAUSES); this bit says no source counts at all.
NO_SOURCE = 1 << len(water_rule.CLAUSES)
MASK_NAMES = [[c.name for k, c in enumerate(water_rule.CLAUSES) if m >> k & 1]
              + (["no_source"] if m & NO_SOURCE else []) for m in range(2 * NO_SOURCE)]


@dataclass(frozen=True)
class CompiledRule:
    """A rule set's water rule as arrays for compiled code: per clause the interval its figure must lie in to hold
    (the test against the threshold), its code where the figure is unknown and which figure it judges (index into
    FIGURES); per term that counts under the rule set its clauses as bits (1 << place in water_rule.CLAUSES) and
    whether their failures are named; which clauses judge the round trip and which do not."""

    lo: np.ndarray         # (C,) float64
    hi: np.ndarray         # (C,) float64
    unknown: np.ndarray    # (C,) int64
    figure: np.ndarray     # (C,) int64
    terms: np.ndarray      # (K,) int64 clause bits
    named: np.ndarray      # (K,) bool
    walked: np.ndarray     # clauses (indices) that judge the round trip, the figure that costs a walk to know
    known: np.ndarray      # the others

    @classmethod
    def of(cls, rules) -> "CompiledRule":
        cl = water_rule.CLAUSES
        bit = {c.name: 1 << k for k, c in enumerate(cl)}
        on = water_rule.terms(rules)
        lo, hi = zip(*(_interval(c.test, float(water_rule.threshold(c, rules))) for c in cl))
        figure = np.array([FIGURES.index(c.figure) for c in cl], np.int64)
        return cls(np.array(lo, np.float64), np.array(hi, np.float64), np.array([c.unknown for c in cl], np.int64),
                   figure, np.array([sum(bit[n] for n in set(t.clauses)) for t in on], np.int64),
                   np.array([not t.may for t in on], np.bool_), np.flatnonzero(figure == ROUND_TRIP),
                   np.flatnonzero(figure != ROUND_TRIP))

    def args(self) -> tuple:
        return (self.lo, self.hi, self.unknown, self.figure, self.terms, self.named, self.walked, self.known)


def _interval(test: str, threshold: float) -> tuple[float, float]:
    """The figures that pass a test (water_rule.TESTS) as a closed interval; a fact is a figure of 1 or 0."""
    return {"holds": (0.5, np.inf), "<=": (-np.inf, threshold), "<": (-np.inf, np.nextafter(threshold, -np.inf)),
            ">=": (threshold, np.inf), ">": (np.nextafter(threshold, np.inf), np.inf)}[test]


@njit(cache=True, inline="always")
def figures(out, horizontal_m, vertical_m, round_trip_min, guarantee_rate, piped):
    """A pair's figures into `out`, in the order of FIGURES (piped as 1.0 or 0.0)."""
    out[0] = horizontal_m
    out[1] = vertical_m
    out[2] = round_trip_min
    out[3] = guarantee_rate
    out[4] = 1.0 if piped else 0.0


@njit(cache=True, inline="always")
def clause_code(figure, lo, hi, unknown):
    """One clause as a three-valued code: it holds where its figure lies in [lo, hi]; `unknown` where the figure
    is unknown."""
    if not math.isfinite(figure):
        return unknown
    return T if lo <= figure <= hi else F


@njit(cache=True, inline="always")
def _bits(clauses, fig, rule):
    """Of the clauses (indices), those that hold and those that fail on figures `fig`, as bits (1 << place in
    CLAUSES)."""
    lo, hi, unknown, figure = rule[0], rule[1], rule[2], rule[3]
    holds = 0
    fails = 0
    for c in clauses:
        code = clause_code(fig[figure[c]], lo[c], hi[c], unknown[c])
        if code == T:
            holds |= 1 << c
        elif code == F:
            fails |= 1 << c
    return holds, fails


@njit(cache=True, inline="always")
def known_bits(fig, rule):
    """The bits (holds, fails) of the clauses known without a walk (all but the round trip's) on figures `fig`."""
    return _bits(rule[7], fig, rule)


@njit(cache=True, inline="always")
def walk_bits(fig, rule):
    """The bits (holds, fails) of the clauses of the round trip, on figures `fig` (only its round trip is read)."""
    return _bits(rule[6], fig, rule)


@njit(cache=True, inline="always")
def combine(holds, fails, rule):
    """What the clauses add up to: the best term that counts, each term as good as its worst clause (three-valued
    OR of ANDs). Returns (compliant, failed-clause bits): the failures of the named terms, none where it passes."""
    terms, named = rule[4], rule[5]
    comp = F
    mask = 0
    for k in range(terms.shape[0]):
        m = terms[k]
        v = F if m & fails else (T if (m & ~holds) == 0 else U)
        if v > comp:
            comp = v
        if named[k]:
            mask |= m & fails
    return comp, (0 if comp == T else mask)


@njit(cache=True, inline="always")
def codes_of(holds, fails, codes):
    """Clause bits as three-valued codes, one per clause, into `codes`."""
    for c in range(codes.shape[0]):
        codes[c] = T if holds >> c & 1 else (F if fails >> c & 1 else U)


@njit(cache=True, inline="always")
def judge_pair(fig, rule, codes):
    """The clauses of one pair (figures `fig`) into `codes`, and (compliant, failed-clause bits)."""
    holds, fails = known_bits(fig, rule)
    th, tf = walk_bits(fig, rule)
    codes_of(holds | th, fails | tf, codes)
    return combine(holds | th, fails | tf, rule)


@njit(cache=True, inline="always")
def naming_score(compliant, round_trip_min, nearest, straight_m):
    """How a (subject, source) pair ranks to be the source named, lower first: a passing pair by its round trip,
    a passing pair of unknown time after every known one, then the nearest source, then the rest; a share of the
    straight metres breaks ties towards the nearer source (no walk takes a million minutes, and at that size a
    metre's 1e-9 still counts)."""
    if compliant == T:
        base = round_trip_min if math.isfinite(round_trip_min) else 1e6
    else:
        base = 2e6 if nearest else 3e6
    return base + straight_m * 1e-9


@njit(cache=True)
def naming_scores(compliant, round_trip_min, nearest, straight_m):
    """naming_score over whole pair arrays."""
    out = np.empty(compliant.shape[0])
    for q in range(compliant.shape[0]):
        out[q] = naming_score(compliant[q], round_trip_min[q], nearest[q], straight_m[q])
    return out


@njit(cache=True, parallel=True)
def _judge_arrays(h, v, rt, g, p, rule, codes, compliant, mask):
    B = 4096  # pairs per block: scratch per block, not per pair
    for blk in prange((h.shape[0] + B - 1) // B):
        fig = np.empty(5)
        for q in range(blk * B, min((blk + 1) * B, h.shape[0])):
            figures(fig, h[q], v[q], rt[q], g[q], p[q])
            compliant[q], mask[q] = judge_pair(fig, rule, codes[q])


@dataclass
class Judgement:
    """Clauses per pair as three-valued codes, what they add up to under the rule set, and the failures."""

    clauses: dict[str, np.ndarray]      # clause name → (P,) int8 codes
    compliant: np.ndarray               # (P,) int8
    failed_mask: np.ndarray             # (P,) int16: bits of the failed clauses (see MASK_NAMES)
    failed: list[tuple[str, np.ndarray]]  # the clauses whose failures are named, with their codes


def judge_figures(horizontal_m, vertical_m, round_trip_min, guarantee_rate, piped, rules) -> Judgement:
    """Each clause of the rule set on whole arrays of pairs, and the rule set's combination."""
    h = np.ascontiguousarray(horizontal_m, np.float64)
    n = len(h)
    rule = CompiledRule.of(rules)
    codes = np.empty((n, len(water_rule.CLAUSES)), np.int8)
    compliant = np.empty(n, np.int8)
    mask = np.empty(n, np.int16)
    if n:
        _judge_arrays(h, np.ascontiguousarray(vertical_m, np.float64), np.ascontiguousarray(round_trip_min, np.float64),
                      np.ascontiguousarray(guarantee_rate, np.float64), np.ascontiguousarray(piped, np.bool_),
                      rule.args(), codes, compliant, mask)
    clauses = {c.name: codes[:, k] for k, c in enumerate(water_rule.CLAUSES)}
    named = [n for t in water_rule.terms(rules) if not t.may for n in t.clauses]
    return Judgement(clauses, compliant, mask, [(n, clauses[n]) for n in dict.fromkeys(named)])


def judge(m, piped: np.ndarray, guarantee: np.ndarray, rules) -> Judgement:
    """Pairs with pair metrics `m` (horizontal_m, vertical_m, round_trip_min), piped within reach and the source's
    guarantee rate, judged by the rule set."""
    return judge_figures(m.horizontal_m, m.vertical_m, m.round_trip_min, guarantee, piped, rules)


def could_pass(straight_m: np.ndarray, vertical_m: np.ndarray, piped: np.ndarray, guarantee: np.ndarray,
               rules) -> np.ndarray:
    """Pairs that may pass, judged before any route is measured: the horizontal figure at its least (the straight
    line) and the round trip at its least (Tobler's ceiling over the straight line). Only they need walking times;
    the others fail whatever the route."""
    least = np.asarray(straight_m, float) * least_round_trip_min_per_m(rules.loaded_speed_factor)
    return judge_figures(straight_m, vertical_m, least, guarantee, piped, rules).compliant == T


def is_piped(piped_source: np.ndarray, straight_m: np.ndarray, rules) -> np.ndarray:
    """The piped figure of pairs (water_rule.piped_within over whole arrays)."""
    return water_rule.piped_within(np.asarray(piped_source, bool), np.asarray(straight_m, float),
                                   float(rules.piped_reach_m))


def no_source_codes() -> np.ndarray:
    """The codes of a subject with no source that counts: every clause unknown but the facts, which do not hold
    (no piped scheme serves it), and not compliant (nothing to fetch from). Clauses in CLAUSES order, then
    compliant."""
    return np.array([F if c.test == "holds" else U for c in water_rule.CLAUSES] + [F], np.int8)
