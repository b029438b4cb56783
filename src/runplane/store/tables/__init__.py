"""The core schema, one module per concept. Migrations in `store/migrations` create exactly
these tables.

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
and every attempt to send one. Leases let several `serve` processes run each background
loop once; an execution's queue routes it to the workers that serve it.
"""

from runplane.store.tables.access import api_tokens, audit_log, sessions, users
from runplane.store.tables.base import ID, SCHEDULE, USER, metadata
from runplane.store.tables.bulk import bulk_items, bulk_operations, bulk_previews, bulk_retried
from runplane.store.tables.coordination import leases
from runplane.store.tables.execution_records import (
    captures,
    execution_counts,
    execution_events,
    execution_logs,
    execution_params,
    executions,
    resource_samples,
    workers,
)
from runplane.store.tables.notifications import (
    notification_attempts,
    notification_deliveries,
    notification_outbox,
    notification_problems,
    notification_rules,
)
from runplane.store.tables.scheduling import schedule_fires, schedules, sla_misses

__all__ = [
    "ID",
    "SCHEDULE",
    "USER",
    "api_tokens",
    "audit_log",
    "bulk_items",
    "bulk_operations",
    "bulk_previews",
    "bulk_retried",
    "captures",
    "execution_counts",
    "execution_events",
    "execution_logs",
    "execution_params",
    "executions",
    "leases",
    "metadata",
    "notification_attempts",
    "notification_deliveries",
    "notification_outbox",
    "notification_problems",
    "notification_rules",
    "resource_samples",
    "schedule_fires",
    "schedules",
    "sessions",
    "sla_misses",
    "users",
    "workers",
]
