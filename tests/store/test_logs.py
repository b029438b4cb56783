"""Log lines: batched inserts, pages after a sequence number, level filter and search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store

T0 = datetime(2025, 12, 22, 8, 10, 15, 123000, tzinfo=UTC)


def write(db: Database, execution_id: str, messages: list[tuple[str, str]]) -> None:
    lines = [
        LogLine(execution_id, seq, T0 + timedelta(milliseconds=seq), level, message)
        for seq, (level, message) in enumerate(messages, 1)
    ]
    with db.write() as conn:
        log_store.insert_log_lines(conn, lines)


def test_pages_continue_after_a_sequence_number(db: Database) -> None:
    write(db, "e1", [("INFO", f"line {i}") for i in range(1, 11)])
    write(db, "e2", [("INFO", "other execution")])
    with db.read() as conn:
        page = log_store.list_log_lines(conn, "e1", after=4, limit=3)
        assert log_store.count_log_lines(conn, "e1") == 10
    assert [line.message for line in page] == ["line 5", "line 6", "line 7"]


def test_level_filter_search_and_first_error_cover_the_whole_log(db: Database) -> None:
    write(
        db,
        "e1",
        [
            ("INFO", "start"),
            ("WARNING", "Slow Upstream"),
            ("ERROR", "HTTP 503 from host"),
            ("INFO", "50% done"),
            ("ERROR", "again"),
        ],
    )
    with db.read() as conn:
        errors = log_store.list_log_lines(conn, "e1", levels=["ERROR"])
        found = log_store.list_log_lines(conn, "e1", search="upstream")
        percent = log_store.list_log_lines(conn, "e1", search="50%")
        first_error = log_store.find_first_error_seq(conn, "e1")
    assert [line.seq for line in errors] == [3, 5]
    assert [line.seq for line in found] == [2]
    assert [line.seq for line in percent] == [4]
    assert first_error == 3


def test_text_form_is_time_level_message_with_milliseconds() -> None:
    line = LogLine("e1", 1, T0, "ERROR", "HTTP 503 from api.finra.org")
    assert line.as_text() == "08:10:15.123 ERROR HTTP 503 from api.finra.org"


def test_iterating_reads_every_line_in_batches(db: Database) -> None:
    write(db, "e1", [("INFO", str(i)) for i in range(12)])
    with db.read() as conn:
        lines = list(log_store.iter_log_lines(conn, "e1", batch=5))
    assert [line.message for line in lines] == [str(i) for i in range(12)]


def test_lines_before_a_sequence_number_come_oldest_first_and_filtered(db: Database) -> None:
    write(db, "e1", [("ERROR" if i % 3 == 0 else "INFO", f"line {i}") for i in range(1, 11)])
    with db.read() as conn:
        page = log_store.list_log_lines_before(conn, "e1", before=8, limit=3)
        errors = log_store.list_log_lines_before(conn, "e1", before=11, limit=2, levels=["ERROR"])
        found = log_store.list_log_lines_before(conn, "e1", before=11, search="LINE 1")
    assert [line.seq for line in page] == [5, 6, 7]
    assert [line.seq for line in errors] == [6, 9]
    assert [line.message for line in found] == ["line 1", "line 10"]


def test_the_text_download_reads_every_line_in_batches(db: Database) -> None:
    write(db, "e1", [("INFO", f"line {i}") for i in range(1, 6)])
    write(db, "e2", [("ERROR", "other execution")])
    chunks = list(log_store.read_log_text(db, "e1", batch=2))
    assert len(chunks) == 3
    lines = "".join(chunks).splitlines()
    assert lines[0] == "08:10:15.124 INFO  line 1"
    assert [line.rsplit(" ", 1)[1] for line in lines] == ["1", "2", "3", "4", "5"]
    assert list(log_store.read_log_text(db, "nothing")) == []
