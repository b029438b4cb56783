"""Request and response bodies of the JSON API, as pydantic models, one module per router.

They exist so the published OpenAPI document describes every response; the execution
shape itself comes from `model/json.py`, which the CLI's `--json` output shares.
"""
