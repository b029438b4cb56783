"""Parameter templates of schedules: `{{ name }}` in a string value, filled in per instant.

    day = "{{ yesterday }}"                     # -> "2025-12-30" for an instant on 2025-12-31
    source = "sales/{{ today }}.csv"            # -> "sales/2025-12-31.csv"

The core fills in `{{ today }}` and `{{ yesterday }}`; each data domain adds its own (its
`schedule_templates`). Dates are ISO `YYYY-MM-DD`, on the schedule's wall clock at the
scheduled instant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from runplane.pipelines import Registry
from runplane.plugins import ScheduleTemplate

TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
Templates = Mapping[str, ScheduleTemplate]

CORE: Templates = {
    "today": lambda day: day,
    "yesterday": lambda day: day - timedelta(days=1),
}


def known_templates(registry: Registry) -> dict[str, ScheduleTemplate]:
    """The core's templates and every loaded domain's, by name in alphabetical order.

    Raises `ValueError` when a domain defines a name the core or another domain has.
    """
    known = dict(CORE)
    owner = dict.fromkeys(CORE, "the core")
    for domain in registry.domains():
        for name, function in domain.schedule_templates.items():
            if name in known:
                raise ValueError(
                    f"the domain {domain.name} defines the schedule template {{{{ {name} }}}}, "
                    f"which {owner[name]} defines already"
                )
            known[name], owner[name] = function, f"the domain {domain.name}"
    return {name: known[name] for name in sorted(known)}


def check_templates(params: dict[str, Any], templates: Templates) -> dict[str, str]:
    """Problems with the templates in `params`, by parameter name; empty when all are known."""
    errors: dict[str, str] = {}
    for key, value in params.items():
        problem = _problem(value, templates)
        if problem is not None:
            errors[key] = problem
    return errors


def has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, list):
        return any(has_template(item) for item in value)
    return False


def render_params(params: dict[str, Any], day: date, templates: Templates) -> dict[str, Any]:
    """`params` with every template replaced by its value on `day`."""
    values = {name: function(day).isoformat() for name, function in templates.items()}
    return {key: _render(value, values) for key, value in params.items()}


def _render(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return TEMPLATE.sub(lambda match: values[match.group(1).strip()], value)
    if isinstance(value, list):
        return [_render(item, values) for item in value]
    return value


def _problem(value: Any, templates: Templates) -> str | None:
    if isinstance(value, list):
        problems = (_problem(item, templates) for item in value)
        return next((p for p in problems if p is not None), None)
    if not isinstance(value, str):
        return None
    known = ", ".join("{{ " + name + " }}" for name in templates)
    for match in TEMPLATE.finditer(value):
        name = match.group(1).strip()
        if name not in templates:
            close = difflib.get_close_matches(name, list(templates), n=1, cutoff=0.6)
            hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else ""
            return f"unknown template {match.group(0)[:60]}{hint}; known: {known}"
    if "{{" in TEMPLATE.sub("", value) or "}}" in TEMPLATE.sub("", value):
        return f"unclosed template in {value[:60]!r}; write it as {{{{ name }}}} ({known})"
    return None
