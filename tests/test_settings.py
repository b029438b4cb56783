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
