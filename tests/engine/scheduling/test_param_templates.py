"""Parameter templates: the core's dates, filling in, unknown names, and the domains' own."""

from __future__ import annotations

from datetime import date

import pytest

from runplane.engine.scheduling.param_templates import (
    CORE,
    check_templates,
    known_templates,
    render_params,
)
from runplane.pipelines import Registry
from runplane.plugins import Domain


def test_render_fills_in_every_template_and_keeps_other_values() -> None:
    params = {
        "source": "sales/{{yesterday}}..{{ today }}.csv",
        "days": ["{{ today }}", "2025-01-01"],
        "force": True,
        "weeks": 3,
    }
    assert render_params(params, date(2025, 12, 31), CORE) == {
        "source": "sales/2025-12-30..2025-12-31.csv",
        "days": ["2025-12-31", "2025-01-01"],
        "force": True,
        "weeks": 3,
    }


def test_unknown_and_unclosed_templates_are_named_by_parameter() -> None:
    errors = check_templates(
        {
            "day": "{{ yesterdy }}",
            "source": "{{ today",
            "days": ["2025-01-01", "{{ tomorrow }}"],
            "fine": "{{ today }}",
            "count": 3,
        },
        CORE,
    )
    assert set(errors) == {"day", "source", "days"}
    assert "unknown template {{ yesterdy }} (did you mean {{ yesterday }}?)" in errors["day"]
    assert "unclosed template" in errors["source"]
    assert errors["days"].endswith(
        "unknown template {{ tomorrow }}; known: {{ today }}, {{ yesterday }}"
    )


def test_a_domain_adds_its_templates_in_alphabetical_order() -> None:
    registry = Registry()
    registry.load()
    known = known_templates(registry)
    assert list(known) == sorted(known)
    assert set(CORE) <= set(known)


def test_a_domain_may_not_take_a_name_already_defined(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry()
    clash = Domain(name="clash", schedule_templates={"today": lambda day: day})
    monkeypatch.setattr(registry, "domains", lambda: [clash])
    with pytest.raises(ValueError, match=r"clash defines the schedule template \{\{ today \}\}"):
        known_templates(registry)
