"""Who may do what: roles and the least role of each action, as one table, and the plain
types of users, API tokens and dashboard sessions. No I/O here.

    Role.OPERATOR.may(Action.RUN)        # True
    Role.VIEWER.may(Action.CANCEL)       # False
    refusal(Action.CANCEL)               # 'cancelling an execution needs the operator role'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """Each role includes everything the ones before it may do."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    def includes(self, other: Role) -> bool:
        return _ORDER.index(self) >= _ORDER.index(other)

    def may(self, action: Action) -> bool:
        return self.includes(LEAST_ROLE[action])


_ORDER = list(Role)


class Action(StrEnum):
    """What a caller asks to do, beyond reading."""

    READ = "read"
    RUN = "run"
    RETRY = "retry"
    CANCEL = "cancel"
    BULK = "bulk"
    SCHEDULES = "schedules"
    NOTIFICATIONS = "notifications"
    USERS = "users"
    TOKENS = "tokens"
    AUDIT = "audit"


LEAST_ROLE = {
    Action.READ: Role.VIEWER,
    Action.RUN: Role.OPERATOR,
    Action.RETRY: Role.OPERATOR,
    Action.CANCEL: Role.OPERATOR,
    Action.BULK: Role.OPERATOR,
    Action.SCHEDULES: Role.ADMIN,
    Action.NOTIFICATIONS: Role.ADMIN,
    Action.USERS: Role.ADMIN,
    Action.TOKENS: Role.ADMIN,
    Action.AUDIT: Role.ADMIN,
}
"""The least role of each action; a test keeps every action in it."""

_WORDS = {
    Action.READ: "reading",
    Action.RUN: "running a pipeline",
    Action.RETRY: "retrying an execution",
    Action.CANCEL: "cancelling an execution",
    Action.BULK: "a bulk retry or cancel of executions",
    Action.SCHEDULES: "changing schedules",
    Action.NOTIFICATIONS: "changing or testing notification rules",
    Action.USERS: "managing users",
    Action.TOKENS: "managing API tokens",
    Action.AUDIT: "reading the audit trail",
}


def refusal(action: Action) -> str:
    """The one sentence saying why a role may not do `action` (API, dashboard, CLI)."""
    return f"{_WORDS[action]} needs the {LEAST_ROLE[action]} role"


USER_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
USER_NAME_RULE = (
    "a user name is 1-64 lowercase letters, digits, '.', '_', '@' or '-', starting with a "
    "letter or digit (e.g. alice or ops-bot)"
)
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TOKEN_NAME_RULE = (
    "a token name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or "
    "digit (e.g. ci-deploy)"
)


TOKEN_PREFIX = "rp_"
TOKEN_FORMAT = re.compile(r"rp_[A-Za-z0-9_-]{43}")
"""An API token: the prefix (so scanners and people recognise one), then 256 random bits."""
SESSION_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")


def secret_hash(secret: str) -> str:
    """What is stored and looked up for a token or session secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str
    created_at: datetime
    created_by: str
    updated_at: datetime

    @property
    def actor(self) -> str:
        """As `triggered_by` and the trail record it."""
        return f"user:{self.name}"


@dataclass(frozen=True)
class ApiToken:
    """A bearer token; only the SHA-256 of its secret is stored."""

    token_id: str
    name: str
    user: str
    secret_hash: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def state(self, now: datetime) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class Session:
    """A dashboard login; the cookie holds the secret, the row its SHA-256."""

    secret_hash: str
    user: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a valid credential (token or session) stands for, as the request path caches it."""

    user: str
    role: Role
    expires_at: datetime | None
    token: str | None = None
    """The token's name, when a token was presented."""
    csrf_token: str | None = None
    """The session's CSRF token, when a session cookie was presented."""
