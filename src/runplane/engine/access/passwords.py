"""Password hashes (argon2id, argon2-cffi's defaults) and the secrets of tokens and sessions.

Passwords are checked only at login; tokens and session cookies are high-entropy secrets,
so one SHA-256 is enough to store them and a request never runs argon2.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from runplane.model.access import secret_hash

_hasher = PasswordHasher()
MIN_PASSWORD = 8
SECRET_BYTES = 32
__all__ = ["hash_password", "new_secret", "secret_hash", "verify_password"]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant in time whether or not the user exists (a dummy hash stands in)."""
    try:
        return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy() -> str:
    """A hash to check against for a name no user has, hashed once per process."""
    return _hasher.hash("no such user: a wrong name costs as much as a wrong password")


def new_secret(prefix: str = "") -> str:
    """e.g. `rp_Xk3...` (43 URL-safe characters after the prefix: 256 bits)."""
    return prefix + secrets.token_urlsafe(SECRET_BYTES)
