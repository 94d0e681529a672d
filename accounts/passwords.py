"""Password hashing with argon2id (argon2-cffi): hash, verify, and rehash when the parameters move on."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.settings import settings

_hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib)
# Verified against when the login does not exist, so that a miss costs as long as a wrong password.
_DUMMY = _hasher.hash("dixian-no-such-user")


class WeakPassword(ValueError):
    """A new password that does not meet the policy; the message says what is needed."""


def check_policy(password: str) -> None:
    n = settings.password_min_length
    if not isinstance(password, str) or len(password) < n:
        raise WeakPassword(f"password too short: at least {n} characters / 密码至少 {n} 个字符")
    if password.strip() != password or not password.isprintable():
        raise WeakPassword("password must not start or end with spaces or contain control characters "
                           "/ 密码首尾不能有空格，也不能含控制字符")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing hash still spends the time of one verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def rehash(password: str) -> str:
    """A fresh hash of a password already accepted (no policy check: it was valid when set)."""
    return _hasher.hash(password)
