"""The water rule, written once: the clauses, their combinations, the sources that count, how far a source can pass.

Each clause says the figure it judges, its test and the rule-set setting that is its threshold; each way of
combining them (a rule set's `water_combine`) is an OR of ANDs of clauses. judge, the compiled pass, explain and
the planners all derive from here: a change of a clause or a combination is one edit of this table."""
from __future__ import annotations

from dataclasses import dataclass

from .codes import F, T, U
from .tobler import least_round_trip_min_per_m

TESTS = ("holds", "<=", "<", ">=", ">")  # a fact that holds or not; the figure against the threshold


@dataclass(frozen=True)
class Clause:
    """One clause of the water rule."""

    name: str
    figure: str            # what it judges: a column of the check's rows (and a field of the pair metrics)
    test: str              # one of TESTS
    setting: str | None    # the rule set's threshold
    unknown: int           # the clause where the figure is unknown (NaN): U, or T where it is then not judged
    unit: str | None
    digits: int | None     # explanations round the figure to this
    column: str            # its three-valued column in the rows (and in water_results where stored)
    reach: str | None      # no source passes beyond: 'threshold' (a distance no route is shorter than),
                           # 'walk' (a time no walk is quicker than), 'piped' (the piped reach); None: any distance


CLAUSES = (
    Clause("horizontal", "horizontal_m", "<=", "max_horizontal_m", U, "m", 1, "horizontal_ok", "threshold"),
    Clause("vertical", "vertical_m", "<=", "max_vertical_m", U, "m", 1, "vertical_ok", None),
    Clause("time", "round_trip_min", "<=", "max_round_trip_min", U, "min", 2, "time_ok", "walk"),
    # The supply guarantee is judged only where the source's rate is recorded; strictly above the threshold (供水率
    # > 90 %, Long County 2021 task 27).
    Clause("guarantee", "guarantee_rate", ">", "min_guarantee_rate", T, None, None, "guarantee_ok", None),
    Clause("piped", "piped", "holds", None, F, None, None, "piped", "piped"),
)


def clause(name: str) -> Clause:
    """The clause of that name."""
    return next(c for c in CLAUSES if c.name == name)


@dataclass(frozen=True)
class Term:
    """Clauses that pass together: a source passes when every clause of one of the terms holds."""

    clauses: tuple[str, ...]
    when: str | None = None    # a setting (bool) without which the term does not count
    may: bool = False          # a way to pass besides the rule: shown, but its clauses are not named as failed


COMBINATIONS = {
    # Long County 2021: every clause must hold; a piped scheme may count on its own where the rule set says so.
    "all": (Term(("horizontal", "vertical", "time", "guarantee")),
            Term(("piped",), when="piped_counts_as_compliant", may=True)),
    # The national evaluation: piped to the home, or the time clause.
    "piped_or_time": (Term(("piped",)), Term(("time",))),
}


def terms(rules) -> tuple[Term, ...]:
    """The terms that count under the rule set."""
    return tuple(t for t in COMBINATIONS[rules.water_combine] if t.when is None or getattr(rules, t.when))


def shown(rules) -> list[Clause]:
    """The rule set's clauses in its order, each once: what an explanation lists."""
    names = dict.fromkeys(n for t in terms(rules) for n in t.clauses)
    return [clause(n) for n in names]


def threshold(c: Clause, rules) -> float | bool:
    """The clause's threshold under the rule set (True for a fact)."""
    return True if c.setting is None else getattr(rules, c.setting)


def clause_reach_m(c: Clause, rules, piped_source: bool) -> float:
    """How far in a straight line a source can be with this clause still holding."""
    if c.reach == "threshold":
        return float(threshold(c, rules))
    if c.reach == "walk":
        return float(threshold(c, rules)) / least_round_trip_min_per_m(rules.loaded_speed_factor)
    if c.reach == "piped":
        return float(rules.piped_reach_m) if piped_source else 0.0
    return float("inf")


def search_radius_m(rules) -> float:
    """The farthest straight-line distance at which a source that is not piped could still pass: beyond it every
    term that counts has a clause that fails. Piped sources are searched apart, to the piped reach."""
    return max(min(clause_reach_m(clause(n), rules, False) for n in t.clauses) for t in terms(rules))


def piped_within(piped_source, straight_m, reach_m):
    """The piped figure: a piped scheme serves the homes within its reach (numbers or arrays; compiled as is)."""
    return piped_source & (straight_m <= reach_m)


def counting_statuses(rules) -> list[str]:
    """The statuses of the sources a household can fetch from: working, and seasonal outside the dry season."""
    return ["working"] if rules.dry_season else ["working", "seasonal"]
