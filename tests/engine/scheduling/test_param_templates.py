"""Parameter templates: the FINRA week a date asks for, filling in, and unknown names."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from runplane.engine.scheduling.param_templates import (
    check_templates,
    last_week_ending,
    render_params,
)


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2025, 12, 31), date(2025, 12, 22)),  # a Wednesday, as in the issue
        (date(2025, 12, 29), date(2025, 12, 22)),  # a Monday: the week before, not its own
        (date(2025, 12, 28), date(2025, 12, 15)),  # a Sunday still belongs to 22-28 Dec
        (date(2026, 1, 1), date(2025, 12, 22)),  # New Year's Day, across the year
        (date(2026, 1, 4), date(2025, 12, 22)),  # the Sunday after New Year
        (date(2026, 1, 5), date(2025, 12, 29)),  # the Monday after: the week of New Year
    ],
)
def test_last_week_ending_is_the_monday_of_the_previous_week(day: date, week: date) -> None:
    assert last_week_ending(day) == week


def test_last_week_ending_is_always_a_monday_seven_to_thirteen_days_back() -> None:
    day = date(2024, 1, 1)
    while day < date(2027, 1, 1):
        week = last_week_ending(day)
        assert week.weekday() == 0, day
        assert 7 <= (day - week).days <= 13, day
        day += timedelta(days=1)


def test_render_fills_in_every_template_and_keeps_other_values() -> None:
    params = {
        "week_ending": "{{ last_week_ending }}",
        "source": "otc/{{yesterday}}..{{ today }}.psv",
        "tiers": ["{{ today }}", "OTC"],
        "force": True,
        "weeks": 3,
    }
    assert render_params(params, date(2025, 12, 31)) == {
        "week_ending": "2025-12-22",
        "source": "otc/2025-12-30..2025-12-31.psv",
        "tiers": ["2025-12-31", "OTC"],
        "force": True,
        "weeks": 3,
    }


def test_unknown_and_unclosed_templates_are_named_by_parameter() -> None:
    errors = check_templates(
        {
            "week_ending": "{{ last_weak_ending }}",
            "source": "{{ today",
            "tiers": ["OTC", "{{ tomorrow }}"],
            "fine": "{{ today }}",
            "count": 3,
        }
    )
    assert set(errors) == {"week_ending", "source", "tiers"}
    assert "unknown template {{ last_weak_ending }}" in errors["week_ending"]
    assert "did you mean {{ last_week_ending }}?" in errors["week_ending"]
    assert "unclosed template" in errors["source"]
    assert "unknown template {{ tomorrow }}" in errors["tiers"]
    assert "{{ last_week_ending }}, {{ today }}, {{ yesterday }}" in errors["tiers"]
