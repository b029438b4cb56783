"""FINRA OTC transparency tables: captures catalogue, raw and validated rows, rejects,
weekly symbol totals, venue shares and rolling figures. The base of the domain's branch.

Revision ID: finra_otc_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "finra_otc_0001"
down_revision = None
branch_labels = ("finra_otc",)
depends_on = None
replaces = "0002"
"""Core revision 0002 made these tables until they had a branch of their own: a database
that went through it has them, and `store.schema` records this revision there instead of
running it."""

CAPTURE = 40
SYMBOL = 20
MPID = 8
TIER = 16
NAME = 300


def upgrade() -> None:
    op.create_table(
        "finra_otc_captures",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("tier", sa.String(TIER), nullable=False),
        sa.Column("week_ending", sa.Date, nullable=False),
        sa.Column("source_capture_id", sa.String(CAPTURE)),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("rows_rejected", sa.BigInteger, nullable=False),
        sa.Column("symbols", sa.Integer),
        sa.Column("symbols_added", sa.Integer),
        sa.Column("total_shares", sa.BigInteger),
        sa.Column("top_symbol", sa.String(SYMBOL)),
        sa.Column("top_shares", sa.BigInteger),
        sa.Column("weeks_used", sa.Integer),
    )
    op.create_index(
        "ix_finra_otc_captures_week", "finra_otc_captures", ["tier", "stage", "week_ending"]
    )

    op.create_table(
        "finra_otc_raw_rows",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tier_description", sa.Text),
        sa.Column("symbol", sa.Text),
        sa.Column("issue_name", sa.Text),
        sa.Column("participant_name", sa.Text),
        sa.Column("mpid", sa.Text),
        sa.Column("share_quantity", sa.Text),
        sa.Column("trade_count", sa.Text),
        sa.Column("last_update_date", sa.Text),
        sa.Column("fields", sa.Integer),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "finra_otc_weekly_rows",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tier", sa.String(TIER), nullable=False),
        sa.Column("week_ending", sa.Date, nullable=False),
        sa.Column("symbol", sa.String(SYMBOL), nullable=False),
        sa.Column("issue_name", sa.String(NAME), nullable=False),
        sa.Column("mpid", sa.String(MPID), nullable=False),
        sa.Column("participant_name", sa.String(NAME), nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("trades", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "finra_otc_rejected_rows",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reason", sa.String(NAME), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )

    op.create_table(
        "finra_otc_symbol_weeks",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("symbol", sa.String(SYMBOL), primary_key=True),
        sa.Column("tier", sa.String(TIER), nullable=False),
        sa.Column("week_ending", sa.Date, nullable=False),
        sa.Column("issue_name", sa.String(NAME), nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("trades", sa.BigInteger, nullable=False),
        sa.Column("venues", sa.Integer, nullable=False),
        sa.Column("hhi", sa.Float, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_finra_otc_symbol_weeks_rank", "finra_otc_symbol_weeks", ["capture_id", "rank"]
    )
    op.create_index(
        "ix_finra_otc_symbol_weeks_symbol", "finra_otc_symbol_weeks", ["symbol", "tier"]
    )

    op.create_table(
        "finra_otc_venue_shares",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("symbol", sa.String(SYMBOL), primary_key=True),
        sa.Column("mpid", sa.String(MPID), primary_key=True),
        sa.Column("participant_name", sa.String(NAME), nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("trades", sa.BigInteger, nullable=False),
        sa.Column("share", sa.Float, nullable=False),
    )

    op.create_table(
        "finra_otc_rolling",
        sa.Column("capture_id", sa.String(CAPTURE), primary_key=True),
        sa.Column("symbol", sa.String(SYMBOL), primary_key=True),
        sa.Column("tier", sa.String(TIER), nullable=False),
        sa.Column("week_ending", sa.Date, nullable=False),
        sa.Column("weeks_used", sa.Integer, nullable=False),
        sa.Column("average_shares", sa.Float, nullable=False),
        sa.Column("previous_shares", sa.BigInteger),
        sa.Column("change", sa.Float),
    )
    op.create_index("ix_finra_otc_rolling_symbol", "finra_otc_rolling", ["symbol", "tier"])


def downgrade() -> None:
    for table in (
        "finra_otc_rolling",
        "finra_otc_venue_shares",
        "finra_otc_symbol_weeks",
        "finra_otc_rejected_rows",
        "finra_otc_weekly_rows",
        "finra_otc_raw_rows",
        "finra_otc_captures",
    ):
        op.drop_table(table)
