"""The FINRA OTC domain's tables. Migration `0002_finra_otc` creates exactly these.

Every row carries the `capture_id` of the run that wrote it; readers join the core
`captures` table and see a capture only once it is published.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

CAPTURE = 40  # `cap_YYYYMMDD_HHMMSS_xxxxxx`
SYMBOL = 20
MPID = 8
TIER = 16
NAME = 300

captures = Table(
    "finra_otc_captures",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("stage", String(16), nullable=False),
    Column("tier", String(TIER), nullable=False),
    Column("week_ending", Date, nullable=False),
    Column("source_capture_id", String(CAPTURE)),
    Column("rows", BigInteger, nullable=False),
    Column("rows_rejected", BigInteger, nullable=False),
    Column("symbols", Integer),
    Column("symbols_added", Integer),
    Column("total_shares", BigInteger),
    Column("top_symbol", String(SYMBOL)),
    Column("top_shares", BigInteger),
    Column("weeks_used", Integer),
    Index("ix_finra_otc_captures_week", "tier", "stage", "week_ending"),
)
"""One row per capture: which stage, week and tier it holds, and its headline figures."""

raw_rows = Table(
    "finra_otc_raw_rows",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("tier_description", Text),
    Column("symbol", Text),
    Column("issue_name", Text),
    Column("participant_name", Text),
    Column("mpid", Text),
    Column("share_quantity", Text),
    Column("trade_count", Text),
    Column("last_update_date", Text),
    Column("fields", Integer),
    sqlite_with_rowid=False,
)
"""Ingested lines as FINRA wrote them; `fields` is set only when a line had the wrong count.

Stored in key order without a separate rowid on SQLite: one b-tree insert per line."""

weekly_rows = Table(
    "finra_otc_weekly_rows",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("tier", String(TIER), nullable=False),
    Column("week_ending", Date, nullable=False),
    Column("symbol", String(SYMBOL), nullable=False),
    Column("issue_name", String(NAME), nullable=False),
    Column("mpid", String(MPID), nullable=False),
    Column("participant_name", String(NAME), nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("trades", BigInteger, nullable=False),
)
"""Validated rows: one symbol at one venue (MPID) for the week."""

rejected_rows = Table(
    "finra_otc_rejected_rows",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("reason", String(NAME), nullable=False),
    Column("content", Text, nullable=False),
)

symbol_weeks = Table(
    "finra_otc_symbol_weeks",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("symbol", String(SYMBOL), primary_key=True),
    Column("tier", String(TIER), nullable=False),
    Column("week_ending", Date, nullable=False),
    Column("issue_name", String(NAME), nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("trades", BigInteger, nullable=False),
    Column("venues", Integer, nullable=False),
    Column("hhi", Float, nullable=False),
    Column("rank", Integer, nullable=False),
    Index("ix_finra_otc_symbol_weeks_rank", "capture_id", "rank"),
    Index("ix_finra_otc_symbol_weeks_symbol", "symbol", "tier"),
)
"""Per-symbol weekly totals, venue concentration (HHI, 0..1) and rank by volume."""

venue_shares = Table(
    "finra_otc_venue_shares",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("symbol", String(SYMBOL), primary_key=True),
    Column("mpid", String(MPID), primary_key=True),
    Column("participant_name", String(NAME), nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("trades", BigInteger, nullable=False),
    Column("share", Float, nullable=False),
)
"""Each venue's part of a symbol's weekly volume (`share` between 0 and 1)."""

rolling = Table(
    "finra_otc_rolling",
    metadata,
    Column("capture_id", String(CAPTURE), primary_key=True),
    Column("symbol", String(SYMBOL), primary_key=True),
    Column("tier", String(TIER), nullable=False),
    Column("week_ending", Date, nullable=False),
    Column("weeks_used", Integer, nullable=False),
    Column("average_shares", Float, nullable=False),
    Column("previous_shares", BigInteger),
    Column("change", Float),
    Index("ix_finra_otc_rolling_symbol", "symbol", "tier"),
)
"""Rolling average volume over up to 6 weeks, and the change from the week before."""

CAPTURE_TABLES = (
    raw_rows,
    weekly_rows,
    rejected_rows,
    symbol_weeks,
    venue_shares,
    rolling,
    captures,
)
"""Every table keyed by `capture_id`, for the housekeeping of unpublished captures."""

RAW_FIELDS = (
    "tier_description",
    "symbol",
    "issue_name",
    "participant_name",
    "mpid",
    "share_quantity",
    "trade_count",
    "last_update_date",
)
"""The columns of `raw_rows` that hold a line's fields, in the file's order."""
