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


@dataclass(frozen=True)
class AccountInspector(Inspector):
    """A signed-in account (accounts.users.User) acting in inspections: its inspectors row's id, the review role its
    account role maps to, and the account's own scope (an unscoped admin covers everything: prefix '')."""
    user: object = None

    @property
    def scope_prefix(self) -> str:
        return "" if self.user.scope_code is None else self.user.scope_prefix

    def covers(self, code: str | None) -> bool:
        return self.user.covers(code)


def for_user(cur, user) -> AccountInspector:
    """The inspector an account acts as, on the owner's connection: its inspectors row made or brought up to date
    (name, role, scope follow the account; an unscoped admin's row holds twelve zeros)."""
    cur.execute("""INSERT INTO inspectors (name, role, scope_code, user_id) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, role = excluded.role,
                                                       scope_code = excluded.scope_code, active = true
                   RETURNING id""",
                (user.name, user.inspector_role, user.scope_code or "0" * 12, user.id))
    return AccountInspector(cur.fetchone()[0], user.name, user.inspector_role, user.scope_code or "0" * 12, user)
