"""Notification rules, the outbox, problems, deliveries and their attempts."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, text

from runplane.store.tables.base import ID, USER, metadata
from runplane.store.types import UTCDateTime, json_type

notification_rules = Table(
    "notification_rules",
    metadata,
    Column("name", String(USER), primary_key=True),
    Column("events", json_type(), nullable=False),
    Column("pipelines", json_type(), nullable=False),
    Column("error_classes", json_type(), nullable=False),
    Column("triggers", json_type(), nullable=False),
    Column("webhook_env", String(200)),
    Column("slack_env", String(200)),
    Column("emails", json_type(), nullable=False),
    Column("secret_env", String(200)),
    Column("window_seconds", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("source", String(1000), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("execution_id", String(ID)),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", json_type()),
    Column("matched_at", UTCDateTime),
    Index(
        "ix_notification_outbox_unmatched",
        "event_id",
        sqlite_where=text("matched_at IS NULL"),
        postgresql_where=text("matched_at IS NULL"),
    ),
)

notification_problems = Table(
    "notification_problems",
    metadata,
    Column("rule", String(USER), primary_key=True),
    Column("pipeline", String(200), primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("last_sent_at", UTCDateTime, nullable=False),
    Column("held", Integer, nullable=False),
    Column("closed_at", UTCDateTime),
)

notification_deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("delivery_id", String(ID), primary_key=True),
    Column("rule", String(USER), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", String(320), nullable=False),
    Column("event_id", Integer),
    Column("execution_id", String(ID)),
    Column("event", String(32), nullable=False),
    Column("message", json_type(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_notification_deliveries_due", "state", "next_attempt_at"),
    Index("ix_notification_deliveries_rule", "rule", "created_at"),
    Index("ix_notification_deliveries_created", "created_at"),
    Index(
        "ix_notification_deliveries_execution",
        "execution_id",
        sqlite_where=text("execution_id IS NOT NULL"),
        postgresql_where=text("execution_id IS NOT NULL"),
    ),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(ID), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_notification_attempts_delivery", "delivery_id", "attempt_id"),
    Index("ix_notification_attempts_at", "at"),
)
