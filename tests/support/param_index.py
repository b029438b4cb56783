"""Whether the parameters side table holds exactly what each stored execution's
parameters index to: what every path that inserts executions must keep true."""

from __future__ import annotations

from sqlalchemy import select

from runplane.model.param_filters import indexed
from runplane.store import Database
from runplane.store.tables import execution_params, executions


def assert_params_indexed(db: Database) -> int:
    """Compare the side table with the executions' parameters; returns the rows checked."""
    side = execution_params.c
    with db.read() as conn:
        rows = conn.execute(
            select(executions.c.execution_id, executions.c.params, executions.c.created_at)
        ).all()
        stored = {
            tuple(r)
            for r in conn.execute(select(side.execution_id, side.name, side.value, side.created_at))
        }
    wanted = {(r[0], name, text, r[2]) for r in rows for name, text in indexed(r[1])}
    assert stored == wanted, (stored - wanted, wanted - stored)
    return len(stored)
