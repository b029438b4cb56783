"""Bulk previews, operations, their items and the lasting marker of each execution a bulk
operation retried."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from runplane.store.tables.base import ID, metadata
from runplane.store.types import UTCDateTime, json_type

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
