"""`runplane executions compare A B`: the side-by-side in text and JSON, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runplane.model import LogLine
from runplane.store import Database
from runplane.store import logs as log_store
from tests.cli.conftest import Cli
from tests.factories import make_execution

T0 = datetime(2025, 12, 22, 8, 0, tzinfo=UTC)


def two_runs(cli: Cli) -> tuple[str, str]:
    assert cli.run("db", "upgrade").returncode == 0
    db = Database(cli.env["RUNPLANE_DATABASE_URL"])
    with db.write() as conn:
        a = make_execution(conn, pipeline="tests.readings", params={"region": "emea"},
                           completed_at=T0 + timedelta(seconds=70), rows_processed=1200,
                           output={"rows_processed": 1200, "figures": {"symbols": 30}})  # fmt: skip
        b = make_execution(conn, pipeline="tests.readings", params={"region": "apac", "day": "2025-12-01"},
                           status="failed", completed_at=T0 + timedelta(seconds=12))  # fmt: skip
        log_store.insert_log_lines(conn, [
            LogLine(a.execution_id, 1, T0, "INFO", f"claimed {a.execution_id} in 0.2s"),
            LogLine(b.execution_id, 1, T0, "INFO", f"claimed {b.execution_id} in 0.4s"),
            LogLine(b.execution_id, 2, T0, "ERROR", "upstream answered 503"),
        ])  # fmt: skip
    db.dispose()
    return a.execution_id, b.execution_id


def test_compare_prints_both_runs_side_by_side(cli: Cli) -> None:
    a, b = two_runs(cli)
    result = cli.run("executions", "compare", a, b[:8])
    assert result.returncode == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith(f"A: {a}  tests.readings  completed")
    assert lines[1].startswith(f"B: {b}  tests.readings  failed")
    assert "status       completed               failed" in lines
    assert "duration     1m 10s                  12s" in lines
    assert "rows         1,200                   —" in lines
    assert "peak memory  locked (Advanced tier)" in lines
    assert "  region: emea → apac (changed)" in lines
    assert "  day: 2025-12-01 (only in B)" in lines
    assert "  symbols         30     —" in lines
    assert "  one log ends first: A after 1 line; B goes on at line 2" in lines
    assert any(line.endswith("ERROR upstream answered 503") for line in lines)
    body = cli.json("executions", "compare", a, b)
    assert isinstance(body, dict)
    assert body["params"]["changed"] == {"region": {"a": "emea", "b": "apac"}}
    assert body["logs"]["result"] == "a_ends_first"


def test_an_unknown_id_is_a_one_line_error_with_exit_2(cli: Cli) -> None:
    a, _ = two_runs(cli)
    result = cli.run("executions", "compare", a, "no-such-id")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: no execution with id 'no-such-id' or an id starting with it"
    ]
    empty = cli.run("executions", "compare", "", a)
    assert empty.returncode == 2
    assert "a is missing" in empty.stderr
