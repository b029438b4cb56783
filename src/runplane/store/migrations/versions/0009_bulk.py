"""Bulk retry and cancel: frozen previews, recorded operations and their items, the lasting
marker that lets an execution be retried by one bulk operation ever, and `bulk_id` on the
executions a bulk operation created or cancelled.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = 36


def upgrade() -> None:
    op.add_column("executions", sa.Column("bulk_id", sa.String(ID)))
    pending = sa.text("bulk_id IS NOT NULL")
    op.create_index(
        "ix_executions_bulk",
        "executions",
        ["bulk_id", "status"],
        sqlite_where=pending,
        postgresql_where=pending,
    )
    op.create_table(
        "bulk_previews",
        sa.Column("preview_id", sa.String(ID), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("filter", json_type(), nullable=False),
        sa.Column("matched", sa.Integer, nullable=False),
        sa.Column("selected", json_type(), nullable=False),
        sa.Column("skipped", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "bulk_operations",
        sa.Column("bulk_id", sa.String(ID), primary_key=True),
        sa.Column("preview_id", sa.String(ID), nullable=False, unique=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("origin", json_type(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filter", json_type(), nullable=False),
        sa.Column("matched", sa.Integer, nullable=False),
        sa.Column("selected", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
        sa.Column("cancelled_by", sa.String(200)),
    )
    op.create_index("ix_bulk_operations_state", "bulk_operations", ["state", "created_at"])
    op.create_table(
        "bulk_items",
        sa.Column("bulk_id", sa.String(ID), primary_key=True),
        sa.Column("execution_id", sa.String(ID), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32)),
        sa.Column("message", sa.String(500)),
        sa.Column("result_id", sa.String(ID)),
        sa.Column("updated_at", UTCDateTime),
    )
    op.create_index("ix_bulk_items_state", "bulk_items", ["bulk_id", "state", "seq"])
    op.create_table(
        "bulk_retried",
        sa.Column("execution_id", sa.String(ID), primary_key=True),
        sa.Column("bulk_id", sa.String(ID), nullable=False),
        sa.Column("retry_id", sa.String(ID), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bulk_retried")
    op.drop_table("bulk_items")
    op.drop_table("bulk_operations")
    op.drop_table("bulk_previews")
    op.drop_index("ix_executions_bulk", "executions")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("bulk_id")
