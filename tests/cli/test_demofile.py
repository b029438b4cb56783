"""The file a serving demo leaves: trusted only while its process runs, and only when no
database is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from runplane.cli.demofile import announced, serving_demo
from runplane.settings import Settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("RUNPLANE_DATABASE_URL", raising=False)
    (tmp_path / "demo").mkdir()
    return tmp_path


def test_a_serving_demo_is_found_while_it_runs_and_forgotten_after(home: Path) -> None:
    demo = Settings(home=home / "demo", database_url=f"sqlite:///{home / 'demo' / 'x.db'}")
    with announced(demo, "http://127.0.0.1:8123"):
        found = serving_demo(Settings(home=home))
        assert found is not None
        settings, note = found
        assert settings.resolved_database_url == demo.resolved_database_url
        assert note.startswith("Using the demo serving at http://127.0.0.1:8123 (pid ")
        assert serving_demo(Settings(home=home, database_url="sqlite:///other.db")) is None
    assert serving_demo(Settings(home=home)) is None


def test_the_file_of_a_demo_that_died_is_ignored(home: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    body = {"pid": int(gone.stdout), "started": 1.0, "url": "http://127.0.0.1:1",
            "database_url": "sqlite:///x.db", "data_dir": "data"}  # fmt: skip
    (home / "demo" / "serving.json").write_text(json.dumps(body))
    assert serving_demo(Settings(home=home)) is None
