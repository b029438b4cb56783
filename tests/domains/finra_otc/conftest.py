"""Fixtures for the FINRA OTC tests: settings that allow the stub servers' address as a
source, the real weekly files placed in the data directory, and a serving runtime on
SQLite only for tests whose subject is not the database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from runplane.engine.serving.runtime import ServingRuntime
from runplane.settings import Settings
from runplane.store import Database
from tests.conftest import fast_settings

REAL_WEEKS = {
    "2025-12-15": "otc_week_20251215.psv",
    "2025-12-22": "otc_week_20251222.psv",
    "2025-12-29": "otc_week_20251229.psv",
}


def place_real_weeks(finra_dir: Path, data_dir: Path) -> dict[str, Path]:
    """Copy the real files to the ingest's default layout: finra-otc/OTC/{week}.psv."""
    placed = {}
    for week, name in REAL_WEEKS.items():
        target = data_dir / "finra-otc" / "OTC" / f"{week}.psv"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(finra_dir / name, target)
        placed[week] = target
    return placed


SOURCE_HOSTS = ["127.0.0.1"]
"""The stub servers' address: allowed here explicitly, as FINRA's hosts are by default."""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return fast_settings(tmp_path, database_url, allowed_source_hosts=SOURCE_HOSTS)


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return fast_settings(tmp_path, sqlite_url, allowed_source_hosts=SOURCE_HOSTS)


@pytest.fixture
def real_weeks(finra_dir: Path, settings: Settings) -> dict[str, Path]:
    """The three real OTC weeks inside `settings.data_dir` (SQLite and PostgreSQL runs)."""
    return place_real_weeks(finra_dir, settings.data_dir)


@pytest.fixture
def sqlite_real_weeks(finra_dir: Path, sqlite_settings: Settings) -> dict[str, Path]:
    return place_real_weeks(finra_dir, sqlite_settings.data_dir)


@pytest.fixture
def sqlite_runtime(sqlite_settings: Settings) -> Iterator[ServingRuntime]:
    """A serving runtime on a SQLite file, for tests about inputs rather than databases."""
    db = Database(sqlite_settings.resolved_database_url)
    serving = ServingRuntime(db, sqlite_settings)
    serving.start()
    yield serving
    serving.stop()
    db.dispose()
