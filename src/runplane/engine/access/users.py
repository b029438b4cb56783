"""Adding, removing and changing users: each validates first and writes in one serialised
transaction with its audit entry, so a refused change writes nothing.

The last admin can never be removed or demoted: the check and the change hold the same
lock (`users`), so two admins demoting each other at once leave one.
"""

from __future__ import annotations

from sqlalchemy import Connection

from runplane.engine.access.audit import append
from runplane.engine.access.passwords import MIN_PASSWORD, hash_password
from runplane.engine.errors import AccessRefused, InvalidAccess
from runplane.model.access import USER_NAME, USER_NAME_RULE, Role, User
from runplane.model.audit import AuditAction, Origin
from runplane.model.clock import Clock, utcnow
from runplane.store import Database
from runplane.store import sessions as session_store
from runplane.store import tokens as token_store
from runplane.store import users as store

LOCK = "users"


def parse_role(value: str) -> Role:
    """Raises `InvalidAccess` naming the roles there are."""
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(str(r) for r in Role)
        raise InvalidAccess(f"there is no role {value[:40]!r}; use one of {roles}") from None


def check_user_name(name: str) -> str:
    if not USER_NAME.fullmatch(name):
        raise InvalidAccess(f"{name[:64]!r} is not a valid user name: {USER_NAME_RULE}")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidAccess(f"the password must have at least {MIN_PASSWORD} characters")
    if any(ord(c) < 32 for c in password):
        raise InvalidAccess("the password may not contain control characters or line breaks")
    return password


def add_user(
    db: Database, name: str, role: str, password: str, *, by: Origin, clock: Clock = utcnow
) -> User:
    """Create a user; raises `InvalidAccess`, or `AccessRefused` when the name is taken."""
    check_user_name(name)
    user_role = parse_role(role)
    digest = hash_password(check_password(password))
    now = clock()
    user = User(name, user_role, digest, created_at=now, created_by=by.actor, updated_at=now)
    with db.write(lock=LOCK) as conn:
        if store.find_user(conn, name) is not None:
            raise AccessRefused(f"a user named {name!r} already exists")
        store.insert_user(conn, user)
        append(conn, by, AuditAction.USER_ADD, f"user:{name}", now, role=str(user_role))
    return user


def remove_user(db: Database, name: str, *, by: Origin, clock: Clock = utcnow) -> User:
    """Remove a user, revoke their tokens and end their sessions. Raises `NotFound`, or
    `AccessRefused` for the last admin."""
    now = clock()
    with db.write(lock=LOCK) as conn:
        user = store.get_user(conn, name)
        _keep_an_admin(conn, user, "removed")
        store.delete_user(conn, name)
        revoked = token_store.update_revoked(conn, at=now, by=by.actor, user=name)
        session_store.delete_sessions(conn, user=name)
        append(conn, by, AuditAction.USER_REMOVE, f"user:{name}", now, tokens_revoked=revoked)
    return user


def set_role(db: Database, name: str, role: str, *, by: Origin, clock: Clock = utcnow) -> User:
    """Change a user's role (their tokens and sessions follow within the auth cache's
    lifetime). Raises `InvalidAccess`, `NotFound`, or `AccessRefused` for the last admin."""
    new_role = parse_role(role)
    now = clock()
    with db.write(lock=LOCK) as conn:
        user = store.get_user(conn, name)
        if new_role is not Role.ADMIN:
            _keep_an_admin(conn, user, f"made {new_role}")
        store.update_role(conn, name, new_role, at=now)
        append(
            conn, by, AuditAction.USER_SET_ROLE, f"user:{name}", now,
            role=str(new_role), previous=str(user.role),
        )  # fmt: skip
        return store.get_user(conn, name)


def _keep_an_admin(conn: Connection, user: User, verb: str) -> None:
    if user.role is Role.ADMIN and store.count_users(conn, role=Role.ADMIN) <= 1:
        raise AccessRefused(
            f"{user.name} is the last admin and cannot be {verb}; make another user admin "
            f"first (runplane users set-role NAME --role admin)"
        )
