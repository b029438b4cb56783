"""The run context a pipeline receives: its parameters, logger, cancellation and child runs.

The engine provides the implementation; pipelines depend only on this interface.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection

from runplane.pipelines.fetch import FetchPolicy
from runplane.pipelines.params import Params

P = TypeVar("P", bound=Params)


class DataAccess(Protocol):
    """Short transactions on the Runplane database, for a pipeline's own tables."""

    dialect: str

    def read(self) -> AbstractContextManager[Connection]: ...

    def write(self, *, lock: str | None = None) -> AbstractContextManager[Connection]: ...


class RunContext(ABC, Generic[P]):
    """Everything one execution of a pipeline may use."""

    execution_id: str
    pipeline: str
    params: P
    capture_id: str
    """This run's capture, e.g. `cap_20251222_081015_a1b2c3`; rows written under it publish on success."""
    dry_run: bool
    """Validate and compute everything, write nothing; the run ends `dry_run`."""
    log: logging.Logger
    data_dir: Path
    data: DataAccess
    fetch_policy: FetchPolicy
    """What `pipelines.fetch.fetch` may reach: allowed hosts, size and time limits."""

    @abstractmethod
    def check_cancelled(self) -> None:
        """Raise `Cancelled` if a stop was requested; cheap enough to call per row batch."""

    @property
    @abstractmethod
    def cancel_requested(self) -> bool: ...

    @abstractmethod
    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress; stored at most about once a second."""

    @abstractmethod
    def open_capture(self, asset: str) -> str:
        """Register an unpublished capture of `asset` under this run's capture id and return it."""

    @abstractmethod
    def submit(self, pipeline: str, params: dict[str, Any], after: str | None = None) -> str:
        """Start a child execution; with `after`, it waits until that execution completed."""

    @abstractmethod
    def wait(self, execution_ids: Sequence[str]) -> dict[str, str]:
        """Block until every id is final, without holding a worker slot; returns their statuses."""

    def batches(self, items: Iterator[Any], size: int) -> Iterator[list[Any]]:
        """Chunk `items`, checking for cancellation between chunks."""
        batch: list[Any] = []
        for item in items:
            batch.append(item)
            if len(batch) >= size:
                self.check_cancelled()
                yield batch
                batch = []
        if batch:
            self.check_cancelled()
            yield batch
