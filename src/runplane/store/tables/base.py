"""What every table module shares: the one `MetaData` and the widths of common keys."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()

ID = 36  # a UUID in its text form
SCHEDULE = 100
"""A schedule's name (`model/schedule.py` NAME)."""
USER = 64
"""A user's or token's name."""
