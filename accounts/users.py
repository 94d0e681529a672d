"""Users: create, set role and scope, reset passwords, and authenticate with slowing of repeated failures.

Failed attempts are rows in login_failures, so every app process and restart sees the same count. They slow the
client that makes them: per login and client address (a delay doubling after a few, then that client locked out of
that login for a while) and per client address over all logins; never the login for everyone, so a stranger's
guesses cannot lock the real user out from another address. Functions take
a cursor: admin actions work on a scoped (row-level secured) connection or the owner's; `authenticate` and
`change_password` read password hashes and so need the owner's connection (geo.db), which only this module uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psycopg2.errors

from geo.settings import settings

from . import PERSONAL_DATA_ROLES, ROLES, passwords

_CODE = re.compile(r"^[0-9]{12}$")
_LEVEL_DIGITS = (2, 4, 6, 9)
_COLUMNS = "id, login, display_name, role, scope_code, active, must_change_password"


@dataclass(frozen=True)
class User:
    id: int
    login: str
    display_name: str
    role: str
    scope_code: str | None  # None: an admin of everything
    active: bool = True
    must_change_password: bool = False
    # The secret this user was recognised by, and its kind (sessions.user_for_token): the database checks it again
    # (acct_begin) before it believes who a connection is for. None: a user read by the owner (a command line, a job).
    token: str | None = field(default=None, repr=False, compare=False)
    token_kind: str | None = field(default=None, repr=False, compare=False)

    @property
    def scope_prefix(self) -> str:
        return scope_prefix(self.scope_code)

    @property
    def name(self) -> str:
        """What to call the user (the display name, else the login); as inspections.auth.Inspector.name."""
        return self.display_name or self.login

    @property
    def inspector_role(self) -> str:
        """The role in inspections' review chain (inspections.auth.ROLES) this account role acts as."""
        return {"admin": "admin", "county_planner": "county", "township_officer": "township",
                "village_monitor": "village"}.get(self.role, "inspector")

    @property
    def sees_personal(self) -> bool:
        return self.role in PERSONAL_DATA_ROLES

    def covers(self, code: str | None) -> bool:
        """Whether a 12-digit code lies in this user's scope (the rule acct_in_scope applies in the database)."""
        p = self.scope_prefix
        if p == "*":
            return True
        if code is None:
            return len(p) <= 6
        return code.startswith(p)


class AccountError(ValueError):
    """Bad input for an account action; the message names the field and what is expected."""


class NotAllowed(PermissionError):
    """The acting user's role does not allow this action."""


class LoginFailed(Exception):
    """Wrong login or password (deliberately not saying which)."""


class LoginThrottled(Exception):
    """Too many recent failures: no password is checked until `retry_after` seconds have passed."""

    def __init__(self, retry_after: float, locked: bool):
        self.retry_after = max(0.0, retry_after)
        self.locked = locked
        what = "account locked" if locked else "too many failed logins"
        super().__init__(f"{what}: try again in {int(self.retry_after + 0.999)} s / 登录失败次数过多，请稍后再试")


def scope_prefix(code: str | None) -> str:
    """The significant digits of a 12-digit division code: '530427205000' → '530427205'; None → '*' (all)."""
    if code is None:
        return "*"
    for n in _LEVEL_DIGITS:
        if code[n:] == "0" * (12 - n):
            return code[:n]
    return code


def _row(row) -> User | None:
    return User(*row) if row else None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def clean_login(login: str) -> str:
    login = (login or "").strip()
    if not 1 <= len(login) <= 64:
        raise AccountError("login: 1 to 64 characters / 登录名需 1 至 64 个字符")
    if not login.isprintable():
        raise AccountError("login: no control characters / 登录名不能含控制字符")
    return login


def check_role_scope(role: str, scope_code: str | None) -> str | None:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if scope_code in (None, ""):
        if role != "admin":
            raise AccountError("scope: a 12-digit administrative code is required for this role / 需填写 12 位区划代码")
        return None
    scope_code = str(scope_code).strip()
    if not _CODE.match(scope_code):
        raise AccountError(f"scope {scope_code!r}: expected 12 digits (统计用区划代码), e.g. 530427000000")
    return scope_code


def _require_admin(by: User | None) -> None:
    if by is not None and by.role != "admin":
        raise NotAllowed("only an administrator may manage users / 仅管理员可管理用户")
    if by is not None and not by.active:
        raise NotAllowed("inactive user")


def create_user(cur, login: str, password: str, role: str, scope_code: str | None = None, display_name: str = "",
                *, by: User | None = None, must_change_password: bool = False) -> User:
    """A new user. `by` is the acting admin (None: the owner's connection, e.g. the command line)."""
    _require_admin(by)
    login = clean_login(login)
    scope_code = check_role_scope(role, scope_code)
    display_name = (display_name or "").strip()
    if len(display_name) > 128 or not display_name.isprintable():
        raise AccountError("display name: at most 128 printable characters / 姓名最多 128 个字符")
    try:
        pw_hash = passwords.hash_password(password)
    except passwords.WeakPassword as err:
        raise AccountError(str(err)) from None
    cur.execute("SELECT 1 FROM users WHERE lower(login) = lower(%s)", (login,))
    if cur.fetchone():
        raise AccountError(f"login {login!r} is taken / 登录名已存在")
    # An admin sees only the users of their scope, so the unique index has the last word on a name taken elsewhere.
    # Through the database's own check of the caller (acct_user_create: the owner, or an admin of that scope).
    cur.execute("SAVEPOINT acct_create_user")
    try:
        cur.execute("SELECT acct_user_create(%s, %s, %s, %s, %s, %s)",
                    (login, display_name, role, scope_code, pw_hash, must_change_password))
    except psycopg2.errors.UniqueViolation:
        cur.execute("ROLLBACK TO SAVEPOINT acct_create_user")
        raise AccountError(f"login {login!r} is taken / 登录名已存在") from None
    except psycopg2.errors.InsufficientPrivilege:
        cur.execute("ROLLBACK TO SAVEPOINT acct_create_user")
        raise NotAllowed("only an administrator of that scope may create this user / 仅该范围的管理员可创建此用户") \
            from None
    made_id = cur.fetchone()[0]
    cur.execute("RELEASE SAVEPOINT acct_create_user")
    cur.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (made_id,))
    return _row(cur.fetchone())


def find_user(cur, login: str) -> User | None:
    cur.execute(f"SELECT {_COLUMNS} FROM users WHERE lower(login) = lower(%s)", (login.strip(),))
    return _row(cur.fetchone())


def list_users(cur) -> list[User]:
    cur.execute(f"SELECT {_COLUMNS} FROM users ORDER BY id")
    return [User(*r) for r in cur.fetchall()]


def _update_one(cur, user_id: int, *, role_scope: tuple[str, str | None] | None = None, active: bool | None = None,
                password_hash: str | None = None, must_change: bool | None = None) -> User:
    """One user changed through acct_user_update, which checks the caller (the owner, or an admin of the user's scope
    before and after); None leaves a part as it is."""
    role, scope = role_scope or (None, None)
    cur.execute("SELECT acct_user_update(%s, %s, %s, %s, %s, %s, %s)",
                (user_id, role_scope is not None, role, scope, active, password_hash, must_change))
    row = None
    if cur.fetchone()[0]:
        cur.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,))
        row = cur.fetchone()
    if row is None:
        raise AccountError(f"user {user_id}: not found in your scope / 用户不存在或不在您的管辖范围")
    return _row(row)


def set_role_scope(cur, user_id: int, role: str, scope_code: str | None, *, by: User | None = None) -> User:
    """Change a user's role and scope; it applies from their next request (sessions look the user up each time)."""
    _require_admin(by)
    scope_code = check_role_scope(role, scope_code)
    return _update_one(cur, user_id, role_scope=(role, scope_code))


def set_active(cur, user_id: int, active: bool, *, by: User | None = None) -> User:
    _require_admin(by)
    if by is not None and by.id == user_id and not active:
        raise AccountError("you cannot deactivate yourself / 不能停用自己的账号")
    return _update_one(cur, user_id, active=active)


def reset_password(cur, user_id: int, new_password: str, *, by: User | None = None,
                   must_change: bool = True) -> User:
    """Set a new password; every session and token issued before now stops working."""
    _require_admin(by)
    try:
        pw_hash = passwords.hash_password(new_password)
    except passwords.WeakPassword as err:
        raise AccountError(str(err)) from None
    return _update_one(cur, user_id, password_hash=pw_hash, must_change=must_change)


# ---- login, with slowing of repeated failures -------------------------------------------------------------------

@dataclass(frozen=True)
class Throttle:
    """The state of one login from one client address: recent failures of that pair and of the address over all
    logins, and when the next attempt is allowed."""
    failures: int
    client_failures: int
    next_allowed_at: datetime | None
    locked: bool

    def retry_after(self, now: datetime) -> float:
        if self.next_allowed_at is None:
            return 0.0
        return (self.next_allowed_at - now).total_seconds()


def _delay(n: int, free: int) -> float:
    """Seconds to wait after the n-th recent failure: none for the first `free`, then doubling up to the cap."""
    if n < free:
        return 0.0
    return min(settings.login_delay_base_s * 2 ** (n - free), settings.login_delay_max_s)


# The failures in the window that ends at the latest one (so a lockout lasts its full time even as the window
# moves on), and that latest time, of the failures `match` selects: one login from one client, or one client.
_RECENT = """WITH last AS (SELECT max(at) AS at FROM login_failures f
                          WHERE {match} AND at <= %(now)s AND at > %(now)s - %(horizon)s)
             SELECT count(f.*), last.at FROM last LEFT JOIN login_failures f
                 ON {match} AND f.at <= last.at AND f.at > last.at - %(window)s
             GROUP BY last.at"""
_PAIR = "f.login = %(login)s AND f.client IS NOT DISTINCT FROM %(client)s"
_CLIENT = "f.client = %(client)s"


def throttle_state(cur, login: str, client: str | None, now: datetime) -> Throttle:
    window = timedelta(minutes=settings.login_window_minutes)
    horizon = window + timedelta(minutes=settings.login_lockout_minutes)

    def recent(match: str):
        cur.execute(_RECENT.format(match=match), {"login": login.strip().lower(), "client": client, "now": now,
                                                  "horizon": horizon, "window": window})
        return cur.fetchone()

    n, last = recent(_PAIR)
    cn, clast = recent(_CLIENT) if client else (0, None)
    candidates = []
    locked = n >= settings.login_lockout_failures
    if locked:
        candidates.append(last + timedelta(minutes=settings.login_lockout_minutes))
    elif n >= settings.login_free_failures:
        candidates.append(last + timedelta(seconds=_delay(n, settings.login_free_failures)))
    if cn >= settings.client_free_failures:
        candidates.append(clast + timedelta(seconds=_delay(cn, settings.client_free_failures)))
    nxt = max(candidates) if candidates else None
    if nxt is not None and nxt <= now:  # served its time
        return Throttle(n, cn, None, False)
    return Throttle(n, cn, nxt, locked)


def authenticate(conn, login: str, password: str, client: str | None = None, now: datetime | None = None) -> User:
    """The active user with this login and password, or LoginFailed / LoginThrottled. `conn` is the owner's
    connection (it reads password hashes and writes login_failures); the outcome is committed before returning or
    raising, so a failure counts even when the caller's block unwinds. `now` is injectable so tests need not sleep.
    A success clears the failures of this login from this client only: a stranger's stay counted against them."""
    now = now or _utcnow()
    key = (login or "").strip().lower()
    if "\x00" in key or "\x00" in (password or "") or len(key) > 256 or len(password or "") > 1024:
        raise LoginFailed("wrong login or password / 登录名或密码错误")   # nothing a real account could match
    try:
        with conn.cursor() as cur:
            # One attempt per login at a time, so parallel guesses cannot slip past the count.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('dixian.login:' || %s))", (key,))
            state = throttle_state(cur, key, client, now)
            if state.next_allowed_at is not None and now < state.next_allowed_at:
                raise LoginThrottled(state.retry_after(now), state.locked)
            cur.execute(f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(login) = %s", (key,))
            row = cur.fetchone()
            ok = passwords.verify(row[-1] if row else None, password or "")
            if not ok or not row[5]:  # wrong password, unknown login or inactive user: the same answer
                cur.execute("INSERT INTO login_failures (login, client, at) VALUES (%s, %s, %s)", (key, client, now))
                conn.commit()
                raise LoginFailed("wrong login or password / 登录名或密码错误")
            cur.execute("DELETE FROM login_failures WHERE login = %s AND client IS NOT DISTINCT FROM %s", (key, client))
            if passwords.needs_rehash(row[-1]):
                cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (passwords.rehash(password), row[0]))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return User(*row[:-1])


def change_password(cur, user_id: int, old_password: str, new_password: str) -> User:
    """A user's own change of password (owner's connection: it checks the old one)."""
    cur.execute("SELECT password_hash FROM users WHERE id = %s AND active", (user_id,))
    row = cur.fetchone()
    if not row or not passwords.verify(row[0], old_password):
        raise LoginFailed("the current password is wrong / 当前密码错误")
    return reset_password(cur, user_id, new_password, must_change=False)
