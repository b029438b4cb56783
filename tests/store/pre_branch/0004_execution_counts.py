"""Finished executions per hour of creation, pipeline, trigger and end status (and each
hour's totals, pipeline and trigger `*`), counted from the executions already stored, so
the filter bar sums hours instead of counting rows. The error-fingerprint index gains the
status, so counting failures like one never reads the rows themselves.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from runplane.store.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "execution_counts",
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("pipeline", sa.String(200), primary_key=True),
        sa.Column("trigger", sa.String(16), primary_key=True),
        sa.Column("hour", UTCDateTime, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        hour = "substr(created_at, 1, 13) || ':00:00.000000'"
    else:
        hour = "timezone('UTC', date_trunc('hour', timezone('UTC', created_at)))"
    into = "INSERT INTO execution_counts (hour, pipeline, trigger, status, n) "
    op.execute(
        f"{into} SELECT {hour}, pipeline, trigger, status, count(*) FROM executions "
        f"GROUP BY {hour}, pipeline, trigger, status"
    )
    op.execute(  # each hour's totals over all pipelines and triggers
        f"{into} SELECT {hour}, '*', '*', status, count(*) FROM executions GROUP BY {hour}, status"
    )

    op.drop_index("ix_executions_fingerprint", table_name="executions")
    _fingerprint_index(
        "ix_executions_fingerprint_status", "error_fingerprint", "status", "created_at"
    )


def downgrade() -> None:
    op.drop_index("ix_executions_fingerprint_status", table_name="executions")
    _fingerprint_index("ix_executions_fingerprint", "error_fingerprint", "created_at")
    op.drop_table("execution_counts")


def _fingerprint_index(name: str, *columns: str) -> None:
    partial = sa.text("error_fingerprint IS NOT NULL")
    op.create_index(
        name, "executions", list(columns), sqlite_where=partial, postgresql_where=partial
    )
