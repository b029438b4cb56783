"""What several `serve` processes sharing one database coordinate through: leases."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from runplane.store.tables.base import metadata
from runplane.store.types import UTCDateTime

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
"""One row per background loop: whoever holds it until `expires_at` runs that loop's passes."""
