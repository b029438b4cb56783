"""Sending to real receivers on 127.0.0.1: a signed webhook, Slack's Block Kit, email with
STARTTLS, a 5xx retried, a 4xx not, a receiver that never answers, and every attempt kept."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import Message as EmailMessage
from pathlib import Path

import pytest

from runplane.engine import lifecycle
from runplane.engine.classify import classify
from runplane.engine.notifications.matching import Links, match_pending
from runplane.engine.notifications.sender import send_due
from runplane.engine.service import submit_execution
from runplane.engine.serving.runtime import ServingRuntime
from runplane.model import ExecutionStatus, Trigger
from runplane.model.notification import ChannelKind, Delivery, DeliveryState
from runplane.pipelines import DataError
from runplane.settings import Settings
from runplane.store import Database, retries
from runplane.store import notifications as store
from tests.conftest import FakeClock, wait_until
from tests.factories import make_execution, make_rule
from tests.support.receivers import http_receiver, silent_receiver, smtp_receiver

SECRET = "whsec-test-0123456789"


def one_failure(db: Database, clock: FakeClock, **rule: object) -> None:
    with db.write() as conn:
        make_rule(conn, **rule)
        running = make_execution(conn, pipeline="runplane.sleep", status="running")
    error = classify(DataError("missing column volume", file="f.psv"), pipeline="runplane.sleep")
    assert lifecycle.finish_execution(db, running, ExecutionStatus.FAILED, error=error, clock=clock)
    assert match_pending(db, Links("https://runplane.example.com"), clock=clock) >= 1


def deliveries(db: Database) -> list[Delivery]:
    with db.read() as conn:
        return store.list_deliveries(conn)


def test_the_webhook_is_signed_and_carries_the_idempotency_key(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock, secret_env="TEST_HOOK_SECRET")
    with http_receiver() as receiver:
        env = {"TEST_HOOK_URL": receiver.url, "TEST_HOOK_SECRET": SECRET}
        assert send_due(db, settings, clock=clock, environ=env) == 1
    (request,) = receiver.requests
    (delivery,) = deliveries(db)
    assert delivery.state is DeliveryState.SENT
    assert request.headers["idempotency-key"] == delivery.delivery_id
    stamp, mac = request.headers["x-runplane-signature"].split(",")
    t = stamp.removeprefix("t=")
    assert t == str(int(clock.now.timestamp()))
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + request.body, hashlib.sha256)
    assert mac == f"v1={expected.hexdigest()}"
    body = json.loads(request.body)
    assert {"event", "execution_id", "pipeline", "status", "error", "url"} <= set(body)
    assert (body["event"], body["pipeline"], body["status"]) == (
        "failed", "runplane.sleep", "failed",
    )  # fmt: skip
    assert body["url"].startswith("https://runplane.example.com/dashboard/executions/")
    assert body["error"]["class"] == "data"


def test_a_5xx_is_retried_with_backoff_and_every_attempt_is_recorded(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock)
    with http_receiver(500) as receiver:
        env = {"TEST_HOOK_URL": receiver.url}
        send_due(db, settings, clock=clock, environ=env)
        (pending,) = deliveries(db)
        assert (pending.state, pending.attempts) == (DeliveryState.PENDING, 1)
        assert send_due(db, settings, clock=clock, environ=env) == 0  # not due yet
        clock.advance(seconds=1)
        send_due(db, settings, clock=clock, environ=env)
    (sent,) = deliveries(db)
    assert (sent.state, sent.attempts) == (DeliveryState.SENT, 2)
    with db.read() as conn:
        attempts = store.list_attempts(conn, [sent.delivery_id])
    assert [a.status_code for a in attempts] == [500, 200]
    assert attempts[0].error == "answered HTTP 500"
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1


def test_a_delivery_another_sender_claimed_is_not_sent_until_its_claim_lapses(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock)
    (due,) = deliveries(db)
    until = clock.now + timedelta(seconds=2 * settings.notification_timeout)
    with db.write() as conn:
        assert store.claim_due(conn, due.delivery_id, now=clock.now, until=until)
        assert not store.claim_due(conn, due.delivery_id, now=clock.now, until=until)
    with http_receiver() as receiver:
        env = {"TEST_HOOK_URL": receiver.url}
        assert send_due(db, settings, clock=clock, environ=env) == 0
        assert receiver.requests == []
        clock.now = until  # the claimer died mid-send: the delivery is due again
        assert send_due(db, settings, clock=clock, environ=env) == 1
    assert len(receiver.requests) == 1
    (sent,) = deliveries(db)
    assert (sent.state, sent.attempts) == (DeliveryState.SENT, 1)


def test_senders_racing_over_the_same_due_delivery_send_it_once(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock)
    senders = 4
    barrier = threading.Barrier(senders)
    made: list[int] = []
    with http_receiver() as receiver:
        env = {"TEST_HOOK_URL": receiver.url}

        def send() -> None:
            barrier.wait()
            made.append(send_due(db, settings, clock=clock, environ=env))

        threads = [threading.Thread(target=send) for _ in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(made) == [0] * (senders - 1) + [1]
    assert len(receiver.requests) == 1
    (sent,) = deliveries(db)
    assert (sent.state, sent.attempts) == (DeliveryState.SENT, 1)


def test_a_4xx_is_not_retried(db: Database, settings: Settings, clock: FakeClock) -> None:
    one_failure(db, clock)
    with http_receiver(404) as receiver:
        send_due(db, settings, clock=clock, environ={"TEST_HOOK_URL": receiver.url})
    (failed,) = deliveries(db)
    assert (failed.state, failed.last_error) == (DeliveryState.FAILED, "answered HTTP 404")


def test_a_receiver_that_never_answers_times_out_and_stays_pending(
    db: Database, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(update={"notification_timeout": 0.3})
    one_failure(db, clock)
    with silent_receiver() as url:
        send_due(db, settings, clock=clock, environ={"TEST_HOOK_URL": url + "?token=s3cr3t"})
    (pending,) = deliveries(db)
    assert (pending.state, pending.last_error) == (DeliveryState.PENDING, "no answer within 0.3 s")
    with db.read() as conn:
        (attempt,) = store.list_attempts(conn, [pending.delivery_id])
    assert attempt.status_code is None
    assert attempt.duration_ms >= 250
    assert "no answer" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_slack_gets_block_kit_with_the_summary_action_and_link(
    db: Database, settings: Settings, clock: FakeClock
) -> None:
    one_failure(db, clock, webhook_env=None, slack_env="TEST_SLACK_URL")
    with http_receiver() as receiver:
        send_due(db, settings, clock=clock, environ={"TEST_SLACK_URL": receiver.url})
    (request,) = receiver.requests
    body = json.loads(request.body)
    header, section, actions = body["blocks"]
    assert header["text"]["text"].endswith("runplane.sleep failed")
    assert section["text"]["type"] == "mrkdwn"
    assert "Next: " in section["text"]["text"]
    (button,) = actions["elements"]
    assert button["url"].startswith("https://runplane.example.com/dashboard/executions/")


def test_email_goes_over_starttls_with_plain_and_html_parts(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with smtp_receiver(tmp_path) as smtp:
        monkeypatch.setenv("SSL_CERT_FILE", str(smtp.ca_file))
        mail_from = {"smtp_url": smtp.url, "smtp_from": "runplane@example.com"}
        settings = settings.model_copy(update=mail_from)
        one_failure(db, clock, webhook_env=None, emails=("oncall@example.com",))
        send_due(db, settings, clock=clock, environ={})
    (delivery,) = deliveries(db)
    assert (delivery.channel, delivery.state) == (ChannelKind.EMAIL, DeliveryState.SENT)
    (envelope,) = smtp.messages
    assert envelope.rcpt_tos == ["oncall@example.com"]
    assert smtp.logins == [(b"mailer", b"smtp-s3cret")]
    assert isinstance(envelope.content, bytes)
    mail = message_from_bytes(envelope.content)
    assert "runplane.sleep failed" in str(mail["Subject"])
    parts: list[EmailMessage] = [p for p in mail.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    html = parts[1].get_payload(decode=True)
    assert isinstance(html, bytes)
    assert b'<a href="https://runplane.example.com/dashboard/executions/' in html


@pytest.mark.slow
def test_serve_sends_one_failed_message_after_the_last_automatic_retry(
    runtime: ServingRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = runtime.db
    with http_receiver() as receiver:
        monkeypatch.setenv("TEST_HOOK_URL", receiver.url)
        with db.write() as conn:
            make_rule(conn, pipelines=("tests.unavailable",))
        first = submit_execution(db, "tests.unavailable", {}, trigger=Trigger.API, triggered_by="t")

        def last_attempt_failed() -> bool:
            with db.read() as conn:
                chain = retries.list_retry_chain(conn, first)
            return len(chain) == 3 and chain[-1].status is ExecutionStatus.FAILED

        wait_until(last_attempt_failed, timeout=60, what="three failed attempts")
        wait_until(lambda: len(receiver.requests) >= 1, timeout=30, what="the message")
        time.sleep(3 * runtime.settings.notification_interval)  # time for a duplicate to show
    (request,) = receiver.requests
    body = json.loads(request.body)
    with db.read() as conn:
        last = retries.list_retry_chain(conn, first)[-1]
    assert (body["event"], body["execution_id"]) == ("failed", last.execution_id)
    assert last.attempt == 3
