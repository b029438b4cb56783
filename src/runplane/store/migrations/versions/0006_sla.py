"""SLA breach indicators: each execution's standing against its SLA (`sla_state`, indexed
only where set, and the `sla` it was given), a schedule's own SLA, and the scheduled
instants that missed theirs with nothing run.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime, json_type

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = 36
SCHEDULE = 100


def upgrade() -> None:
    op.add_column("executions", sa.Column("sla_state", sa.String(16)))
    op.add_column("executions", sa.Column("sla", json_type()))
    flagged = sa.text("sla_state IS NOT NULL")
    op.create_index(
        "ix_executions_sla_state",
        "executions",
        ["sla_state", "created_at", "execution_id"],
        sqlite_where=flagged,
        postgresql_where=flagged,
    )
    op.add_column("schedules", sa.Column("sla", json_type()))
    op.create_table(
        "sla_misses",
        sa.Column("schedule", sa.String(SCHEDULE), primary_key=True),
        sa.Column("scheduled_for", UTCDateTime, primary_key=True),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("deadline", UTCDateTime, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("execution_id", sa.String(ID)),
        sa.Column("reason", sa.String(16), nullable=False),
    )
    op.create_index("ix_sla_misses_pipeline", "sla_misses", ["pipeline", "deadline"])
    op.create_index("ix_sla_misses_deadline", "sla_misses", ["deadline"])


def downgrade() -> None:
    op.drop_table("sla_misses")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("sla")
    op.drop_index("ix_executions_sla_state", "executions")
    with op.batch_alter_table("executions") as batch:
        batch.drop_column("sla")
        batch.drop_column("sla_state")
