"""Queues: the name a pipeline or a run request routes an execution by, and its rule."""

from __future__ import annotations

import re

QUEUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEFAULT_QUEUE = "default"


class InvalidQueue(ValueError):
    """A queue name outside the rule, with the rule in its message."""


def checked_queue(name: str) -> str:
    """`name` if it is a valid queue name; else `InvalidQueue` saying what one looks like."""
    if not QUEUE.match(name):
        raise InvalidQueue(
            f"queue {name!r} is not a queue name: use 1 to 64 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit (e.g. heavy)"
        )
    return name


def queue_of(queue: str | None) -> str:
    """The queue an execution goes to: its own, else the default one."""
    return queue or DEFAULT_QUEUE
