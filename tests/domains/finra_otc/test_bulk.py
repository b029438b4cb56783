"""Writing lines held as columns: on both databases each value is stored as it was read,
empty strings as empty strings (not NULL), backslashes and tabs as themselves."""

from __future__ import annotations

import pyarrow as pa
import pytest
from sqlalchemy import select

from runplane.domains.finra_otc import bulk, tables
from runplane.store import Database

COLUMNS = ("capture_id", "line", *tables.RAW_FIELDS)
LINES = [
    ["OTC", "ABCD", "Abcd Corp", "OTCN OTC LINK", "OTCN", "100", "2", "2025-12-22"],
    ["OTC", "", "", "Tab\there", "OTCN", "", "2", "2025-12-22"],
    ["OTC", "WXYZ", "A\\B \\N \\. Corp", "Ünïcode ✓", "OTCX", "7", "1", "2025-12-22"],
]


@pytest.mark.parametrize("backslash", [False, True], ids=["copy-text", "row-by-row"])
def test_lines_as_columns_are_stored_value_for_value(db: Database, backslash: bool) -> None:
    lines = LINES if backslash else LINES[:2]
    fields = [pa.array(list(column), pa.string()) for column in zip(*lines, strict=True)]
    with db.write() as conn:
        bulk.insert_lines(
            conn, tables.raw_rows, COLUMNS, ("cap_1", 40), fields, backslash=backslash
        )
    raw = tables.raw_rows
    with db.read() as conn:
        found = conn.execute(
            select(raw.c.line, *(raw.c[n] for n in tables.RAW_FIELDS), raw.c.fields)
            .where(raw.c.capture_id == "cap_1")
            .order_by(raw.c.line)
        ).all()
    assert [tuple(row) for row in found] == [(40 + i, *line, None) for i, line in enumerate(lines)]


def test_no_lines_write_nothing(db: Database) -> None:
    with db.write() as conn:
        bulk.insert_lines(conn, tables.raw_rows, COLUMNS, ("cap_1", 2), [])
        bulk.insert_lines(conn, tables.raw_rows, COLUMNS, ("cap_1", 2), [pa.array([], pa.string())])
    with db.read() as conn:
        assert conn.execute(select(tables.raw_rows.c.line)).all() == []
