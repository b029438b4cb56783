"""The caps on one execution's log: head, marker, rolling tail; errors and the last lines
always kept; long lines cut."""

from __future__ import annotations

from datetime import UTC, datetime

from runplane.engine.running.logcap import PENDING_LIMIT, LogCap
from runplane.engine.running.logsink import LogSink
from runplane.store import Database
from runplane.store import logs as log_store

AT = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def stored(db: Database) -> list[tuple[int, str, str]]:
    with db.read() as conn:
        return [
            (line.seq, line.level, line.message)
            for line in log_store.list_log_lines(conn, "e1", limit=None)
        ]


def capped_sink(db: Database, **caps: int) -> LogSink:
    values = {"max_lines": 100, "max_bytes": 10**9, "max_line_bytes": 1000, "tail_lines": 20}
    return LogSink(db, "e1", interval=60, max_lines=10**6, cap=LogCap(**(values | caps)))


def test_past_the_line_cap_the_log_keeps_head_marker_and_tail(sqlite_db: Database) -> None:
    sink = capped_sink(sqlite_db)
    for i in range(1, 10_001):
        sink.emit("INFO", f"line {i}")
    sink.emit("ERROR", "boom\nTraceback line")
    for i in range(10_001, 10_100):
        sink.emit("INFO", f"line {i}")
    lines = sink.take(("INFO", "Execution complete: FAILED"))
    messages = [line.message for line in lines]
    assert messages[:80] == [f"line {i}" for i in range(1, 81)]
    assert messages[80].startswith("log truncated at line 80")
    assert messages[81:83] == ["boom", "Traceback line"]  # left the tail window: kept
    assert messages[83].startswith("log truncated: 9,999 lines / ")
    assert messages[84:104] == [f"line {i}" for i in range(10_080, 10_100)]
    assert messages[-1] == "Execution complete: FAILED"
    assert [line.seq for line in lines] == list(range(1, len(lines) + 1))


def test_the_byte_cap_and_the_line_cut(sqlite_db: Database) -> None:
    sink = capped_sink(sqlite_db, max_bytes=20_000, max_line_bytes=500)
    sink.emit("INFO", "é" * 400)  # 800 bytes: cut at 500
    for _ in range(100):
        sink.emit("INFO", "x" * 400)
    lines = sink.take()
    first = lines[0].message
    assert first.startswith("é" * 250)
    assert first.endswith("… [300 bytes cut]")
    head_bytes = sum(len(line.message.encode()) for line in lines if line.message[0] in "éx")
    assert head_bytes <= 20_000 + 500
    assert any(line.message.startswith("log truncated:") for line in lines)


def test_a_log_under_its_caps_is_untouched(sqlite_db: Database) -> None:
    sink = capped_sink(sqlite_db)
    for i in range(50):
        sink.emit("INFO", f"line {i}")
    assert [line.message for line in sink.take()] == [f"line {i}" for i in range(50)]


def test_lines_waiting_for_a_database_that_takes_none_are_bounded() -> None:
    cap = LogCap(max_lines=10**9, max_bytes=10**12, max_line_bytes=1000, tail_lines=0)
    assert cap.place("INFO", "x", PENDING_LIMIT) == 2  # dropped, counted
    assert cap.place("ERROR", "x", PENDING_LIMIT) == 0  # an error is kept
    assert cap.dropped_lines == 1
    assert cap.finish(AT)[0][2].startswith("log truncated: 1 lines")


def test_closing_writes_the_tail_of_a_run_that_stopped_early(sqlite_db: Database) -> None:
    sink = capped_sink(sqlite_db)
    sink.start()
    for i in range(200):
        sink.emit("INFO", f"line {i}")
    sink.close()
    messages = [message for _, _, message in stored(sqlite_db)]
    assert messages[-1] == "line 199"
    assert len(messages) == 80 + 1 + 1 + 20
