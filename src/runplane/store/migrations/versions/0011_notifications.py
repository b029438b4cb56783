"""Notifications: rules, the outbox an execution's end writes one row to, problems (one
message per rule, pipeline and failure fingerprint), deliveries and their attempts.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = 36
USER = 64


def upgrade() -> None:
    op.create_table(
        "notification_rules",
        sa.Column("name", sa.String(USER), primary_key=True),
        sa.Column("events", json_type(), nullable=False),
        sa.Column("pipelines", json_type(), nullable=False),
        sa.Column("error_classes", json_type(), nullable=False),
        sa.Column("triggers", json_type(), nullable=False),
        sa.Column("webhook_env", sa.String(200)),
        sa.Column("slack_env", sa.String(200)),
        sa.Column("emails", json_type(), nullable=False),
        sa.Column("secret_env", sa.String(200)),
        sa.Column("window_seconds", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("execution_id", sa.String(ID)),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("detail", json_type()),
        sa.Column("matched_at", UTCDateTime),
    )
    unmatched = sa.text("matched_at IS NULL")
    op.create_index(
        "ix_notification_outbox_unmatched",
        "notification_outbox",
        ["event_id"],
        sqlite_where=unmatched,
        postgresql_where=unmatched,
    )
    op.create_table(
        "notification_problems",
        sa.Column("rule", sa.String(USER), primary_key=True),
        sa.Column("pipeline", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("last_sent_at", UTCDateTime, nullable=False),
        sa.Column("held", sa.Integer, nullable=False),
        sa.Column("closed_at", UTCDateTime),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("delivery_id", sa.String(ID), primary_key=True),
        sa.Column("rule", sa.String(USER), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(320), nullable=False),
        sa.Column("event_id", sa.Integer),
        sa.Column("execution_id", sa.String(ID)),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("message", json_type(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_index(
        "ix_notification_deliveries_due", "notification_deliveries", ["state", "next_attempt_at"]
    )
    op.create_index(
        "ix_notification_deliveries_rule", "notification_deliveries", ["rule", "created_at"]
    )
    op.create_index("ix_notification_deliveries_created", "notification_deliveries", ["created_at"])
    has_execution = sa.text("execution_id IS NOT NULL")
    op.create_index(
        "ix_notification_deliveries_execution",
        "notification_deliveries",
        ["execution_id"],
        sqlite_where=has_execution,
        postgresql_where=has_execution,
    )
    op.create_table(
        "notification_attempts",
        sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(ID), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("duration_ms", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_notification_attempts_delivery", "notification_attempts", ["delivery_id", "attempt_id"]
    )
    op.create_index("ix_notification_attempts_at", "notification_attempts", ["at"])


def downgrade() -> None:
    op.drop_table("notification_attempts")
    op.drop_table("notification_deliveries")
    op.drop_table("notification_problems")
    op.drop_table("notification_outbox")
    op.drop_table("notification_rules")
