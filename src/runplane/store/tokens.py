"""Queries over API tokens. A token is found by the SHA-256 of its secret, the one column
the request path reads; the secret itself is never stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from runplane.model.access import ApiToken, Grant, Role
from runplane.store.errors import NotFound
from runplane.store.tables import api_tokens as t
from runplane.store.tables import users as u


def insert_token(conn: Connection, token: ApiToken) -> None:
    conn.execute(
        t.insert().values(
            token_id=token.token_id,
            name=token.name,
            user_name=token.user,
            secret_hash=token.secret_hash,
            created_at=token.created_at,
            created_by=token.created_by,
            expires_at=token.expires_at,
        )
    )


def find_grant(conn: Connection, secret_hash: str) -> Grant | None:
    """What an unrevoked token with this hash stands for: its user's role now, its expiry.

    An expired token is returned too (the caller compares `expires_at` with its clock).
    """
    row = conn.execute(
        select(t.c.name, t.c.expires_at, u.c.name.label("user"), u.c.role)
        .join(u, u.c.name == t.c.user_name)
        .where(t.c.secret_hash == secret_hash, t.c.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    return Grant(user=row.user, role=Role(row.role), expires_at=row.expires_at, token=row.name)


def find_active_token(conn: Connection, name: str) -> ApiToken | None:
    row = conn.execute(select(t).where(t.c.name == name, t.c.revoked_at.is_(None))).first()
    return None if row is None else _from_row(row)


def get_active_token(conn: Connection, name: str) -> ApiToken:
    token = find_active_token(conn, name)
    if token is None:
        raise NotFound(f"no active token named {name[:64]!r}")
    return token


def list_tokens(conn: Connection, *, user: str | None = None) -> list[ApiToken]:
    """Newest first."""
    query = select(t).order_by(t.c.created_at.desc(), t.c.name)
    if user is not None:
        query = query.where(t.c.user_name == user)
    return [_from_row(row) for row in conn.execute(query)]


def update_revoked(
    conn: Connection, *, at: datetime, by: str, name: str | None = None, user: str | None = None
) -> int:
    """Revoke the active token `name`, or every active token of `user`; returns how many."""
    query = update(t).where(t.c.revoked_at.is_(None))
    if name is not None:
        query = query.where(t.c.name == name)
    if user is not None:
        query = query.where(t.c.user_name == user)
    return conn.execute(query.values(revoked_at=at, revoked_by=by)).rowcount


def _from_row(row: Row[Any]) -> ApiToken:
    return ApiToken(
        token_id=row.token_id,
        name=row.name,
        user=row.user_name,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )
