"""Where an ingest reads from: path safety inside the data directory, and HTTP failures
against real servers on 127.0.0.1, each turned into the typed error with URL and status."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from runplane.domains.finra_otc.sources import finra_error_text, open_lines, resolve_source
from runplane.pipelines import ConfigError, DataError, TransientError
from runplane.pipelines.fetch import FetchPolicy
from tests.domains.finra_otc.support import refused_port, silent_port, stub_server

WEEK = date(2025, 12, 22)
log = logging.getLogger("tests.finra_otc.sources")


LOCAL = FetchPolicy.of(["127.0.0.1"])


def _read(url: str, timeout: float = 5.0, policy: FetchPolicy = LOCAL) -> list[str]:
    source = resolve_source(url, tier="OTC", week=WEEK, data_dir=Path("."))
    with open_lines(source, policy=policy, timeout=timeout, log=log) as lines:
        return list(lines)


def test_the_default_source_is_the_week_file_in_the_tier_folder(tmp_path: Path) -> None:
    source = resolve_source(None, tier="NMS_TIER_1", week=WEEK, data_dir=tmp_path)
    assert source.path == tmp_path.resolve() / "finra-otc" / "NMS_TIER_1" / "2025-12-22.psv"
    assert source.where.name == "finra-otc/NMS_TIER_1/2025-12-22.psv"


def test_a_symlink_that_stays_inside_the_data_directory_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "weeks").mkdir()
    (tmp_path / "weeks" / "w.psv").write_text("x")
    (tmp_path / "latest.psv").symlink_to(tmp_path / "weeks" / "w.psv")
    source = resolve_source("latest.psv", tier="OTC", week=WEEK, data_dir=tmp_path)
    assert source.path == (tmp_path / "weeks" / "w.psv").resolve()


def test_the_default_path_is_checked_too_when_a_folder_links_outside(tmp_path: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    data.mkdir()
    elsewhere.mkdir()
    (data / "finra-otc").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match=r"links to .*elsewhere.*outside the data directory"):
        resolve_source(None, tier="OTC", week=WEEK, data_dir=data)


def test_a_url_without_a_host_is_refused() -> None:
    with pytest.raises(ConfigError) as failure:
        resolve_source("http:///w.psv", tier="OTC", week=WEEK, data_dir=Path("."))
    assert failure.value.parameter == "source"


def test_an_http_body_is_streamed_line_by_line() -> None:
    with stub_server() as server:
        server.routes["/w.psv"] = (200, b"a|b\r\n1|2\n3|4")
        assert _read(server.url("/w.psv")) == ["a|b\r\n", "1|2\n", "3|4"]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_server_errors_and_rate_limits_are_transient_with_url_and_status(status: int) -> None:
    with stub_server() as server:
        server.routes["/w.psv"] = (status, b"busy")
        url = server.url("/w.psv")
        with pytest.raises(TransientError) as failure:
            _read(url)
    assert str(failure.value) == f"HTTP {status} from 127.0.0.1"
    assert (failure.value.url, failure.value.status_code) == (url, status)


@pytest.mark.parametrize("status", [403, 404, 410])
def test_other_client_errors_are_data_errors_with_url_and_status(status: int) -> None:
    with stub_server() as server:
        url = server.url("/missing.psv")
        server.routes["/missing.psv"] = (status, b"nope")
        with pytest.raises(DataError) as failure:
            _read(url)
    assert str(failure.value).startswith(f"HTTP {status} from 127.0.0.1: ")
    assert (failure.value.url, failure.value.status_code) == (url, status)


def test_a_server_that_never_answers_times_out_as_transient() -> None:
    with silent_port() as port:
        url = f"http://127.0.0.1:{port}/w.psv"
        with pytest.raises(TransientError) as failure:
            _read(url, timeout=0.3)
    assert str(failure.value) == "no answer from 127.0.0.1 within 0.3 s"
    assert (failure.value.url, failure.value.status_code) == (url, None)


def test_a_refused_connection_is_transient() -> None:
    port = refused_port()
    url = f"http://127.0.0.1:{port}/w.psv"
    with pytest.raises(TransientError) as failure:
        _read(url)
    assert str(failure.value) == f"connection refused by 127.0.0.1:{port}"
    assert failure.value.url == url


def test_the_log_repeats_no_response_body_but_an_escaped_finra_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with stub_server() as server:
        server.routes["/w.psv"] = (404, b"<html>secret internal page</html>")
        with caplog.at_level(logging.INFO), pytest.raises(DataError):
            _read(server.url("/w.psv"))
    assert "secret internal page" not in caplog.text
    assert finra_error_text("application/json", b'{"message": "No data <b>for</b> week"}') == (
        "No data \\x3cb>for\\x3c/b> week"
    )
    assert finra_error_text("text/html", b'{"message": "x"}') is None


def test_a_source_host_not_allowed_is_a_config_error_before_connecting() -> None:
    with stub_server() as server:
        server.routes["/w.psv"] = (200, b"a|b\n")
        with pytest.raises(ConfigError, match="not allowed"):
            _read(server.url("/w.psv"), policy=FetchPolicy.of(["cdn.finra.org"]))
