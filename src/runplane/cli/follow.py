"""Following an execution from the terminal: print new log lines and stop stages until it ends."""

from __future__ import annotations

import time

import click

from runplane.cli.remote import Remote
from runplane.model import EventKind, Execution, ExecutionEvent, LogLine
from runplane.model.json import execution_from_json
from runplane.store import Database
from runplane.store import events as event_store
from runplane.store import executions as execution_store
from runplane.store import logs as log_store

STAGES = {
    EventKind.CANCEL_REQUESTED,
    EventKind.STOP_SIGNAL_SENT,
    EventKind.KILLED,
    EventKind.STOPPED,
}


class Follower:
    """Prints what happened since the last call; `poll()` returns the execution as it is now.

    It reads the database, or with `remote` the same through the server's API.
    """

    def __init__(
        self,
        db: Database | None,
        execution_id: str,
        *,
        logs: bool = True,
        remote: Remote | None = None,
    ) -> None:
        self._db = db
        self._remote = remote
        self._id = execution_id
        self._logs = logs
        self._seq = 0
        self._event = 0

    def _read(self) -> tuple[Execution, list[LogLine], list[ExecutionEvent]]:
        if self._remote is not None:
            body = self._remote.detail(self._id)
            lines = self._remote.log_lines(self._id, after=self._seq) if self._logs else []
            execution = execution_from_json(body)
            return execution, lines, self._remote.events(body, after=self._event)
        assert self._db is not None
        with self._db.read() as conn:
            execution = execution_store.get_execution(conn, self._id)
            lines = (
                log_store.list_log_lines(conn, self._id, after=self._seq, limit=5000)
                if self._logs
                else []
            )
            return execution, lines, event_store.list_events(conn, self._id, after=self._event)

    def poll(self) -> Execution:
        execution, lines, events = self._read()
        for line in lines:
            click.echo(line.as_text())
            self._seq = line.seq
        for event in events:
            self._event = event.event_id or self._event
            if event.kind in STAGES:
                how = event.detail.get("how")
                label = event.kind.replace("_", " ")
                click.echo(
                    f"» {label}" + (f" ({how})" if how else "") + f" by {event.actor}", err=True
                )
        if execution.status.is_final and len(lines) == 5000:
            return self.poll()  # drain the rest of a long log before reporting the end
        return execution

    def until_final(self, interval: float = 0.1) -> Execution:
        while True:
            execution = self.poll()
            if execution.status.is_final:
                return execution
            time.sleep(interval)
