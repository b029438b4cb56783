"""What a credential stands for: a bearer token's or a session cookie's grant (the user and
their role now), and whether any user exists (no users: the local admin mode).

The front door caches these answers per process (`access/credentials.py`); a secret is
looked up by its SHA-256 and compared in constant time.
"""

from __future__ import annotations

import hmac

from sqlalchemy import Connection

from runplane.model.access import SESSION_FORMAT, TOKEN_FORMAT, Grant, User, secret_hash
from runplane.store import sessions as session_store
from runplane.store import tokens as token_store
from runplane.store import users as user_store


def well_formed_token(secret: str) -> bool:
    return TOKEN_FORMAT.fullmatch(secret) is not None


def find_token_grant(conn: Connection, secret: str) -> Grant | None:
    """The unrevoked token with this secret (expired ones too: the caller checks)."""
    if not well_formed_token(secret):
        return None
    return token_store.find_grant(conn, secret_hash(secret))


def find_session_grant(conn: Connection, secret: str) -> Grant | None:
    if SESSION_FORMAT.fullmatch(secret) is None:
        return None
    return session_store.find_grant(conn, secret_hash(secret))


def find_user(conn: Connection, name: str) -> User | None:
    return user_store.find_user(conn, name)


def users_exist(conn: Connection) -> bool:
    return user_store.count_users(conn) > 0


def same_secret(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two secrets (a missing one never matches)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
