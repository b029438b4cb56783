"""The sample feed's one table; its migration `sample_feed_0001` creates exactly this."""

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

metadata = MetaData()

readings = Table(
    "sample_feed_readings",
    metadata,
    Column("capture_id", String(40), primary_key=True),
    Column("day", Date, nullable=False),
    Column("reading", Integer, primary_key=True, autoincrement=False),
    Column("value", Integer, nullable=False),
)
"""The readings of one day, under the capture of the run that loaded them."""
