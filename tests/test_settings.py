"""Settings from RUNPLANE_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from runplane.settings import Settings
from runplane.tiers import Tier


def test_environment_variables_configure_runplane(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNPLANE_TIER", "basic")
    monkeypatch.setenv("RUNPLANE_MAX_WORKERS", "3")
    monkeypatch.setenv("RUNPLANE_PIPELINE_MODULES", "team.pipes, other.pipes")
    monkeypatch.setenv("RUNPLANE_HOME", str(tmp_path))
    settings = Settings()
    assert settings.tier is Tier.BASIC
    assert settings.max_workers == 3
    assert settings.pipeline_modules == ["team.pipes", "other.pipes"]
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'runplane.db'}"


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNPLANE_TIER", "gold")
    with pytest.raises(ValidationError, match="tier"):
        Settings()


def test_pipelines_priced_differently_are_read_in_either_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RUNPLANE_COST_CPU_HOUR", "0.08")
    monkeypatch.setenv("RUNPLANE_COST_RATES", "team.heavy=0.12:0.02, team.light=0:0")
    settings = Settings()
    card = settings.rate_card
    assert card.for_pipeline("team.heavy").cpu_hour == 0.12
    assert card.for_pipeline("team.heavy").gb_hour == 0.02
    assert card.for_pipeline("team.other") == card.default
    assert card.default.cpu_hour == 0.08
    monkeypatch.setenv("RUNPLANE_COST_RATES", '{"team.heavy": [0.12, 0.02]}')
    assert Settings().cost_rates == {"team.heavy": (0.12, 0.02)}


@pytest.mark.parametrize("value", ["team.heavy=0.1", "team.heavy=a:b", "=1:2", "x=-1:0", "{1"])
def test_a_malformed_rate_says_the_form_it_needs(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RUNPLANE_COST_RATES", value)
    with pytest.raises(ValidationError, match="cost_rates"):
        Settings()


def test_a_currency_is_a_three_letter_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNPLANE_COST_CURRENCY", "dollars")
    with pytest.raises(ValidationError, match="cost_currency"):
        Settings()
