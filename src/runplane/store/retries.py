"""The retry chain: the attempts linked by `retry_of`, for an execution's detail."""

from __future__ import annotations

from sqlalchemy import Connection, select

from runplane.model import Execution
from runplane.store.execution_rows import from_row
from runplane.store.executions import find_execution
from runplane.store.tables import executions as t


def list_retry_chain(conn: Connection, execution: Execution) -> list[Execution]:
    """The attempts linked to this one by `retry_of`, first attempt first: the ones it
    retries, itself, then the retries that followed it (the earliest of each)."""
    chain = [execution]
    seen = {execution.execution_id}
    while chain[0].retry_of is not None and chain[0].retry_of not in seen:
        previous = find_execution(conn, chain[0].retry_of)
        if previous is None:
            break
        seen.add(previous.execution_id)
        chain.insert(0, previous)
    while True:
        following = find_first_retry(conn, chain[-1].execution_id)
        if following is None or following.execution_id in seen:
            return chain
        seen.add(following.execution_id)
        chain.append(following)


def find_first_retry(conn: Connection, execution_id: str) -> Execution | None:
    """The earliest execution that retries this one, if any."""
    row = conn.execute(
        select(t)
        .where(t.c.retry_of == execution_id)
        .order_by(t.c.created_at, t.c.execution_id)
        .limit(1)
    ).first()
    return None if row is None else from_row(row)
