"""Several machines: the queue an execution is routed to and when it was last handed to the
broker (so `serve` re-sends what a broker lost, and several `serve` processes send it once);
a worker's name, the queues it serves and how many executions it runs now.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("queue", sa.String(64)))
    op.add_column("executions", sa.Column("dispatched_at", UTCDateTime))
    op.add_column("workers", sa.Column("name", sa.String(200)))
    op.add_column("workers", sa.Column("queues", json_type()))
    op.add_column("workers", sa.Column("busy", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        for name in ("busy", "queues", "name"):
            batch.drop_column(name)
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("dispatched_at")
        batch.drop_column("queue")
