"""Session tokens for the Streamlit app, bearer tokens for the field API and ODK Collect keys: random secrets, stored
as sha256, expiring after a setting's hours or days, void once revoked or once the user's password is reset. Each
kind works only where it is asked for (the field API takes API tokens and web sessions, the OpenRosa routes ODK keys
alone), and an account that must change its password is known only to the pages, where it changes it."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from geo.settings import settings

from .users import _COLUMNS, User

WEB, API, ODK = "web", "api", "odk"
# The browser's copy of a web session (HttpOnly; accounts.api.browser_session sets it); over HTTPS the __Host- name,
# which a browser keeps only when it is Secure, for the whole host and path /, set by the host itself.
COOKIE, SECURE_COOKIE = "dixian_session", "__Host-dixian_session"
_PREFIX = {WEB: "dxs_", API: "dxa_", ODK: "dxo_"}
BEARER = (API, WEB)   # what the field API accepts as `Authorization: Bearer`


def cookie_token(cookies) -> str | None:
    """The web session a browser sent in its cookies (the __Host- name over HTTPS, else the plain one), or None."""
    return cookies.get(SECURE_COOKIE) or cookies.get(COOKIE)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def lifetime(kind: str) -> timedelta:
    if kind == WEB:
        return timedelta(hours=settings.session_hours)
    return timedelta(days=settings.odk_key_days if kind == ODK else settings.api_token_days)


def create(cur, user: User, kind: str = WEB, *, client: str | None = None, label: str | None = None,
           now: datetime | None = None, ttl: timedelta | None = None) -> str:
    """A new secret for `user` (owner's connection); only its hash is stored, so hand it out now or never. Every
    sign-in and token issue also purges the sessions that expired over a day ago."""
    if kind not in _PREFIX:
        raise ValueError(f"kind {kind!r}: expected 'web', 'api' or 'odk'")
    now = now or _utcnow()
    token = _PREFIX[kind] + secrets.token_urlsafe(32)
    cur.execute("""INSERT INTO user_sessions (token_sha256, user_id, kind, label, client, created_at, expires_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)""",
                (hash_token(token), user.id, kind, label, client, now, now + (ttl or lifetime(kind))))
    purge_expired(cur, now)
    return token


def user_for_token(cur, token: str | None, kind: str | tuple[str, ...] = BEARER, now: datetime | None = None, *,
                   must_change_ok: bool = False) -> User | None:
    """The active user a live token of `kind` (or of one of the kinds) belongs to, as the users table says now (role
    and scope changes apply at once), or None for a missing, unknown, expired, revoked or superseded token, a token
    of another kind, and any token of an account that must change its password unless `must_change_ok` (the pages,
    which then ask for the change)."""
    if not token or len(token) > 200 or "\x00" in token:
        return None
    kinds = [kind] if isinstance(kind, str) else list(kind)
    now = now or _utcnow()
    cols = ", ".join("u." + c.strip() for c in _COLUMNS.split(","))
    cur.execute(f"""UPDATE user_sessions s SET last_seen_at = %s
                    FROM users u
                    WHERE s.token_sha256 = %s AND u.id = s.user_id AND u.active AND s.revoked_at IS NULL
                      AND s.expires_at > %s AND s.created_at >= u.password_changed_at
                      AND s.kind = ANY(%s) AND (%s OR NOT u.must_change_password)
                    RETURNING {cols}, s.kind""", (now, hash_token(token), now, kinds, must_change_ok))
    row = cur.fetchone()
    # The user carries the token, so the database can check it again on the app's connection (accounts.scoped).
    return User(*row[:-1], token=token, token_kind=row[-1]) if row else None


def renew(cur, token: str | None, *, client: str | None = None, now: datetime | None = None) -> tuple[User, str] | None:
    """A fresh bearer token for a live one, of the same user and a full lifetime, or None for a dead token. The old
    one keeps working for the renewal grace only: a client whose answer got lost may still use it, and renew again."""
    now = now or _utcnow()
    user = user_for_token(cur, token, API, now)
    if user is None:
        return None
    secret = create(cur, user, API, client=client, label="field app (renewed)", now=now)
    cur.execute("UPDATE user_sessions SET expires_at = least(expires_at, %s) WHERE token_sha256 = %s",
                (now + timedelta(minutes=settings.api_token_renew_grace_minutes), hash_token(token)))
    return user, secret


def revoke(cur, token: str, now: datetime | None = None) -> bool:
    cur.execute("UPDATE user_sessions SET revoked_at = %s WHERE token_sha256 = %s AND revoked_at IS NULL",
                (now or _utcnow(), hash_token(token)))
    return cur.rowcount == 1


def revoke_all(cur, user_id: int, kind: str | None = None, now: datetime | None = None) -> int:
    cur.execute("""UPDATE user_sessions SET revoked_at = %s
                   WHERE user_id = %s AND revoked_at IS NULL AND (%s::text IS NULL OR kind = %s)""",
                (now or _utcnow(), user_id, kind, kind))
    return cur.rowcount


def purge_expired(cur, now: datetime | None = None) -> int:
    """Delete sessions that expired over a day ago (housekeeping; they no longer authenticate anyway)."""
    cur.execute("DELETE FROM user_sessions WHERE expires_at < %s", ((now or _utcnow()) - timedelta(days=1),))
    return cur.rowcount


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header value, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


