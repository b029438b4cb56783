"""FINRA's week date rule and its schedule template `{{ last_week_ending }}`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from runplane.domains.finra_otc.weeks import last_week_ending
from runplane.engine.scheduling.param_templates import (
    check_templates,
    known_templates,
    render_params,
)
from runplane.pipelines import Registry


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


def test_the_template_fills_in_beside_the_core_ones() -> None:
    params = {
        "week_ending": "{{ last_week_ending }}",
        "source": "otc/{{yesterday}}..{{ today }}.psv",
        "tiers": ["{{ today }}", "OTC"],
        "force": True,
    }
    assert render_params(params, date(2025, 12, 31), known_templates(Registry())) == {
        "week_ending": "2025-12-22",
        "source": "otc/2025-12-30..2025-12-31.psv",
        "tiers": ["2025-12-31", "OTC"],
        "force": True,
    }


def test_a_misspelt_template_suggests_it_and_lists_every_known_one() -> None:
    """As installed: the core's templates and FINRA's (a fresh registry loads no others)."""
    errors = check_templates(
        {"week_ending": "{{ last_weak_ending }}", "tiers": ["OTC", "{{ tomorrow }}"]},
        known_templates(Registry()),
    )
    assert "did you mean {{ last_week_ending }}?" in errors["week_ending"]
    assert errors["tiers"] == (
        "unknown template {{ tomorrow }}; known: "
        "{{ last_week_ending }}, {{ today }}, {{ yesterday }}"
    )


def test_the_week_asked_for_matches_a_published_finra_file(finra_dir: Path) -> None:
    """A Wednesday run asks for the week whose file has that lastUpdateDate."""
    week = last_week_ending(date(2025, 12, 31))
    [path] = finra_dir.glob(f"*{week:%Y%m%d}*")
    second = path.read_text().splitlines()[1]
    assert second.rsplit("|", 1)[1].strip() == week.isoformat()
