"""The domain's Alembic branch `finra_otc`: one revision per file, `finra_otc_NNNN`."""
