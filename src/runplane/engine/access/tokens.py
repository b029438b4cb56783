"""Creating and revoking API tokens. The secret is returned once, at creation; the store
keeps its SHA-256, which is what a request's bearer token is looked up by.

    token, secret = create_token(db, "ci-deploy", "alice", expires_in=timedelta(days=90), by=...)
    secret  # 'rp_Xk3...': shown once, never again
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from runplane.engine.access.audit import append
from runplane.engine.access.passwords import new_secret
from runplane.engine.errors import AccessRefused, InvalidAccess
from runplane.model.access import TOKEN_NAME, TOKEN_NAME_RULE, TOKEN_PREFIX, ApiToken, secret_hash
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.model.json import iso
from runplane.store import Database
from runplane.store import tokens as store
from runplane.store import users as user_store

_DURATION = re.compile(r"(\d{1,5})([dh])")
DEFAULT_EXPIRY = "90d"


def parse_expiry(value: str, now: datetime) -> datetime | None:
    """`90d`, `12h`, `never`, or an ISO date or time (UTC unless it says otherwise).

    Raises `InvalidAccess` for anything else, and for an expiry that is not in the future.
    """
    text = value.strip().lower()
    if text == "never":
        return None
    match = _DURATION.fullmatch(text)
    if match is not None:
        amount, unit = int(match[1]), match[2]
        expires = now + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    else:
        try:
            expires = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidAccess(
                f"--expires {value[:40]!r} is not a duration (90d, 12h), an ISO date or 'never'"
            ) from None
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=now.tzinfo)
    if expires <= now:
        raise InvalidAccess(f"--expires {value[:40]!r} is not in the future")
    return expires


def create_token(
    db: Database,
    name: str,
    user: str,
    *,
    expires_at: datetime | None,
    by: Origin,
    clock: Clock = utcnow,
) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret. Raises `InvalidAccess`, `NotFound` for an
    unknown user, or `AccessRefused` when an active token has that name."""
    if not TOKEN_NAME.fullmatch(name):
        raise InvalidAccess(f"{name[:64]!r} is not a valid token name: {TOKEN_NAME_RULE}")
    now = clock()
    if expires_at is not None and expires_at <= now:
        raise InvalidAccess("the token's expiry is not in the future")
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        token_id=str(uuid.uuid4()),
        name=name,
        user=user,
        secret_hash=secret_hash(secret),
        created_at=now,
        created_by=by.actor,
        expires_at=expires_at,
    )
    with db.write(lock="users") as conn:
        user_store.get_user(conn, user)
        if store.find_active_token(conn, name) is not None:
            raise AccessRefused(
                f"an active token named {name!r} exists; revoke it or pick another name"
            )
        store.insert_token(conn, token)
        append(
            conn, by, AuditAction.TOKEN_CREATE, f"token:{name}", now,
            user=user, expires_at=iso(expires_at),
        )  # fmt: skip
    return token, secret


def revoke_token(db: Database, name: str, *, by: Origin, clock: Clock = utcnow) -> ApiToken:
    """Revoke the active token `name`: every server refuses it within its auth cache's
    lifetime (`RUNPLANE_AUTH_CACHE_SECONDS`). Raises `NotFound`."""
    now = clock()
    with db.write(lock="users") as conn:
        token = store.get_active_token(conn, name)
        store.update_revoked(conn, at=now, by=by.actor, name=name)
        append(conn, by, AuditAction.TOKEN_REVOKE, f"token:{name}", now, user=token.user)
    return token
