"""Parameter filters of the executions list (`param.day=2025-12-22`) and the one
canonical text a parameter value is indexed and compared by, on every backend.

A value's canonical text: a string is itself (dates are their ISO text); a number is its
plain decimal form, integral ones without a fraction (5, 5.0 and 5e0 are all `5`; 2.5 is
`2.5`); a boolean is `true` or `false`. Null, lists and objects, and texts longer than
`MAX_VALUE`, are not indexed and match no filter.

A filter value is text from a URL or a command line. It matches a parameter whose
canonical text equals it; when it is also a JSON number (`5`, `5.0`, `-1e3`; JSON has no
leading zeros, so `05` is text only), a parameter numerically equal to it matches too:
`param.n=5` and `param.n=5.0` both match 5 and 5.0, `param.n=05` matches only the text
"05". `true`/`false` match the booleans and those strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_VALUE = 200
"""The longest canonical text indexed, and the longest filter value accepted."""
MAX_NAME = 64
MAX_FILTERS = 10
"""Parameter filters one list may combine (a name repeated counts once per value)."""
MAX_SEARCH = 200
"""The longest free-text search accepted."""
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""A parameter name as pipelines declare it (a Python identifier)."""
NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
"""A JSON number literal."""
PREFIX = "param."
"""Query parameters starting with this are parameter filters: `param.NAME=VALUE`."""


def canonical(value: Any) -> str | None:
    """The text `value` is indexed by, or None when it is not indexed (see the module)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    return text if len(text) <= MAX_VALUE else None


def indexed(params: dict[str, Any]) -> list[tuple[str, str]]:
    """The `(name, canonical text)` pairs a parameter set is indexed by."""
    pairs = []
    for name, value in params.items():
        text = canonical(value)
        if text is not None and len(name) <= MAX_NAME:
            pairs.append((name, text))
    return pairs


def number(text: str) -> int | float | None:
    """The number a filter value spells as JSON, or None when it is not a finite number."""
    if not NUMBER.match(text):
        return None
    if "." not in text and "e" not in text.lower():
        return int(text)
    parsed = float(text)
    return None if parsed in (float("inf"), float("-inf")) else parsed


@dataclass(frozen=True)
class ParamMatch:
    """One parameter's filter: it equals any of `values` (a name repeated is an OR)."""

    name: str
    values: tuple[str, ...]

    def texts(self) -> tuple[str, ...]:
        """The canonical texts that match: each value as written, and as a number if it is one."""
        found: list[str] = []
        for value in self.values:
            numeric = number(value)
            for text in (value, None if numeric is None else canonical(numeric)):
                if text is not None and text not in found:
                    found.append(text)
        return tuple(found)

    def json_values(self) -> tuple[Any, ...]:
        """The JSON values that match (strings, and the numbers and booleans spelt), for a
        containment test on the parameters themselves."""
        found: list[Any] = list(self.texts())
        for value in self.values:
            numeric = number(value)
            if numeric is not None:
                found.append(numeric)
            elif value in ("true", "false"):
                found.append(value == "true")
        return tuple(found)
