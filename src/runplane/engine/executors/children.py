"""What the local executor knows of one child process: its lifeline, its pid and start time,
which fork server forked it, and what it said over the lifeline."""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection

import psutil

from runplane.engine.running.outcome import Outcome


@dataclass
class Child:
    execution_id: str
    pid: int
    lifeline: Connection
    stats: psutil.Process | None
    started: float | None
    generation: int
    """The fork server that forked it; once that one is gone, no exit notice will come."""
    waiting: bool = False
    stop_sent: bool = False
    killed: bool = False
    closed: bool = False
    outcome: Outcome | None = None
    """A result it could not write and handed over instead."""

    def read_messages(self) -> None:
        """Take what it sent: `waiting`, `resumed`, `submitted`, or its `outcome`."""
        if self.closed:
            return
        try:
            while self.lifeline.poll():
                message = self.lifeline.recv()
                if message[0] == "waiting":
                    self.waiting = True
                elif message[0] == "resumed":
                    self.waiting = False
                elif message[0] == "outcome":
                    self.outcome = message[1]
                # "submitted" needs nothing more: the executor looks for runnable work anyway
        except (EOFError, OSError):
            self.closed = True  # the child is exiting; its exit notice reports that
