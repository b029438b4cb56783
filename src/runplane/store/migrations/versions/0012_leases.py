"""Leases: an expiring claim a background loop of `serve` takes before each pass, so the SLA
watch, the notification sender, the bulk runner and the capture sweep run in one `serve`
process at a time when several share the database.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
