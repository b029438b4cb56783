"""Notification rules (when, what, where), the outbox events they match, and deliveries.

A rule holds the names of environment variables, never their values: the secrets a
channel needs (webhook and Slack URLs, signing secrets) are read when a message is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEFAULT_WINDOW_SECONDS = 3600
STORM_CAP = 20
"""Messages one rule may send in an hour before it sends one summary and goes quiet."""
FILE_SOURCE = "file:"


class NotifyEvent(StrEnum):
    """What a rule can be told about."""

    FAILED = "failed"
    RECOVERED = "recovered"
    CANCELLED = "cancelled"
    SLA_AT_RISK = "sla_at_risk"
    SLA_BREACHED = "sla_breached"
    SCHEDULE_MISSED = "schedule_missed"
    WORKER_LOST = "worker_lost"


class OutboxKind(StrEnum):
    """What the outbox records; the matcher turns these into rule events."""

    COMPLETED = "completed"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    CANCELLED = "cancelled"
    WORKER_LOST = "worker_lost"
    SLA_AT_RISK = "sla_at_risk"
    SLA_BREACHED = "sla_breached"
    SCHEDULE_MISSED = "schedule_missed"


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    EMAIL = "email"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Rule:
    """A `[notifications.NAME]` table or a rule added by CLI or API."""

    name: str
    events: tuple[NotifyEvent, ...]
    pipelines: tuple[str, ...] = ()
    error_classes: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    webhook_env: str | None = None
    slack_env: str | None = None
    emails: tuple[str, ...] = ()
    secret_env: str | None = None
    window_seconds: int = DEFAULT_WINDOW_SECONDS
    enabled: bool = True
    source: str = "cli"
    created_at: datetime | None = None
    created_by: str = ""
    updated_at: datetime | None = None
    updated_by: str = ""

    def channels(self) -> list[tuple[ChannelKind, str]]:
        """Each place a message goes, named by its variable or address (never a secret)."""
        out: list[tuple[ChannelKind, str]] = []
        if self.webhook_env:
            out.append((ChannelKind.WEBHOOK, self.webhook_env))
        if self.slack_env:
            out.append((ChannelKind.SLACK, self.slack_env))
        out += [(ChannelKind.EMAIL, address) for address in self.emails]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "events": [str(e) for e in self.events],
            "pipelines": list(self.pipelines),
            "error_classes": list(self.error_classes),
            "triggers": list(self.triggers),
            "webhook_env": self.webhook_env,
            "slack_env": self.slack_env,
            "emails": list(self.emails),
            "secret_env": self.secret_env,
            "window_seconds": self.window_seconds,
            "enabled": self.enabled,
            "source": self.source,
        }


@dataclass(frozen=True)
class OutboxEvent:
    event_id: int
    kind: OutboxKind
    at: datetime
    execution_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """What every channel renders: the facts of one event for one rule."""

    event: NotifyEvent
    rule: str
    pipeline: str | None
    execution_id: str | None
    status: str | None
    error: dict[str, Any] | None
    url: str | None
    at: datetime
    repeat_count: int = 0
    """Failures like this one in the last 7 days, this one included (0 when not a failure)."""
    suppressed: int = 0
    """Messages held back (repeats in the window or a storm) since the last one sent."""
    summary: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "event": str(self.event),
            "rule": self.rule,
            "execution_id": self.execution_id,
            "pipeline": self.pipeline,
            "status": self.status,
            "error": self.error,
            "url": self.url,
            "at": self.at.isoformat(),
            "repeat_count": self.repeat_count,
            "suppressed": self.suppressed,
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(
            event=NotifyEvent(data["event"]),
            rule=data["rule"],
            pipeline=data["pipeline"],
            execution_id=data["execution_id"],
            status=data["status"],
            error=data["error"],
            url=data["url"],
            at=datetime.fromisoformat(data["at"]),
            repeat_count=data.get("repeat_count", 0),
            suppressed=data.get("suppressed", 0),
            summary=data.get("summary", ""),
        )


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    rule: str
    channel: ChannelKind
    target: str
    message: Message
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None = None
    last_error: str | None = None
    execution_id: str | None = None


@dataclass(frozen=True)
class Attempt:
    delivery_id: str
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
