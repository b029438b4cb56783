"""The JSON API under `/v1`, plus `/health` and `/metrics`: thin routes over engine and store."""
