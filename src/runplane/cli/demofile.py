"""The file a serving `runplane demo` leaves in its folder (`$RUNPLANE_HOME/demo/serving.json`)
so that CLI commands run in the same folder use the demo's database instead of another one.

    {"pid": 4242, "started": 1764582000.12, "url": "http://127.0.0.1:8000",
     "database_url": "sqlite:////home/me/runplane/.runplane/demo/runplane.db",
     "data_dir": "/home/me/runplane/.runplane/demo/data"}

A command trusts it only while that process still runs (same pid and start time), and
only when RUNPLANE_DATABASE_URL names no database of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from runplane.settings import Settings

NAME = "serving.json"


@contextmanager
def announced(settings: Settings, url: str) -> Iterator[None]:
    """Write the file for the demo `settings` describe while the block runs (it serves)."""
    path = settings.home / NAME
    me = psutil.Process()
    body = {
        "pid": me.pid,
        "started": me.create_time(),
        "url": url,
        "database_url": settings.resolved_database_url,
        "data_dir": str(Path(settings.data_dir).resolve()),
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    try:
        yield
    finally:
        if _read(path) == body:
            path.unlink(missing_ok=True)


def serving_demo(settings: Settings) -> tuple[Settings, str] | None:
    """The settings of the demo serving under `settings.home`, and a line saying so; None
    when none serves or the database was named explicitly."""
    if settings.database_url or os.environ.get("RUNPLANE_DATABASE_URL"):
        return None
    path = settings.home / "demo" / NAME
    body = _read(path)
    if body is None or not _alive(body):
        return None
    demo = settings.model_copy(
        update={
            "home": path.parent,
            "database_url": str(body["database_url"]),
            "data_dir": Path(str(body["data_dir"])),
        }
    )
    where = body["database_url"].removeprefix("sqlite:///")
    note = f"Using the demo serving at {body['url']} (pid {body['pid']}): database {where}"
    return demo, note


def _read(path: Path) -> dict[str, Any] | None:
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _alive(body: dict[str, Any]) -> bool:
    try:
        process = psutil.Process(int(body["pid"]))
        return abs(process.create_time() - float(body["started"])) < 0.01
    except (psutil.Error, KeyError, TypeError, ValueError):
        return False
