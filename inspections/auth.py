"""Inspectors and their API tokens (a stand-in the accounts module can absorb): roles, scopes, hashed secrets."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

ROLES = ("inspector", "village", "township", "county", "admin")
# How many leading digits of a 12-digit code a level covers (统计用区划代码: 2 province, 4 city, 6 county, 9 township).
_LEVEL_DIGITS = (2, 4, 6, 9)


@dataclass(frozen=True)
class Inspector:
    id: int
    name: str
    role: str
    scope_code: str

    @property
    def scope_prefix(self) -> str:
        return scope_prefix(self.scope_code)

    def covers(self, code: str | None) -> bool:
        """Whether a village (or any 12-digit) code lies in this person's scope; unknown codes only for county up."""
        if code is None:
            return len(self.scope_prefix) <= 6
        return code.startswith(self.scope_prefix)


def scope_prefix(code: str) -> str:
    """The significant digits of a 12-digit division code: '530427205000' → '530427205'."""
    for n in _LEVEL_DIGITS:
        if code[n:] == "0" * (12 - n):
            return code[:n]
    return code


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_inspector(cur, name: str, role: str, scope_code: str) -> int:
    if role not in ROLES:
        raise ValueError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if len(scope_code) != 12 or not scope_code.isdigit():
        raise ValueError(f"scope code {scope_code!r}: expected 12 digits (统计用区划代码)")
    cur.execute("INSERT INTO inspectors (name, role, scope_code) VALUES (%s, %s, %s) RETURNING id",
                (name, role, scope_code))
    return cur.fetchone()[0]


def create_token(cur, inspector_id: int, label: str | None = None) -> str:
    """A new secret for the inspector; only its sha256 is stored, so show it now or never."""
    token = "dx_" + secrets.token_urlsafe(32)
    cur.execute("INSERT INTO inspector_tokens (token_sha256, inspector_id, label) VALUES (%s, %s, %s)",
                (hash_token(token), inspector_id, label))
    return token


def revoke_token(cur, token: str) -> bool:
    cur.execute("UPDATE inspector_tokens SET revoked_at = now() WHERE token_sha256 = %s AND revoked_at IS NULL",
                (hash_token(token),))
    return cur.rowcount == 1


def by_token(cur, token: str | None) -> Inspector | None:
    """The active inspector a bearer token belongs to, or None."""
    if not token:
        return None
    cur.execute("""SELECT i.id, i.name, i.role, i.scope_code FROM inspector_tokens t
                   JOIN inspectors i ON i.id = t.inspector_id
                   WHERE t.token_sha256 = %s AND t.revoked_at IS NULL AND i.active""", (hash_token(token),))
    row = cur.fetchone()
    return Inspector(*row) if row else None


def by_id(cur, inspector_id: int) -> Inspector | None:
    cur.execute("SELECT id, name, role, scope_code FROM inspectors WHERE id = %s", (inspector_id,))
    row = cur.fetchone()
    return Inspector(*row) if row else None


def list_inspectors(cur) -> list[Inspector]:
    cur.execute("SELECT id, name, role, scope_code FROM inspectors WHERE active ORDER BY id")
    return [Inspector(*r) for r in cur.fetchall()]
