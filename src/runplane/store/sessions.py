"""Queries over dashboard sessions: server-side rows found by the SHA-256 of the cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from runplane.model.access import Grant, Role, Session
from runplane.store.tables import sessions as t
from runplane.store.tables import users as u


def insert_session(conn: Connection, session: Session) -> None:
    conn.execute(
        t.insert().values(
            secret_hash=session.secret_hash,
            user_name=session.user,
            csrf_token=session.csrf_token,
            created_at=session.created_at,
            expires_at=session.expires_at,
            address=session.address,
            user_agent=session.user_agent,
        )
    )


def find_grant(conn: Connection, secret_hash: str) -> Grant | None:
    """What the session with this hash stands for (an expired one too: compare `expires_at`)."""
    row = conn.execute(
        select(t.c.expires_at, t.c.csrf_token, u.c.name, u.c.role)
        .join(u, u.c.name == t.c.user_name)
        .where(t.c.secret_hash == secret_hash)
    ).first()
    if row is None:
        return None
    return Grant(
        user=row.name, role=Role(row.role), expires_at=row.expires_at, csrf_token=row.csrf_token
    )


def delete_session(conn: Connection, secret_hash: str) -> bool:
    return conn.execute(delete(t).where(t.c.secret_hash == secret_hash)).rowcount == 1


def delete_sessions(
    conn: Connection, *, user: str | None = None, expired_before: datetime | None = None
) -> int:
    """Remove every session of `user`, or those that expired before the instant."""
    query = delete(t)
    if user is not None:
        query = query.where(t.c.user_name == user)
    if expired_before is not None:
        query = query.where(t.c.expires_at < expired_before)
    return conn.execute(query).rowcount
