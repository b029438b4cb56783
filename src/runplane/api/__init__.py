"""The JSON API under `/v1`, plus `/health` and `/metrics`: thin routes over the engine and
the read models in `views/`."""
