"""ingest_week end to end through the real executor: the real files, forced re-ingests,
dry runs, HTTP sources, and every bad input of the issue with the error an operator reads."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from runplane.domains.finra_otc import queries
from runplane.domains.finra_otc.params import MarketTier
from runplane.domains.finra_otc.stages import Stage
from runplane.domains.finra_otc.synthetic import write_week
from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ErrorClass, Execution, Trigger
from runplane.settings import Settings
from runplane.store import captures as capture_store
from runplane.store import logs as log_store
from runplane.store import retries
from tests.conftest import wait_for_final
from tests.domains.finra_otc.support import (
    INGEST,
    count,
    read_figures,
    run,
    silent_port,
    stub_server,
)

WEEK = "2025-12-22"
ASSET = f"finra_otc/OTC/{WEEK}/ingest"


def _failed(execution: Execution, classification: ErrorClass) -> str:
    assert execution.status == "failed", execution.output
    assert execution.error is not None
    assert execution.error.classification == classification, execution.error
    return execution.error.message


@pytest.mark.shared_data
def test_ingest_stores_every_line_of_the_week_under_a_published_capture(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    expected = read_figures(real_weeks[WEEK]).rows
    done = run(runtime.db, INGEST, week_ending=WEEK, tier="OTC")
    assert done.status == "completed", done.error
    assert done.rows_processed == expected == 5192
    assert count(runtime.db, "finra_otc_raw_rows", done.capture_id) == expected
    with runtime.db.read() as conn:
        published = capture_store.find_latest_published(conn, ASSET)
        latest = queries.find_latest_capture(conn, Stage.INGEST, "OTC", date(2025, 12, 22))
    assert published is not None
    assert published.capture_id == done.capture_id
    assert latest is not None
    assert (latest.capture_id, latest.rows) == (done.capture_id, expected)
    assert done.output is not None
    assert done.output["summary"][0] == f"Ingested OTC data for week ending {WEEK}"
    assert done.output["figures"]["weeks_updated"] == [WEEK]
    top = max(read_figures(real_weeks[WEEK]).shares.items(), key=lambda item: item[1])
    assert done.output["figures"]["top_symbol_by_volume"].startswith(f"{top[0]} (")
    assert done.output["figures"]["symbols_added"] == done.output["figures"]["symbols"] > 0
    assert f"Top symbol by volume: {top[0]} (" in " ".join(done.output["summary"])
    assert done.output["assets"] == [{"kind": "finra_otc", "keys": {"tier": "OTC", "week": WEEK}}]


@pytest.mark.shared_data
def test_a_published_week_is_skipped_without_force_and_captured_again_with_it(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    first = run(runtime.db, INGEST, week_ending=WEEK)
    again = run(runtime.db, INGEST, week_ending=WEEK)
    assert again.status == "completed"
    assert again.rows_processed == 0
    assert again.output is not None
    assert first.capture_id in again.output["summary"][0]
    assert "already ingested" in again.output["summary"][0]
    assert count(runtime.db, "finra_otc_raw_rows") == 5192

    forced = run(runtime.db, INGEST, week_ending=WEEK, force=True)
    assert forced.status == "completed"
    assert forced.capture_id != first.capture_id
    assert count(runtime.db, "finra_otc_raw_rows", forced.capture_id) == 5192
    with runtime.db.read() as conn:
        latest = queries.find_latest_capture(conn, Stage.INGEST, "OTC", date(2025, 12, 22))
        earlier = queries.find_capture(conn, first.capture_id)
    assert latest is not None
    assert latest.capture_id == forced.capture_id
    assert earlier is not None
    assert earlier.rows == 5192


@pytest.mark.shared_data
def test_a_dry_run_reads_the_whole_file_and_writes_nothing(
    runtime: ServingRuntime, real_weeks: dict[str, Path]
) -> None:
    done = run(runtime.db, INGEST, dry_run=True, week_ending="2025-12-29")
    assert done.status == "dry_run", done.error
    assert done.rows_processed == read_figures(real_weeks["2025-12-29"]).rows == 4655
    assert done.output is not None
    assert done.output["summary"][0].startswith("Dry run: would ingest")
    assert count(runtime.db, "finra_otc_raw_rows") == 0
    assert count(runtime.db, "finra_otc_captures") == 0
    with runtime.db.read() as conn:
        assert capture_store.list_captures(conn, "finra_otc/OTC/2025-12-29/ingest") == []


def test_a_missing_file_fails_as_data_naming_the_path_and_the_fix(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings
) -> None:
    done = run(sqlite_runtime.db, INGEST, week_ending="2025-12-08")
    message = _failed(done, ErrorClass.DATA)
    expected = sqlite_settings.data_dir.resolve() / "finra-otc" / "OTC" / "2025-12-08.psv"
    assert f"no file at {expected}" in message
    assert "pass source=" in message
    assert done.error is not None
    assert done.error.details["file"] == str(expected)


@pytest.mark.parametrize(
    ("content", "problem", "line"),
    [
        ("", "the file is empty", None),
        ("\n", "the file is empty", None),
        (
            "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|"
            "totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate\n",
            "no data rows",
            1,
        ),
        ("symbol|volume\nEARI|100\n", "it has 2 columns, FINRA's has 8", 1),
        (
            "tierDescription|symbol|issueName|marketParticipantName|MPID|"
            "totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate\n",
            "column 2 is 'symbol', expected 'issueSymbolIdentifier'",
            1,
        ),
    ],
    ids=["empty", "blank-line", "header-only", "wrong-columns", "renamed-column"],
)
def test_a_file_that_is_not_a_finra_week_fails_as_data_naming_the_line(
    sqlite_runtime: ServingRuntime,
    sqlite_settings: Settings,
    content: str,
    problem: str,
    line: int | None,
) -> None:
    path = sqlite_settings.data_dir / "uploads" / "week.psv"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    done = run(sqlite_runtime.db, INGEST, week_ending=WEEK, source="uploads/week.psv")
    message = _failed(done, ErrorClass.DATA)
    assert problem in message
    assert message.startswith("uploads/week.psv")
    assert done.error is not None
    assert done.error.details.get("row") == line
    assert count(sqlite_runtime.db, "finra_otc_raw_rows") == 0


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"week_ending": "2025-12-15", "source": "finra-otc/OTC/2025-12-22.psv"},
            "finra-otc/OTC/2025-12-22.psv line 2: lastUpdateDate is 2025-12-22, but "
            "week_ending=2025-12-15; pass week_ending=2025-12-22",
        ),
        (
            {"week_ending": WEEK, "tier": "NMS_TIER_1", "source": "finra-otc/OTC/2025-12-22.psv"},
            "finra-otc/OTC/2025-12-22.psv line 2: tierDescription is 'OTC', but tier=NMS_TIER_1 "
            "expects 'NMS Tier 1'; pass tier=OTC",
        ),
    ],
    ids=["other-week", "other-tier"],
)
def test_a_file_of_another_week_or_tier_fails_before_anything_is_published(
    sqlite_runtime: ServingRuntime,
    sqlite_real_weeks: dict[str, Path],
    params: dict[str, str],
    expected: str,
) -> None:
    done = run(sqlite_runtime.db, INGEST, **params)
    assert _failed(done, ErrorClass.DATA).startswith(expected)
    assert done.error is not None
    assert done.error.details["row"] == 2
    assert count(sqlite_runtime.db, "finra_otc_raw_rows") == 0


def test_a_row_of_another_week_deep_in_the_file_fails_and_removes_what_was_written(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings
) -> None:
    path = sqlite_settings.data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    week = write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=30_000)
    with path.open("a") as handle:
        handle.write("OTC|ZZZZ|Stray Corp (synthetic)|OTCN OTC LINK NQB IDQS|OTCN|5|1|2025-12-29\n")
    done = run(sqlite_runtime.db, INGEST, week_ending=WEEK)
    bad_line = week.rows + 2
    assert _failed(done, ErrorClass.DATA).startswith(
        f"finra-otc/OTC/{WEEK}.psv line {bad_line}: lastUpdateDate is 2025-12-29"
    )
    assert count(sqlite_runtime.db, "finra_otc_raw_rows") == 0
    with sqlite_runtime.db.read() as conn:
        (capture,) = capture_store.list_captures(conn, ASSET)
        assert capture.published_at is None
        assert queries.find_latest_capture(conn, Stage.INGEST, "OTC", date(2025, 12, 22)) is None


def test_rows_with_the_wrong_number_of_fields_are_kept_for_normalize_to_reject(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings
) -> None:
    path = sqlite_settings.data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=10)
    with path.open("a") as handle:
        handle.write("OTC|ABCD|Short Row (synthetic)|OTCN\n\nOTC|A|B|C|D|1|2|2025-12-22|extra\n")
    done = run(sqlite_runtime.db, INGEST, week_ending=WEEK)
    assert done.status == "completed", done.error
    assert done.rows_processed == 12


@pytest.mark.parametrize(
    ("source", "how"),
    [
        ("../outside.psv", "resolves to"),
        ("finra-otc/../../outside.psv", "resolves to"),
        ("/etc/hostname", "resolves to"),
        ("link.psv", "links to"),
        ("linked-dir/week.psv", "links to"),
    ],
)
def test_a_source_outside_the_data_directory_is_refused_as_config(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings, tmp_path: Path, source: str, how: str
) -> None:
    outside = tmp_path / "outside.psv"
    outside.write_text("tierDescription|issueSymbolIdentifier\n")
    (tmp_path / "elsewhere").mkdir()
    shutil.copyfile(outside, tmp_path / "elsewhere" / "week.psv")
    data_dir = sqlite_settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "link.psv").symlink_to(outside)
    (data_dir / "linked-dir").symlink_to(tmp_path / "elsewhere")
    done = run(sqlite_runtime.db, INGEST, week_ending=WEEK, source=source)
    message = _failed(done, ErrorClass.CONFIG)
    assert f"source {source!r} {how}" in message
    assert f"outside the data directory {data_dir.resolve()}" in message
    assert done.error is not None
    assert done.error.details == {"parameter": "source"}


def test_a_source_that_is_neither_a_path_nor_http_is_refused_as_config(
    sqlite_runtime: ServingRuntime,
) -> None:
    done = run(sqlite_runtime.db, INGEST, week_ending=WEEK, source="ftp://example.org/w.psv")
    assert "neither a path inside the data directory nor an http(s) URL" in _failed(
        done, ErrorClass.CONFIG
    )


@pytest.mark.shared_data
def test_an_http_source_is_read_like_a_file(
    sqlite_runtime: ServingRuntime, finra_dir: Path
) -> None:
    body = (finra_dir / "otc_week_20251229.psv").read_bytes()
    with stub_server() as server:
        server.routes["/otc/2025-12-29.psv"] = (200, body)
        done = run(
            sqlite_runtime.db,
            INGEST,
            week_ending="2025-12-29",
            source=server.url("/otc/2025-12-29.psv"),
        )
    assert done.status == "completed", done.error
    assert done.rows_processed == 4655
    assert count(sqlite_runtime.db, "finra_otc_raw_rows", done.capture_id) == 4655


def test_an_http_503_fails_transient_saying_which_host_answered(
    sqlite_runtime: ServingRuntime,
) -> None:
    with stub_server() as server:
        server.routes["/otc.psv"] = (503, b"Service Temporarily Unavailable")
        url = server.url("/otc.psv")
        done = run(sqlite_runtime.db, INGEST, week_ending=WEEK, source=url)
    assert _failed(done, ErrorClass.TRANSIENT) == "HTTP 503 from 127.0.0.1"
    assert done.error is not None
    assert done.error.details == {"url": url, "status_code": 503, "host": "127.0.0.1"}
    assert done.error.title == "HTTP 503: Service Unavailable"
    assert any("Automatic retry" in a.text for a in done.error.suggested_actions)


@pytest.mark.shared_data
def test_an_http_503_is_retried_automatically_and_the_retry_succeeds(
    sqlite_runtime: ServingRuntime, finra_dir: Path
) -> None:
    body = (finra_dir / "otc_week_20251229.psv").read_bytes()
    db = sqlite_runtime.db
    with stub_server() as server:
        server.sequences["/otc.psv"] = [(503, b"Service Temporarily Unavailable"), (200, body)]
        first = run(db, INGEST, week_ending="2025-12-29", source=server.url("/otc.psv"))
        assert _failed(first, ErrorClass.TRANSIENT) == "HTTP 503 from 127.0.0.1"
        with db.read() as conn:
            _, retry = retries.list_retry_chain(conn, first)
        second = wait_for_final(db, retry.execution_id)
    assert second.status == "completed", second.error
    assert (second.attempt, second.triggered_by) == (2, f"auto-retry:{first.execution_id}")
    assert second.rows_processed == 4655


def test_an_http_source_that_never_answers_fails_after_the_timeout_given(
    sqlite_runtime: ServingRuntime,
) -> None:
    with silent_port() as port:
        done = run(
            sqlite_runtime.db,
            INGEST,
            week_ending=WEEK,
            source=f"http://127.0.0.1:{port}/w.psv",
            timeout_seconds=0.5,
        )
    assert _failed(done, ErrorClass.TRANSIENT) == "no answer from 127.0.0.1 within 0.5 s"
    assert done.error is not None
    assert done.error.title == "Upstream unreachable: 127.0.0.1"


@pytest.mark.slow
def test_a_large_ingest_leaves_the_write_lock_to_other_runs_between_batches(
    sqlite_runtime: ServingRuntime, sqlite_settings: Settings
) -> None:
    path = sqlite_settings.data_dir / "finra-otc" / "OTC" / f"{WEEK}.psv"
    write_week(path, tier=MarketTier.OTC, week_ending=date(2025, 12, 22), rows=300_000)
    db = sqlite_runtime.db
    ingest = submit_execution(
        db, INGEST, {"week_ending": WEEK}, trigger=Trigger.API, triggered_by="test"
    )
    noisy = submit_execution(
        db,
        "runplane.sleep",
        {"seconds": 3, "lines_per_second": 1000},
        trigger=Trigger.API,
        triggered_by="test",
    )
    loaded = wait_for_final(db, ingest.execution_id, timeout=120)
    logged = wait_for_final(db, noisy.execution_id, timeout=120)
    assert loaded.status == "completed", loaded.error
    assert loaded.rows_processed == 300_000
    assert logged.status == "completed", logged.error
    assert logged.output is not None
    with db.read() as conn:
        ticks = log_store.count_log_lines(conn, noisy.execution_id)
    assert ticks >= logged.output["figures"]["lines"] >= 2_000
    assert None not in (loaded.started_at, loaded.completed_at, logged.started_at)
    assert logged.completed_at is not None
    assert loaded.started_at < logged.completed_at  # type: ignore[operator]
    assert logged.started_at < loaded.completed_at  # type: ignore[operator]
    assert (logged.duration_seconds or 0) < 3 + 2.0
