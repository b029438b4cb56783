"""The sample feed's readings. The base of the domain's branch.

Revision ID: sample_feed_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "sample_feed_0001"
down_revision = None
branch_labels = ("sample_feed",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sample_feed_readings",
        sa.Column("capture_id", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("reading", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sample_feed_readings")
