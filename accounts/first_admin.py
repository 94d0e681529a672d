"""The first administrator: whether there is one yet, and how to create one (said after a load, and by `make run`)."""
from __future__ import annotations

from geo import db

HINT = ("no administrator yet; create the first one (the password is read from stdin):\n"
        "  echo 'a long admin password' | .venv/bin/python -m accounts create-admin --login admin "
        "--display-name 管理员 --password-stdin\n"
        "  (or let `make run` do it: DIXIAN_ADMIN_PASSWORD='a long admin password' make run)")


def has_admin(url: str | None = None) -> bool:
    """Whether an active administrator exists (owner's connection)."""
    conn = db.connect(url)
    try:
        return bool(db.query_value(conn, "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)"))
    finally:
        conn.close()


def notice(url: str | None = None) -> str | None:
    """The hint while there is no administrator (entry point dixian.notices, printed after `python -m geo demo`)."""
    return None if has_admin(url) else HINT
