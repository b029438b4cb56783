"""Dashboard logins: the lockout after repeated failures, the password check, and the
server-side session a login creates (a new secret every time: the session id rotates).

After `MAX_FAILURES` failed logins for a user or from an address within `WINDOW`, a login
is refused with `LoginLocked` (HTTP 429 and `Retry-After`) without checking the password;
the failures are counted from the audit trail, so every server sharing the database
agrees. Nothing here sleeps: on SQLite the sync routes share one thread.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Connection

from runplane.engine.access.audit import append, record_refused
from runplane.engine.access.passwords import new_secret, verify_password
from runplane.engine.errors import LoginFailed, LoginLocked
from runplane.model.access import Session, secret_hash
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import audit as audit_store
from runplane.store import sessions as store
from runplane.store import users as user_store

MAX_FAILURES = 5
WINDOW = timedelta(minutes=10)


def login(
    db: Database,
    name: str,
    password: str,
    *,
    origin: Origin,
    lifetime: timedelta,
    previous: str | None = None,
    clock: Clock = utcnow,
) -> tuple[Session, str]:
    """Check the password and open a session; returns it and the cookie's secret.

    `previous` is the session cookie the browser still had: that session ends. Raises
    `LoginLocked` (recorded, once per address and minute) or `LoginFailed` (recorded).
    Runs argon2: call it off the thread the store's sync work shares.
    """
    now = clock()
    target = f"user:{name[:64]}"
    with db.read() as conn:
        retry_after = _locked_for(conn, target, origin.address, now)
        user = user_store.find_user(conn, name)
    if retry_after is not None:
        record_refused(db, origin, AuditAction.LOGIN_LOCKED, target, clock=lambda: now)
        raise LoginLocked(retry_after)
    if not verify_password(None if user is None else user.password_hash, password):
        with db.write() as conn:
            append(conn, _anonymous(origin), AuditAction.LOGIN_FAILED, target, now)
        raise LoginFailed("wrong user name or password")
    assert user is not None
    secret = new_secret()
    session = Session(
        secret_hash=secret_hash(secret),
        user=user.name,
        csrf_token=new_secret(),
        created_at=now,
        expires_at=now + lifetime,
        address=origin.address,
        user_agent=None if origin.user_agent is None else origin.user_agent[:300],
    )
    with db.write() as conn:
        if previous:
            store.delete_session(conn, secret_hash(previous))
        store.delete_sessions(conn, expired_before=now)
        store.insert_session(conn, session)
        who = Origin(user.actor, origin.address, origin.user_agent)
        append(conn, who, AuditAction.LOGIN, target, now)
    return session, secret


def logout(db: Database, secret: str, *, origin: Origin, clock: Clock = utcnow) -> None:
    """End the session whose cookie is `secret` (if it still exists)."""
    now = clock()
    with db.write() as conn:
        if store.delete_session(conn, secret_hash(secret)):
            append(conn, origin, AuditAction.LOGOUT, origin.actor, now)


def _locked_for(conn: Connection, target: str, address: str | None, now: datetime) -> int | None:
    """Seconds until a login may be tried again, or None when it may be now."""
    since = now - WINDOW
    waits = []
    for times in (
        audit_store.list_action_times(conn, AuditAction.LOGIN_FAILED, since=since, target=target),
        []
        if address is None
        else audit_store.list_action_times(
            conn, AuditAction.LOGIN_FAILED, since=since, address=address
        ),
    ):
        if len(times) >= MAX_FAILURES:
            frees_at = times[-MAX_FAILURES] + WINDOW
            waits.append(max(1, math.ceil((frees_at - now).total_seconds())))
    return max(waits) if waits else None


def _anonymous(origin: Origin) -> Origin:
    return Origin("anonymous", origin.address, origin.user_agent)
