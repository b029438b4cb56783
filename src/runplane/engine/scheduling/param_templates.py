"""Parameter templates of schedules: `{{ name }}` in a string value, filled in per instant.

    week_ending = "{{ last_week_ending }}"      # -> "2025-12-22" for an instant on 2025-12-31
    source = "finra/{{ yesterday }}.psv"        # -> "finra/2025-12-30.psv"

Dates are ISO `YYYY-MM-DD`, on the schedule's wall clock at the scheduled instant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

TEMPLATE = re.compile(r"\{\{(.*?)\}\}")


def last_week_ending(day: date) -> date:
    """The Monday of the week before `day`'s week: FINRA's week date (its lastUpdateDate)
    of the latest week it can have published. On 2025-12-31 it is 2025-12-22."""
    return day - timedelta(days=day.weekday() + 7)


NAMES: dict[str, Callable[[date], date]] = {
    "last_week_ending": last_week_ending,
    "today": lambda day: day,
    "yesterday": lambda day: day - timedelta(days=1),
}
KNOWN = ", ".join("{{ " + name + " }}" for name in NAMES)


def check_templates(params: dict[str, Any]) -> dict[str, str]:
    """Problems with the templates in `params`, by parameter name; empty when all are known."""
    errors: dict[str, str] = {}
    for key, value in params.items():
        problem = _problem(value)
        if problem is not None:
            errors[key] = problem
    return errors


def has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, list):
        return any(has_template(item) for item in value)
    return False


def render_params(params: dict[str, Any], day: date) -> dict[str, Any]:
    """`params` with every template replaced by its value on `day`."""
    values = {name: function(day).isoformat() for name, function in NAMES.items()}
    return {key: _render(value, values) for key, value in params.items()}


def _render(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return TEMPLATE.sub(lambda match: values[match.group(1).strip()], value)
    if isinstance(value, list):
        return [_render(item, values) for item in value]
    return value


def _problem(value: Any) -> str | None:
    if isinstance(value, list):
        return next((p for p in map(_problem, value) if p is not None), None)
    if not isinstance(value, str):
        return None
    for match in TEMPLATE.finditer(value):
        name = match.group(1).strip()
        if name not in NAMES:
            close = difflib.get_close_matches(name, list(NAMES), n=1, cutoff=0.6)
            hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else ""
            return f"unknown template {match.group(0)[:60]}{hint}; known: {KNOWN}"
    if "{{" in TEMPLATE.sub("", value) or "}}" in TEMPLATE.sub("", value):
        return f"unclosed template in {value[:60]!r}; write it as {{{{ name }}}} ({KNOWN})"
    return None
