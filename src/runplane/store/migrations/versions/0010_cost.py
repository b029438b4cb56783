"""Cost attribution: each execution's CPU seconds, memory GB-seconds, peak RSS and cost (with
the currency and the version of the rates that priced it), recorded when it ends; CPU
seconds of the process tree in every resource sample; cost and CPU sums in the hourly
counts, which also gain each hour's rows per pipeline (all triggers) and per trigger (all
pipelines), built here from the rows already counted.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in (
        sa.Column("cpu_seconds", sa.Float),
        sa.Column("gb_seconds", sa.Float),
        sa.Column("peak_rss_bytes", sa.BigInteger),
        sa.Column("cost_amount", sa.Float),
        sa.Column("cost_currency", sa.String(3)),
        sa.Column("cost_rates_version", sa.String(64)),
    ):
        op.add_column("executions", column)  # ADD COLUMN on both: no table is rebuilt
    op.add_column("resource_samples", sa.Column("cpu_seconds", sa.Float))
    for name in ("cost", "cpu_seconds"):
        op.add_column(
            "execution_counts",
            sa.Column(name, sa.Float, nullable=False, server_default=sa.text("0")),
        )
    into = "INSERT INTO execution_counts (hour, pipeline, trigger, status, n) "
    detailed = "FROM execution_counts WHERE pipeline <> '*' AND trigger <> '*'"
    op.execute(f"{into} SELECT hour, pipeline, '*', status, sum(n) {detailed} "
               "GROUP BY hour, pipeline, status")  # fmt: skip
    op.execute(f"{into} SELECT hour, '*', trigger, status, sum(n) {detailed} "
               "GROUP BY hour, trigger, status")  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM execution_counts WHERE (pipeline = '*') <> (trigger = '*')")
    with op.batch_alter_table("execution_counts") as batch:
        batch.drop_column("cpu_seconds")
        batch.drop_column("cost")
    with op.batch_alter_table("resource_samples") as batch:
        batch.drop_column("cpu_seconds")
    with op.batch_alter_table("executions") as batch:
        for name in (
            "cost_rates_version", "cost_currency", "cost_amount", "peak_rss_bytes",
            "gb_seconds", "cpu_seconds",
        ):  # fmt: skip
            batch.drop_column(name)
