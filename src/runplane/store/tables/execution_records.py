"""Executions and what they leave behind: counts per hour, parameters, events, log
lines, resource samples, captures, and the workers that run them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text, text

from runplane.store.log_index import PG_DOCUMENT, PG_INDEX
from runplane.store.tables.base import ID, metadata
from runplane.store.types import UTCDateTime, json_type

executions = Table(
    "executions",
    metadata,
    Column("execution_id", String(ID), primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("params", json_type(), nullable=False),
    Column("params_hash", String(64), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("trigger", String(16), nullable=False),
    Column("triggered_by", String(200), nullable=False),
    Column("trigger_time", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("not_before", UTCDateTime),
    Column("started_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    Column("capture_id", String(40), nullable=False),
    Column("attempt", Integer, nullable=False, default=1),
    Column("retry_of", String(ID)),
    Column("parent_id", String(ID)),
    Column("after_id", String(ID)),
    Column("rows_processed", BigInteger),
    Column("output", json_type()),
    Column("error", json_type()),
    Column("error_class", String(16)),
    Column("error_fingerprint", String(64)),
    Column("progress", json_type()),
    Column("cancel_requested_at", UTCDateTime),
    Column("cancel_requested_by", String(200)),
    Column("kill_after", UTCDateTime),
    Column("worker_id", String(ID)),
    Column("pid", Integer),
    Column("process_started_at", Float),
    Column("sla_state", String(16)),
    Column("sla", json_type()),
    Column("bulk_id", String(ID)),
    Column("cpu_seconds", Float),
    Column("gb_seconds", Float),
    Column("peak_rss_bytes", BigInteger),
    Column("cost_amount", Float),
    Column("cost_currency", String(3)),
    Column("cost_rates_version", String(64)),
    Column("queue", String(64)),
    Column("dispatched_at", UTCDateTime),
    Index("ix_executions_created", "created_at", "execution_id"),
    Index("ix_executions_status_created", "status", "created_at", "execution_id"),
    Index("ix_executions_pipeline_created", "pipeline", "created_at", "execution_id"),
    Index("ix_executions_pipeline_status_created", "pipeline", "status", "created_at"),
    Index("ix_executions_trigger_created", "trigger", "created_at", "execution_id"),
    Index("ix_executions_identity", "pipeline", "params_hash", "status"),
    # Parameter filters on PostgreSQL: `params @> '{"day": "2025-12-22"}'`.
    Index(
        "ix_executions_params",
        "params",
        postgresql_using="gin",
        postgresql_ops={"params": "jsonb_path_ops"},
    ).ddl_if(dialect="postgresql"),
    # Partial: these columns are NULL on most rows, and an index full of NULLs makes the
    # planner (after ANALYZE) scan by time instead of looking the few real values up.
    *(
        Index(
            name,
            *columns,
            sqlite_where=text(f"{columns[0]} IS NOT NULL"),
            postgresql_where=text(f"{columns[0]} IS NOT NULL"),
        )
        for name, columns in {
            "ix_executions_parent": ("parent_id",),
            "ix_executions_retry_of": ("retry_of",),
            "ix_executions_fingerprint_status": ("error_fingerprint", "status", "created_at"),
            "ix_executions_sla_state": ("sla_state", "created_at", "execution_id"),
            "ix_executions_bulk": ("bulk_id", "status"),
        }.items()
    ),
)

execution_counts = Table(
    "execution_counts",
    metadata,
    Column("status", String(16), primary_key=True),
    Column("pipeline", String(200), primary_key=True),
    Column("trigger", String(16), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("cost", Float, nullable=False, server_default=text("0")),
    Column("cpu_seconds", Float, nullable=False, server_default=text("0")),
    sqlite_with_rowid=False,
)

execution_params = Table(
    "execution_params",
    metadata,
    Column("execution_id", String(ID), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_execution_params_lookup", "name", "value", "created_at", "execution_id"),
    sqlite_with_rowid=False,
)

execution_events = Table(
    "execution_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("execution_id", String(ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", json_type()),
    Index("ix_execution_events_execution", "execution_id", "event_id"),
)

execution_logs = Table(
    "execution_logs",
    metadata,
    Column("execution_id", String(ID), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("level", String(8), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_execution_logs_level", "execution_id", "level", "seq"),
    Index(PG_INDEX, text(PG_DOCUMENT), postgresql_using="gin").ddl_if(dialect="postgresql"),
)
"""Searched through `store/log_index.py`'s index: SQLite's is an FTS5 table beside it."""

workers = Table(
    "workers",
    metadata,
    Column("worker_id", String(ID), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("process_started_at", Float, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("scope", String(ID)),
    Column("max_workers", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("stopped_at", UTCDateTime),
    Column("name", String(200)),
    Column("queues", json_type()),
    Column("busy", Integer),
    Index("ix_workers_heartbeat", "stopped_at", "heartbeat_at"),
)

resource_samples = Table(
    "resource_samples",
    metadata,
    Column("sample_id", Integer, primary_key=True, autoincrement=True),
    Column("execution_id", String(ID), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("cpu_percent", Float, nullable=False),
    Column("rss_bytes", BigInteger, nullable=False),
    Column("cpu_seconds", Float),
    Index("ix_resource_samples_execution", "execution_id", "at"),
)

captures = Table(
    "captures",
    metadata,
    Column("capture_id", String(40), primary_key=True),
    Column("asset", String(200), primary_key=True),
    Column("execution_id", String(ID), nullable=False),
    Column("pipeline", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("rows", BigInteger),
    Index("ix_captures_asset_published", "asset", "published_at"),
    Index("ix_captures_execution", "execution_id"),
)
