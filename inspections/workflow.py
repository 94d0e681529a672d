"""The review chain: submitted → village verified → township reviewed → county confirmed, or returned with a reason
at any step; every transition appended to review_log (who, role, when, from, to, why), which refuses change."""
from __future__ import annotations

import psycopg2.errors

from geo import db
from geo.i18n import label

from .auth import Inspector

SQL = db.SqlFiles(__file__)

STATES = ("submitted", "village_verified", "township_reviewed", "county_confirmed", "returned")
# the next step forward from each state, and the roles that may take it (or return the item from that state)
FORWARD = {
    "submitted": ("village_verified", {"village", "township", "county", "admin"}),
    "village_verified": ("township_reviewed", {"township", "county", "admin"}),
    "township_reviewed": ("county_confirmed", {"county", "admin"}),
}


class WorkflowError(ValueError):
    """A transition refused; the message says why and what is allowed."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def state_label(state: str, lang: str = "zh") -> str:
    """A review state in words (the catalogue's [vocab.review_state])."""
    return label("review_state", state, lang)


def action_label(to_state: str, lang: str = "zh") -> str:
    """What the button that takes the step to `to_state` says ([vocab.review_action])."""
    return label("review_action", to_state, lang)


def allowed(state: str, actor: Inspector, is_author: bool) -> list[str]:
    """The states this actor may move an inspection in `state` to."""
    if state == "returned":
        return ["submitted"] if is_author or actor.role == "admin" else []
    if state in FORWARD and actor.role in FORWARD[state][1] and not is_author:
        return [FORWARD[state][0], "returned"]
    return []


def log(cur, inspection_id, actor: Inspector, from_state: str | None, to_state: str, reason: str | None) -> None:
    """The first entry of a new inspection (submitted by its author). review_log is written only by the database's
    own functions, which ask who is calling (migration 570); later steps are transition()'s."""
    if from_state is not None or to_state != "submitted" or reason:
        raise ValueError("only a new inspection's submission is logged directly; steps go through transition()")
    cur.execute("SELECT insp_review_submitted(%s, %s, %s)", (str(inspection_id), actor.id, actor.role))


def transition(conn, inspection_id: str, actor: Inspector, to_state: str, reason: str | None = None) -> str:
    """Move one inspection along the chain (one transaction, row locked); return the new state."""
    reason = (reason or "").strip() or None
    with conn.cursor() as cur:
        cur.execute("SELECT review_state, inspector_id, village_code FROM inspections WHERE id = %s FOR UPDATE",
                    (str(inspection_id),))
        row = cur.fetchone()
        if row is None:
            conn.rollback()
            raise WorkflowError(f"no inspection {inspection_id}", 404)
        state, author, village_code = row
        if not actor.covers(village_code):
            conn.rollback()
            raise WorkflowError(f"inspection {inspection_id} is outside your scope {actor.scope_code}", 403)
        ok = allowed(state, actor, author == actor.id)
        if to_state not in ok:
            conn.rollback()
            what = ", ".join(ok) if ok else "nothing (your role or authorship does not allow a step here)"
            raise WorkflowError(f"cannot move from {state} to {to_state} as {actor.role}; allowed: {what}")
        if to_state == "returned" and not reason:
            conn.rollback()
            raise WorkflowError("a return needs a reason saying what to correct", 422)
        # The database checks the step again, as the caller it knows (insp_review), and logs it.
        try:
            cur.execute("SELECT insp_review(%s, %s, %s, %s, %s)",
                        (str(inspection_id), to_state, reason, actor.id, actor.role))
        except (psycopg2.errors.InsufficientPrivilege, psycopg2.errors.NoDataFound,
                psycopg2.errors.CheckViolation) as err:
            conn.rollback()
            status = {psycopg2.errors.NoDataFound: 404, psycopg2.errors.CheckViolation: 422}.get(type(err), 403)
            raise WorkflowError(err.diag.message_primary or str(err), status) from None
    conn.commit()
    return to_state


def rectify(cur, inspection_id) -> None:
    """Open or close the target's rectification item after a check (see sql/rectify.sql)."""
    cur.execute(SQL("rectify"), {"id": str(inspection_id)})


def history(cur, inspection_id) -> list[dict]:
    cur.execute("""SELECT l.at, l.actor_id, n.name, l.actor_role, l.from_state, l.to_state, l.reason
                   FROM review_log l JOIN inspectors n ON n.id = l.actor_id
                   WHERE l.inspection_id = %s ORDER BY l.id""", (str(inspection_id),))
    return [{"at": at.isoformat(), "actor_id": aid, "actor": name, "role": role, "from": f, "to": t, "reason": r}
            for at, aid, name, role, f, t, r in cur.fetchall()]


def open_rectifications(cur, village_prefix: str = "") -> list[dict]:
    """Open rectification items, oldest first, within a division-code prefix."""
    cur.execute("""SELECT r.id, r.target_kind, r.target_id, r.kind, r.opened_by, r.opened_at, i.village_code
                   FROM rectifications r JOIN inspections i ON i.id = r.opened_by
                   WHERE r.closed_at IS NULL AND coalesce(i.village_code, '') LIKE %s || '%%'
                   ORDER BY r.opened_at""", (village_prefix,))
    cols = [d.name for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
