"""kill -9 of `serve` while a notification is pending: after the restart it is delivered,
with the same `Idempotency-Key`, and no secret shows in the server's log."""

from __future__ import annotations

import pytest

from runplane.model.notification import DeliveryState
from runplane.store import Database
from runplane.store import notifications as notification_store
from tests.conftest import wait_until
from tests.factories import make_rule
from tests.faults.conftest import Serve, submit, wait_final
from tests.support.receivers import http_receiver

pytestmark = pytest.mark.slow

SECRET_QUERY = "?token=hook-s3cret-value"


def test_a_delivery_pending_when_serve_is_killed_is_delivered_after_the_restart(
    serve: Serve,
) -> None:
    db = Database(serve.settings.resolved_database_url)
    with db.write() as conn:
        make_rule(conn, pipelines=("tests.*",))
    with http_receiver(*[500] * 1000) as receiver:
        serve.extra_env["TEST_HOOK_URL"] = receiver.url + SECRET_QUERY
        serve.start()
        with serve.client() as client:
            failed = submit(client, "tests.key_error")
        wait_final(db, failed)

        def attempted() -> bool:
            with db.read() as conn:
                return any(d.attempts >= 1 for d in notification_store.list_deliveries(conn))

        wait_until(attempted, timeout=30, what="a first, refused attempt")
        serve.kill()
        with db.read() as conn:
            (pending,) = notification_store.list_deliveries(conn)
        assert pending.state is DeliveryState.PENDING
        receiver.answers.clear()
        serve.start()

        def delivered() -> bool:
            with db.read() as conn:
                (delivery,) = notification_store.list_deliveries(conn)
            return delivery.state is DeliveryState.SENT

        wait_until(delivered, timeout=60, what="the delivery after the restart")
    keys = {request.headers["idempotency-key"] for request in receiver.requests}
    assert keys == {pending.delivery_id}
    assert receiver.requests[-1].path == "/hook" + SECRET_QUERY
    assert "hook-s3cret-value" not in serve.text()
    db.dispose()
