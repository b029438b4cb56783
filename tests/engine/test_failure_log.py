"""A repeating failure logged once per streak, again once a minute with a count, and once
when it clears."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from runplane.engine.failure_log import FailureLog


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_streak_is_logged_once_then_each_minute_then_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks = Ticks()
    failures = FailureLog(logging.getLogger("t"), "the loop failed", clock=ticks)
    full = OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
    with caplog.at_level(logging.WARNING, logger="t"):
        for _ in range(700):  # ten a second for 70 s
            failures.failed(full)
            ticks.now += 0.1
        failures.succeeded()
        failures.succeeded()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages
    assert messages[0].startswith("the loop failed: database or disk is full")
    assert caplog.records[0].exc_info is None  # a storage failure says it in one line
    assert "times in 60 s" in messages[1]
    assert messages[2] == "the loop failed: recovered after 700 failures in 70 s"
    assert not failures.failing


def test_other_failures_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    failures = FailureLog(logging.getLogger("t"), "the loop failed")
    with caplog.at_level(logging.ERROR, logger="t"):
        failures.failed(KeyError("missing"), "schedule nightly")
    assert caplog.records[0].exc_info is not None
    assert failures.last == "schedule nightly: KeyError: 'missing'"
