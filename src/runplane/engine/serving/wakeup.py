"""In-process wake-ups: a submit in the serving process starts its executor at once.

Submissions from other processes are found by the executor's poll instead.
"""

import threading
from collections.abc import Callable

_listeners: list[Callable[[], None]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[], None]) -> None:
    with _lock:
        _listeners.append(listener)


def unsubscribe(listener: Callable[[], None]) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def notify() -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener()
