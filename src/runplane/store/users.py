"""Queries over users: name, role and password hash (argon2, never the password)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from runplane.model.access import USER_NAME, Role, User
from runplane.store.errors import NotFound
from runplane.store.tables import users as t


def insert_user(conn: Connection, user: User) -> None:
    conn.execute(
        insert(t).values(
            name=user.name,
            role=str(user.role),
            password_hash=user.password_hash,
            created_at=user.created_at,
            created_by=user.created_by,
            updated_at=user.updated_at,
        )
    )


def find_user(conn: Connection, name: str) -> User | None:
    """A name no user can have is simply not found (and never reaches the database)."""
    if not USER_NAME.fullmatch(name):
        return None
    row = conn.execute(select(t).where(t.c.name == name)).first()
    return None if row is None else _from_row(row)


def get_user(conn: Connection, name: str) -> User:
    user = find_user(conn, name)
    if user is None:
        raise NotFound(f"no user named {name[:64]!r}")
    return user


def list_users(conn: Connection) -> list[User]:
    """Ordered by name."""
    return [_from_row(row) for row in conn.execute(select(t).order_by(t.c.name))]


def count_users(conn: Connection, *, role: Role | None = None) -> int:
    query = select(func.count()).select_from(t)
    if role is not None:
        query = query.where(t.c.role == str(role))
    return int(conn.execute(query).scalar_one())


def update_role(conn: Connection, name: str, role: Role, *, at: datetime) -> None:
    conn.execute(update(t).where(t.c.name == name).values(role=str(role), updated_at=at))


def update_password(conn: Connection, name: str, password_hash: str, *, at: datetime) -> None:
    conn.execute(
        update(t).where(t.c.name == name).values(password_hash=password_hash, updated_at=at)
    )


def delete_user(conn: Connection, name: str) -> bool:
    return conn.execute(delete(t).where(t.c.name == name)).rowcount == 1


def _from_row(row: Row[Any]) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        password_hash=row.password_hash,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
    )
