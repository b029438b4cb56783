"""The core schema. Migrations in `store/migrations` create exactly these tables.

Indexes follow the executions page: newest first by `(created_at, execution_id)`,
optionally narrowed by status, pipeline or trigger, and one count per status.
`execution_counts` keeps executions per hour of creation, pipeline, trigger and status,
with their cost and CPU seconds, so the filter bar's counts and the cost summary over a
day or a month sum hours instead of reading every execution. `execution_params` holds each
execution's parameters in their canonical text (`model/param_filters.py`), newest first
per `(name, value)`, for parameter filters on SQLite and free-text search on both
backends. Schedules and their fires come next: a fire's unique `(schedule, scheduled_for)`
is what makes each scheduled instant fire once when several servers share the database.
An SLA's missed instants (nothing ran by the deadline) are kept per schedule and instant,
since there may be no execution row to mark. Access control comes next: users, API tokens
and dashboard sessions (secrets stored as SHA-256 only), and the append-only audit trail,
whose unique `bucket` folds refused requests into one row per address and minute.
Notifications last: rules, the outbox the transaction that ends an execution writes one
row to, problems (one message per rule, pipeline and fingerprint), deliveries per channel
and every attempt to send one.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from runplane.store.log_index import PG_DOCUMENT, PG_INDEX
from runplane.store.types import UTCDateTime, json_type

metadata = MetaData()

ID = 36  # a UUID in its text form

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

SCHEDULE = 100

schedules = Table(
    "schedules",
    metadata,
    Column("name", String(SCHEDULE), primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("cron", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("params", json_type(), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("catch_up", String(8), nullable=False),
    Column("source", String(1000), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("active_since", UTCDateTime, nullable=False),
    Column("checked_until", UTCDateTime, nullable=False),
    Column("sla", json_type()),
    Index("ix_schedules_pipeline", "pipeline"),
)

schedule_fires = Table(
    "schedule_fires",
    metadata,
    Column("fire_id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(SCHEDULE), nullable=False),
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime, nullable=False),
    Column("execution_id", String(ID)),
    Column("late", Boolean, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("error", Text),
    UniqueConstraint("schedule", "scheduled_for", name="uq_schedule_fires_instant"),
    Index("ix_schedule_fires_execution", "execution_id"),
)

sla_misses = Table(
    "sla_misses",
    metadata,
    Column("schedule", String(SCHEDULE), primary_key=True),
    Column("scheduled_for", UTCDateTime, primary_key=True),
    Column("pipeline", String(200), nullable=False),
    Column("deadline", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("execution_id", String(ID)),
    Column("reason", String(16), nullable=False),
    Index("ix_sla_misses_pipeline", "pipeline", "deadline"),
    Index("ix_sla_misses_deadline", "deadline"),
)

USER = 64

users = Table(
    "users",
    metadata,
    Column("name", String(USER), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(ID), primary_key=True),
    Column("name", String(USER), nullable=False),
    Column("user_name", String(USER), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(200)),
    # One active token per name, so `runplane tokens revoke NAME` names one.
    Index(
        "uq_api_tokens_active_name",
        "name",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
    Index("ix_api_tokens_user", "user_name"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("secret_hash", String(64), primary_key=True),
    Column("user_name", String(USER), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(300)),
    Index("ix_sessions_user", "user_name"),
    Index("ix_sessions_expires", "expires_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(300), nullable=False),
    Column("detail", json_type(), nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(300)),
    Column("token", String(USER)),
    Column("count", Integer, nullable=False),
    Column("bucket", String(200), unique=True),
    Index("ix_audit_log_at", "at", "entry_id"),
    Index("ix_audit_log_target", "target", "at"),
    Index("ix_audit_log_action_address", "action", "address", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)

bulk_previews = Table(
    "bulk_previews",
    metadata,
    Column("preview_id", String(ID), primary_key=True),
    Column("action", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("filter", json_type(), nullable=False),
    Column("matched", Integer, nullable=False),
    Column("selected", json_type(), nullable=False),
    Column("skipped", json_type(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
"""Bulk operations: a preview freezes the ids a filter selected (and those it skips, with
their reasons); an operation acts on exactly those, one item per execution; `bulk_retried`
is unique per execution, so no two operations ever retry the same one."""

bulk_operations = Table(
    "bulk_operations",
    metadata,
    Column("bulk_id", String(ID), primary_key=True),
    Column("preview_id", String(ID), nullable=False, unique=True),
    Column("action", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("origin", json_type(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("filter", json_type(), nullable=False),
    Column("matched", Integer, nullable=False),
    Column("selected", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("cancelled_by", String(200)),
    Index("ix_bulk_operations_state", "state", "created_at"),
)

bulk_items = Table(
    "bulk_items",
    metadata,
    Column("bulk_id", String(ID), primary_key=True),
    Column("execution_id", String(ID), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(32)),
    Column("message", String(500)),
    Column("result_id", String(ID)),
    Column("updated_at", UTCDateTime),
    Index("ix_bulk_items_state", "bulk_id", "state", "seq"),
)

bulk_retried = Table(
    "bulk_retried",
    metadata,
    Column("execution_id", String(ID), primary_key=True),
    Column("bulk_id", String(ID), nullable=False),
    Column("retry_id", String(ID), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

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
