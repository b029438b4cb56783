"""Value types the API's bodies share: instants as ISO-8601 UTC text, storable parameters."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, Field

Instant = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="ISO-8601 UTC, e.g. 2025-12-22T08:10:15.123456Z",
    ),
]


def _storable(value: Any) -> Any:
    """Refuse what no database column can hold: NUL characters and non-finite numbers."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    if isinstance(value, list):
        for item in value:
            _storable(item)
    return value


Params = Annotated[dict[str, Any], AfterValidator(_storable)]
