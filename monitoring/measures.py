"""Support measures (帮扶措施) of a case: their kinds, the risk types each usually answers, and entering, ending or
cancelling one as the signed-in user (row-level security: only on cases in scope, by the roles that support)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from geo import db
from geo.i18n import vocabulary

KINDS = tuple(vocabulary("measure_kind"))
STATES = tuple(vocabulary("measure_state"))

# The risk types a kind of measure usually answers: what the form proposes when a measure is entered.
ANSWERS = {
    "industry": ("industry_failure", "labour_shortage"),
    "employment": ("unstable_employment", "labour_shortage"),
    "public_welfare_post": ("unstable_employment", "labour_shortage", "disability"),
    "medical": ("illness", "disability", "accident"),
    "education": ("education",),
    "housing": ("housing", "disaster"),
    "water": ("water",),
    "dibao": ("illness", "disability", "labour_shortage", "other"),
    "tekun": ("disability", "labour_shortage"),
    "temporary_relief": ("disaster", "accident", "illness"),
    "insurance": ("illness", "accident", "disaster"),
}


class BadMeasure(ValueError):
    """A measure refused before it reached the database: (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


@dataclass(frozen=True)
class Measure:
    case_id: int
    kind: str
    start_on: date
    risk_types: tuple[str, ...] = ()
    department: str | None = None
    end_on: date | None = None
    amount_yuan: Decimal | None = None
    state: str = "in_effect"
    note: str | None = None

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.kind not in KINDS:
            out.append(("kind", f"{self.kind!r}: expected one of {', '.join(KINDS)}"))
        if self.state not in STATES:
            out.append(("state", f"{self.state!r}: expected one of {', '.join(STATES)}"))
        if self.end_on is not None and self.end_on < self.start_on:
            out.append(("end_on", f"{self.end_on} is before the start {self.start_on}"))
        if self.state == "ended" and self.end_on is None:
            out.append(("end_on", "an ended measure needs its end date"))
        if self.amount_yuan is not None and self.amount_yuan < 0:
            out.append(("amount_yuan", "must not be negative"))
        unknown = sorted(set(self.risk_types) - set(vocabulary("risk_type")))
        if unknown:
            out.append(("risk_types", f"unknown {', '.join(unknown)}"))
        return out


def amount(text) -> Decimal | None:
    """An amount in yuan from a form or JSON (None for blank); BadMeasure when it is not a number."""
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise BadMeasure([("amount_yuan", f"{text!r}: expected a number of yuan")]) from None


def add(conn, m: Measure) -> int:
    """Enter a measure (committed); its id. Who entered it is the signed-in user (a trigger stamps it)."""
    problems = m.problems()
    if problems:
        raise BadMeasure(problems)
    with db.transaction(conn=conn), conn.cursor() as cur:
        cur.execute("""INSERT INTO mon_measures (case_id, kind, risk_types, department, start_on, end_on,
                                                 amount_yuan, state, note)
                       VALUES (%s, %s, %s::text[], %s, %s, %s, %s, %s, %s) RETURNING id""",
                    (m.case_id, m.kind, list(m.risk_types), m.department or None, m.start_on, m.end_on,
                     m.amount_yuan, m.state, m.note or None))
        return cur.fetchone()[0]


def set_state(conn, measure_id: int, state: str, end_on: date | None = None) -> None:
    """End (with its end date) or cancel a measure, or bring a planned one into effect (committed)."""
    if state not in STATES:
        raise BadMeasure([("state", f"{state!r}: expected one of {', '.join(STATES)}")])
    if state == "ended" and end_on is None:
        raise BadMeasure([("end_on", "an ended measure needs its end date")])
    with db.transaction(conn=conn), conn.cursor() as cur:
        cur.execute("UPDATE mon_measures SET state = %s, end_on = coalesce(%s, end_on) WHERE id = %s",
                    (state, end_on, int(measure_id)))
        if cur.rowcount != 1:
            raise BadMeasure([("id", f"no measure {measure_id} you may change")])
