"""Naming a job in the audit log: the owner's bulk jobs (import, demo, checks) say who they are, and may ask for one
summary row per statement instead of one per record."""
from __future__ import annotations


def set_actor(cur, label: str, *, bulk: bool = False) -> None:
    """On the owner's connection, name the job in this transaction's audit rows. With bulk=True each INSERT or
    DELETE statement is audited as one summary row (how many rows) instead of one row per record: for whole-layer
    loads, where the file itself is the record of what came in."""
    cur.execute("SELECT set_config('dixian.user_login', %s, true), set_config('dixian.audit_bulk', %s, true)",
                (label, "summary" if bulk else ""))
