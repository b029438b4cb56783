"""Value types the API's bodies share: instants as ISO-8601 UTC text, storable parameters
(bounded: a parameter set is a few short values, never a payload)."""

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


MAX_TEXT = 10_000
"""Characters in one text value (a pipeline's own field may bound it tighter)."""
MAX_NAME = 200
MAX_ITEMS = 1_000
"""Values in one parameter set, nested ones included."""
MAX_DEPTH = 8


def _storable(value: Any) -> Any:
    """Refuse what no database column can hold (NUL characters, non-finite numbers) and what
    no parameter set needs (long texts, thousands of values, deep nesting)."""
    count = 0

    def check(item: Any, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS:,} values in all")
        if depth > MAX_DEPTH:
            raise ValueError(f"nested at most {MAX_DEPTH} deep")
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("text must not contain NUL characters")
            if len(item) > MAX_TEXT:
                raise ValueError(f"a text value is at most {MAX_TEXT:,} characters")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers must be finite")
        if isinstance(item, dict):
            for key, nested in item.items():
                if len(key) > MAX_NAME:
                    raise ValueError(f"a name is at most {MAX_NAME} characters")
                check(key, depth + 1)
                check(nested, depth + 1)
        if isinstance(item, list):
            for nested in item:
                check(nested, depth + 1)

    check(value, 0)
    return value


Params = Annotated[dict[str, Any], AfterValidator(_storable)]
