"""The audit trail as the app reads it, and the export log: who exported which layer, how many rows, when."""
from __future__ import annotations

from geo.export import log_export

from .masking import needs_masking
from .users import User


def record_export(conn, user: User | None, layer: str, rows: int, fmt: str, file_name: str | None = None,
                  masked: bool | None = None) -> None:
    """Record an export in export_log. Works on a scoped connection (the row must name the session's user) and on
    the owner's (command line: user None). Layer and file names are stored as given, as plain text."""
    log_export(conn, layer, rows, fmt, file_name, user_id=user.id if user else None,
               user_login=user.login if user else None, user_role=user.role if user else None,
               scope_code=user.scope_code if user else None,
               masked=needs_masking(user.role if user else "admin") if masked is None else masked)


def recent_changes(cur, limit: int = 200, table: str | None = None, row_key: str | None = None):
    """The latest audit rows, newest first (an admin's scoped connection sees them; others see none)."""
    cur.execute("""SELECT id, at, user_id, user_login, db_user, table_name, op, row_key, before, after
                   FROM audit_log
                   WHERE (%(t)s::text IS NULL OR table_name = %(t)s) AND (%(k)s::text IS NULL OR row_key = %(k)s)
                   ORDER BY id DESC LIMIT %(n)s""", {"t": table, "k": row_key, "n": int(limit)})
    cols = [d.name for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def recent_exports(cur, limit: int = 200):
    cur.execute("""SELECT id, at, user_login, user_role, scope_code, layer, rows, format, masked, file_name
                   FROM export_log ORDER BY id DESC LIMIT %s""", (int(limit),))
    cols = [d.name for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
