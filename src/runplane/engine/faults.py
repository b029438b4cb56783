"""Test-only pause points, so the fault-injection suite can kill a process at an exact moment.

    RUNPLANE_FAULT_AT=publish RUNPLANE_FAULT_DIR=/tmp/f runplane serve

With both set, the first process to reach that point writes `<dir>/<point>.json`
(`{"point", "pid", "execution_id"}`) and waits until `<dir>/<point>.go` exists: the test
kills whichever process it chose (the server, its fork server, the execution's process),
or fills the disk, then creates the file to let it go on. Once `.go` exists the point is
passed through. Without `RUNPLANE_FAULT_DIR` the setting is ignored.

    claim        the executor, before it claims a pending execution
    mid-run      the execution's process, after its parameters validated, before the pipeline
    publish      the execution's process, inside its final transaction, before publishing
    final-write  the execution's process, before its final transaction
    bulk-item    `serve`'s bulk runner, inside the transaction that retries one item
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runplane.settings import Settings

POINTS = ("claim", "mid-run", "publish", "final-write", "bulk-item")
MAX_PAUSE_SECONDS = 120.0
"""A point a test forgot to release lets the process go on after this long."""

_armed: tuple[str, Path] | None = None


def arm(settings: Settings) -> None:
    """Take the point from the settings of this process (and the ones it forks)."""
    global _armed
    if settings.fault_at is not None and settings.fault_dir is not None:
        _armed = (settings.fault_at, Path(settings.fault_dir))
    else:
        _armed = None


def reach(point: str, execution_id: str | None = None) -> None:
    """Pause here if the tests armed `point` and have not released it yet."""
    if _armed is None or _armed[0] != point:
        return
    folder = _armed[1]
    release = folder / f"{point}.go"
    if release.exists():
        return
    marker = folder / f"{point}.json"
    partial = folder / f".{point}.{os.getpid()}.json"
    partial.write_text(
        json.dumps({"point": point, "pid": os.getpid(), "execution_id": execution_id})
    )
    partial.replace(marker)
    deadline = time.monotonic() + MAX_PAUSE_SECONDS
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
