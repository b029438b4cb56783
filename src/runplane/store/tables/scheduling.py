"""Schedules, their fires (one per scheduled instant) and the instants that missed an SLA."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from runplane.store.tables.base import ID, SCHEDULE, metadata
from runplane.store.types import UTCDateTime, json_type

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
