"""The two review chains seen from Python: the calls that take each step, and a refusal in words. The database
decides every step (migration 621: one SECURITY DEFINER function per step, checking the caller's identity, role,
scope and the chain's rules); these functions only ask it, each in its own transaction on the caller's connection."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import psycopg2

from accounts import role_label
from geo import db
from geo.i18n import label, t

# How the field API answers each refusal (anything else is a conflict with the case's state: 409).
_STATUS = {"no_identity": 401, "out_of_scope": 403, "role": 403, "own_proposal": 403, "other_level": 403,
           "support_contact_only": 403, "no_case": 404, "no_household": 404, "bad_value": 422, "bad_date": 422,
           "reason_required": 422, "empty_notice": 422, "notice_date": 422, "notice_village": 422, "rate": 422,
           "sample_size": 422, "not_in_pool": 422, "not_on_notice": 422}


class Refused(Exception):
    """A step the database refused: `code` and its figures (`detail`, as the database gave them)."""

    def __init__(self, detail: dict):
        self.detail = dict(detail)
        self.code = str(self.detail.get("code", "refused"))
        super().__init__(self.words("en"))

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 409)

    def words(self, lang: str = "zh") -> str:
        """The refusal as a sentence of the catalogue ([text.mon_refusal]) with its figures."""
        return t(f"mon_refusal.{self.code}", lang, **figures(self.detail, lang))


def figures(detail: dict, lang: str) -> dict[str, str]:
    """A refusal's figures as words for its sentence: states, roles and levels by their labels."""
    out = {k: "" if v is None else str(v) for k, v in detail.items() if not isinstance(v, (list, dict))}
    for key in ("from", "to"):
        if detail.get(key):
            out[key] = label("case_state", detail[key], lang)
    if detail.get("roles"):
        out["roles"] = ("、" if lang != "en" else ", ").join(role_label(r, lang) for r in detail["roles"])
    if detail.get("role"):
        out["role"] = role_label(detail["role"], lang)
    for key in ("level", "step_level"):
        if detail.get(key):
            out[key] = label("level", detail[key], lang)
    if detail.get("action"):
        out["action"] = label("case_action", detail["action"], lang)
    return out


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the database's refusal of a step (SQLSTATE P0001, 'mon_refused: CODE', the figures as JSON in the
    detail) into Refused; any other error passes through."""
    try:
        yield
    except psycopg2.Error as err:
        message = getattr(err.diag, "message_primary", None) or ""
        if err.pgcode == "P0001" and message.startswith("mon_refused:"):
            raise Refused(json.loads(err.diag.message_detail or "{}")) from None
        raise


def call(conn, sql: str, params: tuple):
    """One step function (migration 621) on the caller's connection: its value, committed; or rolled back whole
    and Refused. The connection must be the user for its life (accounts.scoped.connect_as), not a SET LOCAL one."""
    with refusals(), db.transaction(conn=conn), conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def propose(conn, household_id: str, category: str, risk_types=(), found_by: str | None = None,
            reason: str | None = None, income: float | None = None, signals=(),
            support_contact: str | None = None) -> int:
    """Propose a case for a household (from signals: they are taken, and say how it was found); its id."""
    return call(conn, "SELECT mon_propose(%s, %s, %s::text[], %s, %s, %s, %s::bigint[], %s)",
                 (household_id, category, list(risk_types), found_by, reason, income, [int(s) for s in signals],
                  support_contact))


def step(conn, case_id: int, to_state: str, reason: str | None = None) -> str:
    """Take a plain step (assess, review, confirm, return, resubmit, close, propose the elimination, pass the spot
    check, eliminate); the new state."""
    return call(conn, "SELECT mon_transition(%s, %s, %s)", (int(case_id), to_state, reason))


def record_consent(conn, case_id: int, on: date) -> None:
    """The household's signed consent (承诺授权), on the day it was signed."""
    call(conn, "SELECT mon_record_consent(%s, %s)", (int(case_id), on))


def dismiss_signal(conn, signal_id: int, reason: str) -> None:
    """The village's assessment found nothing to propose in a signal."""
    call(conn, "SELECT mon_dismiss_signal(%s, %s)", (int(signal_id), reason))


def refusal(conn, case_id: int, action: str, to_state: str) -> dict | None:
    """Why the caller may not take a step now (None: they may), without taking it."""
    value = db.query_value(conn, "SELECT mon_refusal(%s, %s, %s)", (int(case_id), action, to_state))
    conn.rollback()
    return value


def today(conn) -> date:
    """The county's date (Asia/Shanghai), by which the database counts days, windows and support time."""
    value = db.query_value(conn, "SELECT mon_today()")
    conn.rollback()
    return value


def state_label(state: str, lang: str = "zh") -> str:
    return label("case_state", state, lang)


def action_label(action: str, lang: str = "zh") -> str:
    return label("case_action", action, lang)
