"""Every row of the classification table, and what no rule may do."""

from __future__ import annotations

import errno
import re
import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from runplane.engine.classify import classify, fingerprint, worker_lost
from runplane.model import ErrorClass
from runplane.pipelines import (
    ConfigError,
    DataError,
    DependencyError,
    InvalidParams,
    TransientError,
)
from runplane.pipelines.rules import ErrorRule

URL = "https://cdn.finra.org/equity/otcmarket/weekly.psv"

CASES = [
    (
        TransientError("upstream", url=URL, status_code=503),
        ErrorClass.TRANSIENT,
        "HTTP 503: Service Unavailable",
    ),
    (
        TransientError("upstream", url=URL, status_code=502),
        ErrorClass.TRANSIENT,
        "HTTP 502: Bad Gateway",
    ),
    (
        TransientError("upstream", url=URL, status_code=504),
        ErrorClass.TRANSIENT,
        "HTTP 504: Gateway Timeout",
    ),
    (
        TransientError("upstream", url=URL, status_code=500),
        ErrorClass.TRANSIENT,
        "HTTP 500: Internal Server Error",
    ),
    (
        TransientError("slow down", url=URL, status_code=429),
        ErrorClass.TRANSIENT,
        "HTTP 429: Too Many Requests",
    ),
    (
        TransientError("timed out after 10 s", url=URL),
        ErrorClass.TRANSIENT,
        "Upstream unreachable: cdn.finra.org",
    ),
    (TimeoutError("read timed out"), ErrorClass.TRANSIENT, "Network error: TimeoutError"),
    (
        ConnectionRefusedError(111, "Connection refused"),
        ErrorClass.TRANSIENT,
        "Network error: ConnectionRefusedError",
    ),
    (
        ConnectionResetError(104, "Connection reset by peer"),
        ErrorClass.TRANSIENT,
        "Network error: ConnectionResetError",
    ),
    (
        sqlite3.OperationalError("database is locked"),
        ErrorClass.TRANSIENT,
        "Database busy: OperationalError",
    ),
    (
        OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
        ErrorClass.TRANSIENT,
        "Database busy: OperationalError",
    ),
    (
        psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
        ErrorClass.TRANSIENT,
        "Database busy: SerializationFailure",
    ),
    (
        DataError("file is empty", file="finra-otc/OTC/2025-12-22.psv"),
        ErrorClass.DATA,
        "Data problem in 2025-12-22.psv",
    ),
    (
        DataError("not found", url=URL, status_code=404),
        ErrorClass.DATA,
        "HTTP 404: Not Found",
    ),
    (
        FileNotFoundError(2, "No such file or directory"),
        ErrorClass.DATA,
        "File unreadable: FileNotFoundError",
    ),
    (InvalidParams("p.q", {"tier": "unknown tier"}), ErrorClass.CONFIG, "Invalid parameters"),
    (
        ConfigError("outside the data folder", parameter="source"),
        ErrorClass.CONFIG,
        "Configuration problem: source",
    ),
    (
        DependencyError(
            "no published ingest",
            pipeline="finra.otc_transparency.ingest_week",
            params={"week_ending": "2025-12-22", "tier": "OTC"},
        ),
        ErrorClass.DEPENDENCY,
        "Missing prerequisite: finra.otc_transparency.ingest_week for 2025-12-22 / OTC",
    ),
    (KeyError("database is locked"), ErrorClass.UNKNOWN, "KeyError: 'database is locked'"),
    (
        ValueError("HTTP 503 timeout connection refused"),
        ErrorClass.UNKNOWN,
        "ValueError: HTTP 503 timeout connection refused",
    ),
    (
        sqlite3.OperationalError("no such table: x"),
        ErrorClass.UNKNOWN,
        "OperationalError: no such table: x",
    ),
]


@pytest.mark.parametrize(("exc", "classification", "title"), CASES, ids=[c[2] for c in CASES])
def test_each_rule_of_the_table(exc: BaseException, classification: ErrorClass, title: str) -> None:
    error = classify(exc, pipeline="finra.otc_transparency.ingest_week")
    assert error.classification is classification
    assert error.title == title
    assert error.suggested_actions, "every failure suggests at least one action"
    assert "{" not in error.summary
    assert "?" not in error.summary
    assert error.type == type(exc).__name__


def test_a_transient_http_failure_names_the_url_and_suggests_waiting_then_escalating() -> None:
    error = classify(TransientError("x", url=URL, status_code=503), pipeline="p.q")
    assert URL in error.summary
    texts = [a.text for a in error.suggested_actions]
    assert texts[0].startswith("Wait 5-10 minutes and retry")
    assert "cdn.finra.org" in texts[1]
    assert "escalate" in texts[-1]
    assert error.details == {"url": URL, "host": "cdn.finra.org", "status_code": 503}


def test_a_data_failure_names_the_file_and_line() -> None:
    error = classify(DataError("empty symbol", file="w.psv", row=4656), pipeline="p.q")
    assert error.title == "Data problem in w.psv, line 4656"
    assert error.summary.startswith("Empty symbol. Nothing was published")
    assert error.cause == "input data unusable"


def test_a_data_failure_title_is_short_and_names_its_long_path_once() -> None:
    path = "/home/someone/runplane/.runplane/demo/data/finra-otc/NMS_TIER_1/2025-12-15.psv"
    error = classify(
        DataError(f"no file at {path}: put FINRA's file for this week there", file=path),
        pipeline="p.q",
    )
    assert error.title == "Data problem in 2025-12-15.psv"
    said = [error.title, error.summary, *(a.text for a in error.suggested_actions)]
    assert sum(text.count(path) for text in said) == 1


def test_a_dependency_failure_says_each_thing_once() -> None:
    error = classify(
        DependencyError(
            "OTC week ending 2025-12-22 has no published normalize",
            pipeline="finra.otc_transparency.normalize_week",
            params={"week_ending": "2025-12-22", "tier": "OTC"},
        ),
        pipeline="finra.otc_transparency.aggregate_week",
    )
    sentences = [s.strip() for s in error.summary.split(".") if s.strip()]
    assert len(sentences) == len(set(sentences))
    assert "normalize_week" not in error.summary  # the title and the first action name it
    assert error.cause == "prerequisite missing"


def test_a_dependency_failure_offers_the_prerequisite_as_a_one_click_run() -> None:
    params = {"week_ending": "2025-12-22", "tier": "OTC"}
    error = classify(
        DependencyError(
            "not published", pipeline="finra.otc_transparency.ingest_week", params=params
        ),
        pipeline="finra.otc_transparency.normalize_week",
    )
    first = error.suggested_actions[0]
    assert first.text == "Run finra.otc_transparency.ingest_week for 2025-12-22 / OTC first"
    assert first.run == {"pipeline": "finra.otc_transparency.ingest_week", "params": params}


def test_a_config_failure_names_the_parameter_to_change() -> None:
    error = classify(ConfigError("unknown tier 'X'", parameter="tier"), pipeline="p.q")
    assert "`tier`" in error.suggested_actions[0].text


def test_an_unknown_failure_keeps_the_type_message_and_traceback() -> None:
    error = classify(KeyError("missing"), pipeline="p.q", traceback="Traceback ...")
    assert (error.type, error.message, error.traceback) == (
        "KeyError",
        "'missing'",
        "Traceback ...",
    )


def test_worker_lost_says_retry_is_safe_and_where_to_look() -> None:
    error = worker_lost(
        pipeline="p.q", reason="Its process (pid 7) was killed by SIGKILL", host="node-3"
    )
    assert error.classification is ErrorClass.WORKER_LOST
    assert error.suggested_actions[0].text.startswith("Retry: it is safe")
    assert "node-3" in error.suggested_actions[1].text


def test_a_pipeline_rule_is_consulted_before_the_built_in_table() -> None:
    rule = ErrorRule(
        name="vendor-maintenance",
        classification=ErrorClass.TRANSIENT,
        exceptions=(RuntimeError,),
        message=re.compile("maintenance window"),
        title="Vendor maintenance",
        summary="{message}.",
        actions=("Retry after the window",),
    )
    error = classify(RuntimeError("in maintenance window"), pipeline="p.q", rules=[rule])
    assert (error.classification, error.title) == (ErrorClass.TRANSIENT, "Vendor maintenance")
    assert (
        classify(RuntimeError("other"), pipeline="p.q", rules=[rule]).classification
        is ErrorClass.UNKNOWN
    )


def test_fingerprints_ignore_numbers_ids_and_timestamps_but_not_the_pipeline() -> None:
    a = fingerprint(
        "p.q", ErrorClass.DATA, "row 17 of cap_20251222_081015_a1b2c3 at 2025-12-22T08:10:15Z"
    )
    b = fingerprint(
        "p.q", ErrorClass.DATA, "row 4656 of cap_20251229_091000_ffffff at 2025-12-29T09:10:00Z"
    )
    assert a == b
    assert a != fingerprint(
        "p.r", ErrorClass.DATA, "row 17 of cap_20251222_081015_a1b2c3 at 2025-12-22T08:10:15Z"
    )
    assert a != fingerprint("p.q", ErrorClass.DATA, "header is wrong")


def test_a_full_disk_under_the_run_is_transient_and_says_so() -> None:
    error = classify(sqlite3.OperationalError("database or disk is full"), pipeline="p")
    assert error.classification is ErrorClass.TRANSIENT
    assert error.title == "Storage full: OperationalError"
    full = classify(OSError(errno.ENOSPC, "No space left on device"), pipeline="p")
    assert full.classification is ErrorClass.TRANSIENT


def test_a_path_too_long_for_the_file_system_is_a_configuration_problem() -> None:
    error = classify(OSError(errno.ENAMETOOLONG, "File name too long"), pipeline="p")
    assert error.classification is ErrorClass.CONFIG
    assert "Shorten the path" in error.suggested_actions[0].text
