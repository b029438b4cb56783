"""The audit trail's entries: who did what, when (UTC), from where, to which target.

Entries are appended and never edited or deleted; refused requests are one entry per
address and minute, whose `count` grows, so a flood cannot fill the disk.

    AuditEntry(at=..., actor="user:alice", action=AuditAction.RETRY,
               target="execution:1b2c...", detail={"params": {"seconds": 1}},
               address="10.0.0.7", user_agent="curl/8.5", token="ci-deploy")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    RUN = "execution.run"
    RETRY = "execution.retry"
    CANCEL = "execution.cancel"
    BULK_START = "bulk.start"
    BULK_CANCEL = "bulk.cancel"
    SCHEDULE_SAVE = "schedule.save"
    SCHEDULE_REMOVE = "schedule.remove"
    SCHEDULE_ENABLE = "schedule.enable"
    SCHEDULE_DISABLE = "schedule.disable"
    NOTIFICATION_SAVE = "notification.save"
    NOTIFICATION_REMOVE = "notification.remove"
    NOTIFICATION_ENABLE = "notification.enable"
    NOTIFICATION_DISABLE = "notification.disable"
    NOTIFICATION_TEST = "notification.test"
    USER_ADD = "user.add"
    USER_REMOVE = "user.remove"
    USER_SET_ROLE = "user.set-role"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    LOGIN = "login.success"
    LOGIN_FAILED = "login.failure"
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    REFUSED = "request.refused"


AGGREGATED = frozenset({AuditAction.REFUSED, AuditAction.LOGIN_LOCKED})
"""Actions recorded once per address and minute, with a count."""


@dataclass(frozen=True)
class Origin:
    """Who asks and from where, as an entry records it (the caller's part of it)."""

    actor: str
    address: str | None = None
    user_agent: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: AuditAction
    target: str
    """What it acted on: `execution:<id>`, `bulk:<id>`, `pipeline:<name>`, `schedule:<name>`,
    `notification:<name>`, `user:<name>`, `token:<name>`, or the path of a refused request."""
    detail: dict[str, Any] = field(default_factory=dict)
    address: str | None = None
    user_agent: str | None = None
    token: str | None = None
    count: int = 1
    entry_id: int | None = None

    @classmethod
    def of(
        cls,
        origin: Origin,
        action: AuditAction,
        target: str,
        at: datetime,
        **detail: Any,
    ) -> AuditEntry:
        return cls(
            at=at,
            actor=origin.actor,
            action=action,
            target=target,
            detail={k: v for k, v in detail.items() if v is not None},
            address=origin.address,
            user_agent=origin.user_agent,
            token=origin.token,
        )
