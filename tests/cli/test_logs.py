"""`runplane logs search`: a real run's log searched from the terminal, its output, bad
queries as one-line errors with exit code 2, and the basic tier's lock."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def test_search_prints_each_execution_with_its_matching_lines(cli: Cli) -> None:
    failed = cli.run("run", "runplane.fail", "--wait")
    assert failed.returncode == 1, failed.stderr
    execution_id = failed.stderr.split("Submitted ", 1)[1].split()[0]
    assert cli.run("run", "runplane.noop", "--wait").returncode == 0

    found = cli.run("logs", "search", '"about to fail" unkn*', "--status", "failed")
    assert found.returncode == 0, found.stderr
    head, *lines = found.stdout.splitlines()
    assert head.startswith(f"{execution_id}  failed  runplane.fail  ")
    assert head.endswith("1 matching line")
    assert any(line.startswith("  >") and "about to fail with unknown" in line for line in lines)

    body = json.loads(cli.run("logs", "search", "level:error", "--json").stdout)
    assert [i["execution"]["execution_id"] for i in body["items"]] == [execution_id]
    assert all(line["level"] == "ERROR" for line in body["items"][0]["lines"] if line["match"])

    none = cli.run("logs", "search", "quokka", "--range", "1h")
    assert none.returncode == 0
    assert none.stdout == "No log line matches quokka — widen it with --range 30d\n"


def test_a_malformed_query_is_a_one_line_error(cli: Cli) -> None:
    for query, message in (
        ('"disk full', 'unbalanced quote at position 1: close the phrase with "'),
        ("*", "a * at position 1 follows no word"),
        ("", "the query is empty"),
    ):
        result = cli.run("logs", "search", query)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_the_basic_tier_locks_search(cli: Cli) -> None:
    cli.env["RUNPLANE_TIER"] = "basic"
    result = cli.run("logs", "search", "x")
    assert result.returncode == 2
    assert "Execution history is available in the Intermediate tier" in result.stderr
