"""Identifiers: execution ids (UUIDs) and capture ids (`cap_YYYYMMDD_HHMMSS_xxxxxx`)."""

import secrets
import uuid
from datetime import datetime


def new_execution_id() -> str:
    return str(uuid.uuid4())


def new_capture_id(at: datetime) -> str:
    """E.g. `cap_20251222_081015_a1b2c3`: the UTC creation time plus six random hex digits."""
    return f"cap_{at:%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"
