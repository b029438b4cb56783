"""Writing one run's capture: batches in short transactions, a dry run that writes nothing,
and a failed run that removes what it wrote (readers never saw it: it was unpublished).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Any

import pyarrow as pa
from sqlalchemy import Table, delete, func, insert, select

from runplane.domains.finra_otc import bulk, tables
from runplane.domains.finra_otc.stages import Stage
from runplane.pipelines import RunContext

_DELETE_SLICE = 50_000


class CaptureWriter:
    """`with CaptureWriter(ctx, Stage.INGEST, tier, week) as out: out.insert(...)`.

    Entering registers the run's unpublished capture of the stage's asset; the engine
    publishes it with the run's final status. Leaving on an exception deletes the rows
    written so far (best effort: a killed process leaves them unpublished instead).
    """

    def __init__(self, ctx: RunContext[Any], stage: Stage, tier: str, week: date) -> None:
        self.ctx = ctx
        self.stage = stage
        self.tier = tier
        self.week = week
        self.capture_id = ctx.capture_id
        self.written = 0
        self._tables: list[Table] = []

    def __enter__(self) -> CaptureWriter:
        self.ctx.open_capture(self.stage.asset(self.tier, self.week))
        return self

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """Write one batch in its own short transaction (nothing in a dry run)."""
        if self.ctx.dry_run or not rows:
            return
        if table not in self._tables:
            self._tables.append(table)
        with self.ctx.data.write() as conn:
            bulk.insert_rows(conn, table, columns, rows)
        self.written += len(rows)

    def insert_lines(
        self,
        table: Table,
        columns: Sequence[str],
        first_line: int,
        fields: Sequence[pa.StringArray],
        *,
        backslash: bool = True,
    ) -> None:
        """Write one block of lines held as string columns, numbered from `first_line`,
        in its own short transaction (nothing in a dry run)."""
        if self.ctx.dry_run or not fields or not len(fields[0]):
            return
        if table not in self._tables:
            self._tables.append(table)
        with self.ctx.data.write() as conn:
            lead = (self.capture_id, first_line)
            bulk.insert_lines(conn, table, columns, lead, fields, backslash=backslash)
        self.written += len(fields[0])

    def record(self, **figures: Any) -> None:
        """Describe the capture (stage, week, headline figures) for the data-asset queries."""
        if self.ctx.dry_run:
            return
        if tables.captures not in self._tables:
            self._tables.append(tables.captures)
        with self.ctx.data.write() as conn:
            conn.execute(
                insert(tables.captures).values(
                    capture_id=self.capture_id,
                    stage=str(self.stage),
                    tier=str(self.tier),
                    week_ending=self.week,
                    **figures,
                )
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._tables:
            self._discard()

    def _discard(self) -> None:
        try:
            for table in self._tables:
                self._delete(table)
        except Exception:
            self.ctx.log.warning(
                "Could not remove the unpublished rows of %s; readers never see them",
                self.capture_id,
                exc_info=True,
            )
        else:
            self.ctx.log.info(
                "Removed the %s unpublished rows this run had written", f"{self.written:,}"
            )

    def _delete(self, table: Table) -> None:
        """Delete in slices of lines, so no single transaction holds the write lock for long."""
        mine = table.c.capture_id == self.capture_id
        if "line" not in table.c:
            with self.ctx.data.write() as conn:
                conn.execute(delete(table).where(mine))
            return
        with self.ctx.data.read() as conn:
            last = conn.execute(select(func.max(table.c.line)).where(mine)).scalar() or 0
        for start in range(0, last + 1, _DELETE_SLICE):
            with self.ctx.data.write() as conn:
                conn.execute(
                    delete(table).where(
                        mine, table.c.line > start, table.c.line <= start + _DELETE_SLICE
                    )
                )
