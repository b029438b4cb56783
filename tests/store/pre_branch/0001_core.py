"""Core schema: executions, their events, logs, workers, resource samples and captures.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = 36


def upgrade() -> None:
    op.create_table(
        "executions",
        sa.Column("execution_id", sa.String(ID), primary_key=True),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", json_type(), nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("triggered_by", sa.String(200), nullable=False),
        sa.Column("trigger_time", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("not_before", UTCDateTime),
        sa.Column("started_at", UTCDateTime),
        sa.Column("completed_at", UTCDateTime),
        sa.Column("capture_id", sa.String(40), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("retry_of", sa.String(ID)),
        sa.Column("parent_id", sa.String(ID)),
        sa.Column("after_id", sa.String(ID)),
        sa.Column("rows_processed", sa.BigInteger),
        sa.Column("output", json_type()),
        sa.Column("error", json_type()),
        sa.Column("error_class", sa.String(16)),
        sa.Column("error_fingerprint", sa.String(64)),
        sa.Column("progress", json_type()),
        sa.Column("cancel_requested_at", UTCDateTime),
        sa.Column("cancel_requested_by", sa.String(200)),
        sa.Column("kill_after", UTCDateTime),
        sa.Column("worker_id", sa.String(ID)),
        sa.Column("pid", sa.Integer),
        sa.Column("process_started_at", sa.Float),
    )
    for name, columns in {
        "ix_executions_created": ["created_at", "execution_id"],
        "ix_executions_status_created": ["status", "created_at", "execution_id"],
        "ix_executions_pipeline_created": ["pipeline", "created_at", "execution_id"],
        "ix_executions_pipeline_status_created": ["pipeline", "status", "created_at"],
        "ix_executions_trigger_created": ["trigger", "created_at", "execution_id"],
        "ix_executions_identity": ["pipeline", "params_hash", "status"],
    }.items():
        op.create_index(name, "executions", columns)
    for name, columns in {
        "ix_executions_parent": ["parent_id"],
        "ix_executions_retry_of": ["retry_of"],
        "ix_executions_fingerprint": ["error_fingerprint", "created_at"],
    }.items():
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(name, "executions", columns, sqlite_where=where, postgresql_where=where)

    op.create_table(
        "execution_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("detail", json_type()),
    )
    op.create_index(
        "ix_execution_events_execution", "execution_events", ["execution_id", "event_id"]
    )

    op.create_table(
        "execution_logs",
        sa.Column("execution_id", sa.String(ID), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_execution_logs_level", "execution_logs", ["execution_id", "level", "seq"])

    op.create_table(
        "workers",
        sa.Column("worker_id", sa.String(ID), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("process_started_at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(ID)),
        sa.Column("max_workers", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.Column("stopped_at", UTCDateTime),
    )
    op.create_index("ix_workers_heartbeat", "workers", ["stopped_at", "heartbeat_at"])

    op.create_table(
        "resource_samples",
        sa.Column("sample_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("execution_id", sa.String(ID), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("cpu_percent", sa.Float, nullable=False),
        sa.Column("rss_bytes", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_resource_samples_execution", "resource_samples", ["execution_id", "at"])

    op.create_table(
        "captures",
        sa.Column("capture_id", sa.String(40), primary_key=True),
        sa.Column("asset", sa.String(200), primary_key=True),
        sa.Column("execution_id", sa.String(ID), nullable=False),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime),
        sa.Column("rows", sa.BigInteger),
    )
    op.create_index("ix_captures_asset_published", "captures", ["asset", "published_at"])
    op.create_index("ix_captures_execution", "captures", ["execution_id"])


def downgrade() -> None:
    for table in (
        "captures",
        "resource_samples",
        "workers",
        "execution_logs",
        "execution_events",
        "executions",
    ):
        op.drop_table(table)
