"""Schedules and their fires; a fire's `(schedule, scheduled_for)` is unique, so each
scheduled instant fires once however many servers share the database.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = 36
SCHEDULE = 100


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("name", sa.String(SCHEDULE), primary_key=True),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("cron", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("params", json_type(), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("catch_up", sa.String(8), nullable=False),
        sa.Column("source", sa.String(1000), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("active_since", UTCDateTime, nullable=False),
        sa.Column("checked_until", UTCDateTime, nullable=False),
    )
    op.create_index("ix_schedules_pipeline", "schedules", ["pipeline"])

    op.create_table(
        "schedule_fires",
        sa.Column("fire_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule", sa.String(SCHEDULE), nullable=False),
        sa.Column("scheduled_for", UTCDateTime, nullable=False),
        sa.Column("fired_at", UTCDateTime, nullable=False),
        sa.Column("execution_id", sa.String(ID)),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("schedule", "scheduled_for", name="uq_schedule_fires_instant"),
    )
    op.create_index("ix_schedule_fires_execution", "schedule_fires", ["execution_id"])


def downgrade() -> None:
    op.drop_table("schedule_fires")
    op.drop_table("schedules")
