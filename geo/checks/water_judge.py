"""Judging (subject, source) pairs by the water rule (water_rule.py): the rule set compiled into small arrays, the
clause tests and their combination as compiled functions, called per pair by the straight pass and over whole
pair arrays by judge(); the failed-clause bits and their names."""
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
# A failed clause is bit 1 << (its place in water_rule.CLAUSES); this bit says no source counts at all.
NO_SOURCE = 1 << len(water_rule.CLAUSES)
MASK_NAMES = [[c.name for k, c in enumerate(water_rule.CLAUSES) if m >> k & 1]
              + (["no_source"] if m & NO_SOURCE else []) for m in range(2 * NO_SOURCE)]


@dataclass(frozen=True)
class CompiledRule:
    """A rule set's water rule as arrays for compiled code: per clause its test (index into water_rule.TESTS),
    threshold, code for an unknown figure and figure (index into FIGURES); per term which clauses it holds,
    whether it counts and whether its failures are named."""

    test: np.ndarray       # (C,) int64
    threshold: np.ndarray  # (C,) float64
    unknown: np.ndarray    # (C,) int64
    figure: np.ndarray     # (C,) int64
    terms: np.ndarray      # (K, C) bool
    counts: np.ndarray     # (K,) bool
    named: np.ndarray      # (K,) bool

    @classmethod
    def of(cls, rules) -> "CompiledRule":
        cl = water_rule.CLAUSES
        index = {c.name: k for k, c in enumerate(cl)}
        all_terms = water_rule.COMBINATIONS[rules.water_combine]
        on = water_rule.terms(rules)
        terms = np.zeros((len(all_terms), len(cl)), np.bool_)
        for k, t in enumerate(all_terms):
            terms[k, [index[n] for n in t.clauses]] = True
        return cls(np.array([water_rule.TESTS.index(c.test) for c in cl], np.int64),
                   np.array([float(water_rule.threshold(c, rules)) for c in cl], np.float64),
                   np.array([c.unknown for c in cl], np.int64),
                   np.array([FIGURES.index(c.figure) for c in cl], np.int64), terms,
                   np.array([t in on for t in all_terms], np.bool_), np.array([not t.may for t in all_terms], np.bool_))

    def args(self) -> tuple:
        return (self.test, self.threshold, self.unknown, self.figure, self.terms, self.counts, self.named)


@njit(cache=True, inline="always")
def figures(out, horizontal_m, vertical_m, round_trip_min, guarantee_rate, piped):
    """A pair's figures into `out`, in the order of FIGURES (piped as 1.0 or 0.0)."""
    out[0] = horizontal_m
    out[1] = vertical_m
    out[2] = round_trip_min
    out[3] = guarantee_rate
    out[4] = 1.0 if piped else 0.0


@njit(cache=True, inline="always")
def clause_code(test, figure, threshold, unknown):
    """One clause as a three-valued code: test is the index of water_rule.TESTS ('holds', '<=', '<', '>=', '>');
    `unknown` the code where the figure is unknown."""
    if test == 0:
        return T if figure > 0.5 else F
    if not math.isfinite(figure):
        return unknown
    if test == 1:
        ok = figure <= threshold
    elif test == 2:
        ok = figure < threshold
    elif test == 3:
        ok = figure >= threshold
    else:
        ok = figure > threshold
    return T if ok else F


@njit(cache=True, inline="always")
def judge_pair(fig, rule, codes):
    """The clauses of one pair (figures `fig`) into `codes`, and what they add up to: the best term that counts,
    each term as good as its worst clause (three-valued OR of ANDs). Returns (compliant, failed-clause bits):
    the failures of the named terms' clauses, none where the pair passes."""
    test, thr, unknown, figure, terms, counts, named = rule
    for c in range(test.shape[0]):
        codes[c] = clause_code(test[c], fig[figure[c]], thr[c], unknown[c])
    comp = F
    for k in range(terms.shape[0]):
        if counts[k]:
            v = T
            for c in range(terms.shape[1]):
                if terms[k, c] and codes[c] < v:
                    v = codes[c]
            if v > comp:
                comp = v
    mask = 0
    if comp != T:
        for k in range(terms.shape[0]):
            if counts[k] and named[k]:
                for c in range(terms.shape[1]):
                    if terms[k, c] and codes[c] == F:
                        mask |= 1 << c
    return comp, mask


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
