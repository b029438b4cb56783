"""The Celery app `serve` sends executions with and `runplane worker` takes them from.

A message carries only an execution id, as JSON (never pickle): the database is the queue
of record and the claim (`pending -> running`, compare-and-set) decides who runs it, so a
message delivered twice runs nothing twice. Acknowledged late, when its execution has
ended or waits for its children, with one message reserved per free slot.
"""

from __future__ import annotations

from celery import Celery

from runplane.model.routing import DEFAULT_QUEUE
from runplane.settings import Settings

TASK = "runplane.run_execution"


def celery_app(settings: Settings) -> Celery:
    """An app for the configured broker; nothing connects until it sends or consumes."""
    if settings.broker_url is None:
        raise ValueError("RUNPLANE_BROKER_URL is not set")
    app = Celery("runplane", broker=settings.broker_url.get_secret_value(), set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=DEFAULT_QUEUE,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2.0,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
    )
    return app
