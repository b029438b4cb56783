"""The words every channel shares: the headline, the error and its first action, how
often it happened, and what was held back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runplane.engine.notifications.channels.text import headline, lines, ordinal
from runplane.model.notification import Message, NotifyEvent

ERROR = {"title": "Data problem in f.psv", "summary": "Missing column volume.",
         "action": "Fix the file, then retry", "class": "data", "message": "missing"}  # fmt: skip


def message(**overrides: object) -> Message:
    values: dict[str, object] = {
        "event": NotifyEvent.FAILED, "rule": "on-call", "pipeline": "sales.daily",
        "execution_id": "e1", "status": "failed", "error": ERROR, "url": "https://x/e1",
        "at": datetime(2026, 1, 6, 6, 0, tzinfo=UTC),
    }  # fmt: skip
    values.update(overrides)
    return Message(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (11, "11th"), (22, "22nd")]
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_a_repeat_says_how_often_and_how_many_were_held_back() -> None:
    told = message(repeat_count=3, suppressed=2)
    assert headline(told) == "\N{CROSS MARK} sales.daily failed"
    assert lines(told) == [
        "Data problem in f.psv: Missing column volume.",
        "Next: Fix the file, then retry",
        "3rd failure like this in 7 days",
        "2 repeat(s) since the last message were not sent",
    ]


def test_a_storm_summary_is_its_own_headline() -> None:
    summary = message(pipeline=None, error=None, summary="Rule on-call sent 20 messages")
    assert headline(summary) == "\N{CROSS MARK} Runplane: Rule on-call sent 20 messages"
    assert lines(summary) == []
