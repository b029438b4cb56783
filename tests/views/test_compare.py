"""Two executions side by side: the parameters diff, the output figures, the masking of log
lines and where two logs first diverge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runplane.model import Execution, LogLine
from runplane.store import Database, NotFound
from runplane.store import logs as log_store
from runplane.tiers import Tier
from runplane.views.compare import (
    compare_json,
    find_last_success,
    load_comparison,
    logs_text,
    mask_line,
    output_figures,
    params_diff,
    parse_pair,
)
from runplane.views.list_query import ListingError
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def write_log(db: Database, execution: Execution, messages: list[str], *, shift: int = 0) -> None:
    lines = [
        LogLine(execution.execution_id, seq, T0 + timedelta(seconds=seq + shift), "INFO", text)
        for seq, text in enumerate(messages, 1)
    ]
    with db.write() as conn:
        log_store.insert_log_lines(conn, lines)


def pair(db: Database) -> tuple[Execution, Execution]:
    with db.write() as conn:
        a = make_execution(conn, created_at=T0)
        b = make_execution(conn, created_at=T0 + timedelta(hours=1))
    return a, b


def test_the_params_diff_names_added_removed_changed_and_same() -> None:
    diff = params_diff({"day": "2025-12-01", "tier": "OTC", "old": 1}, {"day": "2025-12-08",
                       "tier": "OTC", "new": True})  # fmt: skip
    assert diff == {
        "added": {"new": True},
        "removed": {"old": 1},
        "changed": {"day": {"a": "2025-12-01", "b": "2025-12-08"}},
        "same": {"tier": "OTC"},
    }


def test_output_figures_are_the_scalar_fields_and_figures() -> None:
    output = {"rows_processed": 12, "summary": ["x"], "figures": {"symbols": 3, "top": ["A"],
              "rows_processed": 11}, "assets": []}  # fmt: skip
    assert output_figures(output) == {"rows_processed": 12, "symbols": 3,
                                      "figures.rows_processed": 11}  # fmt: skip
    assert output_figures(None) == {}


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("started at 2025-12-22T08:10:15.123Z", "started at <time>"),
        ("at 2025-12-22 08:10:15+00:00 done", "at <time> done"),
        ("08:10:27.456 tick", "<time> tick"),
        ("run 45934f8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b claimed", "run <id> claimed"),
        ("commit a1b2c3d4e5 pushed", "commit <id> pushed"),
        ("capture cap_20251222_081015_a1b2c3 open", "capture <capture> open"),
        ("child pid 4321 exited", "child pid <n> exited"),
        (
            "slept 0.20s, then 150ms, total 1m 22s",
            "slept <duration>, then <duration>, total <duration> <duration>",
        ),
        ("wrote 5,000 rows for week 2025-12-22", "wrote 5,000 rows for week 2025-12-22"),
        ("table deadbeef", "table deadbeef"),
    ],
)
def test_masking_hides_what_differs_from_run_to_run(line: str, masked: str) -> None:
    assert mask_line(line) == masked


def test_logs_differing_only_in_times_and_ids_are_identical(db: Database) -> None:
    a, b = pair(db)
    write_log(db, a, [f"claimed by {a.execution_id} at 2025-12-22T08:00:01Z", "slept 1.02s"])
    write_log(db, b, [f"claimed by {b.execution_id} at 2025-12-22T09:00:04Z", "slept 0.98s"],
              shift=3600)  # fmt: skip
    with db.read() as conn:
        c = load_comparison(conn, a.execution_id, b.execution_id)
    assert c.divergence.result == "identical"
    logs = compare_json(c, Tier.ADVANCED)["logs"]
    assert logs == {"result": "identical", "compared": 2, "line_a": None, "line_b": None,
                    "text_a": None, "text_b": None}  # fmt: skip
    assert logs_text(logs) == "logs identical (2 lines, timestamps and ids masked)"
    assert logs_text(logs | {"compared": 0}) == "logs identical (neither run logged a line)"


def test_the_first_diverging_line_is_reported_with_its_number_in_each(db: Database) -> None:
    a, b = pair(db)
    write_log(db, a, ["start", "wrote 10 rows", "done", "later difference"])
    write_log(db, b, ["start", "wrote 12 rows", "done"])
    with db.read() as conn:
        logs = compare_json(load_comparison(conn, a.execution_id, b.execution_id), Tier.BASIC)
    found = logs["logs"]
    assert (found["result"], found["line_a"], found["line_b"]) == ("differ", 2, 2)
    assert found["text_a"].endswith("INFO  wrote 10 rows")
    assert found["text_b"].endswith("INFO  wrote 12 rows")
    assert logs_text(found) == "logs diverge at line 2 of A and line 2 of B"


def test_a_log_that_ends_first_is_said_so(db: Database) -> None:
    a, b = pair(db)
    write_log(db, a, ["start", "done"])
    write_log(db, b, ["start", "done", "one more"])
    with db.read() as conn:
        shorter = compare_json(load_comparison(conn, a.execution_id, b.execution_id), Tier.BASIC)
        longer = compare_json(load_comparison(conn, b.execution_id, a.execution_id), Tier.BASIC)
    assert shorter["logs"]["result"] == "a_ends_first"
    assert (shorter["logs"]["line_a"], shorter["logs"]["line_b"]) == (None, 3)
    assert logs_text(shorter["logs"]) == "one log ends first: A after 2 lines; B goes on at line 3"
    assert longer["logs"]["result"] == "b_ends_first"
    assert logs_text(longer["logs"]) == "one log ends first: B after 2 lines; A goes on at line 3"


def test_measures_side_by_side_and_locked_ones_null(db: Database) -> None:
    with db.write() as conn:
        a = make_execution(conn, created_at=T0, completed_at=T0 + timedelta(seconds=70),
                           rows_processed=100, params={"n": 1})  # fmt: skip
        b = make_execution(conn, created_at=T0, completed_at=T0 + timedelta(seconds=130),
                           status="failed", params={"n": 2})  # fmt: skip
    with db.read() as conn:
        c = load_comparison(conn, a.execution_id[:8], b.execution_id)
    intermediate = compare_json(c, Tier.INTERMEDIATE)
    assert intermediate["measures"] == {
        "duration": {"a": 70.0, "b": 130.0}, "rows": {"a": 100, "b": None},
        "peak_rss": None, "cost": None,
    }  # fmt: skip
    assert (intermediate["a"]["status"], intermediate["b"]["status"]) == ("completed", "failed")
    advanced = compare_json(c, Tier.ADVANCED)["measures"]
    assert advanced["peak_rss"] == advanced["cost"] == {"a": None, "b": None}


def test_an_unknown_or_missing_id_is_refused(db: Database) -> None:
    a, _ = pair(db)
    with db.read() as conn, pytest.raises(NotFound, match="no execution with id 'nope'"):
        load_comparison(conn, a.execution_id, "nope")
    with pytest.raises(ListingError, match="b is missing"):
        parse_pair(a.execution_id, "")


def test_the_last_success_is_the_latest_completed_run_before_it(db: Database) -> None:
    with db.write() as conn:
        first = make_execution(conn, created_at=T0)
        make_execution(conn, created_at=T0 + timedelta(hours=1), status="failed")
        failed = make_execution(conn, created_at=T0 + timedelta(hours=2), status="failed")
        make_execution(conn, created_at=T0 + timedelta(hours=3))
    with db.read() as conn:
        found = find_last_success(conn, failed)
        assert found is not None
        assert found.execution_id == first.execution_id
        assert find_last_success(conn, first) is None
