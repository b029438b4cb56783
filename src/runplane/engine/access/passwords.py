"""Password hashes (argon2id, argon2-cffi's defaults) and the secrets of tokens and sessions.

Passwords are checked only at login; tokens and session cookies are high-entropy secrets,
so one SHA-256 is enough to store them and a request never runs argon2.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("no such user: this hash makes a wrong name cost as much as a password")
MIN_PASSWORD = 8
TOKEN_PREFIX = "rp_"
SECRET_BYTES = 32


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant in time whether or not the user exists (a dummy hash stands in)."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str = "") -> str:
    """e.g. `rp_Xk3...` (43 URL-safe characters after the prefix: 256 bits)."""
    return prefix + secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """What is stored and looked up for a token or session secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
