"""The sample feed's Alembic branch `sample_feed`."""
