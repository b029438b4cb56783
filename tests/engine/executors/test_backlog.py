"""The executor's backlog: ends held until storage takes them, oldest first, kept on failure."""

from __future__ import annotations

import pytest

from runplane.engine.executors.backlog import RETRY_SECONDS, Unwritten, WriteBacklog
from runplane.engine.running.exits import ProcessExit


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ends_are_written_oldest_first_and_kept_while_storage_fails() -> None:
    ticks = Ticks()
    backlog = WriteBacklog(clock=ticks)
    for name in ("a", "b", "c"):
        backlog.hold(name, ProcessExit(1, 1), None)
        ticks.now += 1
    written: list[str] = []

    def fails_on_b(unwritten: Unwritten) -> None:
        if unwritten.execution_id == "b":
            raise OSError(28, "No space left on device")
        written.append(unwritten.execution_id)

    with pytest.raises(OSError, match="No space"):
        backlog.flush(fails_on_b)
    assert (written, len(backlog), backlog.oldest_seconds) == (["a"], 2, 2.0)
    assert not backlog.due()
    ticks.now += RETRY_SECONDS
    assert backlog.due()
    backlog.flush(lambda u: written.append(u.execution_id))
    assert (written, len(backlog)) == (["a", "b", "c"], 0)
