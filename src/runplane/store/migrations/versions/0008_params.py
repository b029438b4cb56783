"""Parameter filters: each execution's parameters in their canonical text, newest first
per `(name, value)` (filled in here from the executions already stored), and on
PostgreSQL a GIN index on the parameters for `params @> '{"day": "2025-12-22"}'`.

Revision ID: 0008
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from runplane.model.param_filters import indexed
from runplane.store.types import UTCDateTime, json_type

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = 36
BATCH = 10_000


def upgrade() -> None:
    op.create_table(
        "execution_params",
        sa.Column("execution_id", sa.String(ID), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_execution_params_lookup",
        "execution_params",
        ["name", "value", "created_at", "execution_id"],
    )
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_executions_params",
            "executions",
            ["params"],
            postgresql_using="gin",
            postgresql_ops={"params": "jsonb_path_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_executions_params", table_name="executions")
    op.drop_index("ix_execution_params_lookup", table_name="execution_params")
    op.drop_table("execution_params")


def _backfill() -> None:
    """Index the parameters of every execution already stored, in batches by id."""
    conn = op.get_bind()
    executions = sa.table(
        "executions",
        sa.column("execution_id", sa.String(ID)),
        sa.column("params", json_type()),
        sa.column("created_at", UTCDateTime()),
    )
    side = sa.table(
        "execution_params",
        sa.column("execution_id", sa.String(ID)),
        sa.column("name", sa.String(64)),
        sa.column("value", sa.String(200)),
        sa.column("created_at", UTCDateTime()),
    )
    after = ""
    while True:
        rows = conn.execute(
            sa.select(executions.c.execution_id, executions.c.params, executions.c.created_at)
            .where(executions.c.execution_id > after)
            .order_by(executions.c.execution_id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values: list[dict[str, Any]] = [
            {"execution_id": row[0], "name": name, "value": text, "created_at": row[2]}
            for row in rows
            for name, text in indexed(row[1] or {})
        ]
        if values:
            conn.execute(sa.insert(side), values)
        after = rows[-1][0]
