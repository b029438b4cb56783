"""The Celery app's choices, which the deployment page documents: JSON only (never pickle),
late acknowledgement, one message per free slot, the visibility timeout from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from runplane.engine.distributed.app import TASK, celery_app
from runplane.settings import Settings


def test_messages_are_json_acknowledged_late_one_per_free_slot(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        executor="celery",
        broker_url=SecretStr("redis://:pw@127.0.0.1:6379/0"),
        broker_visibility_timeout=7200,
    )
    conf = celery_app(settings).conf
    assert (conf.task_serializer, list(conf.accept_content)) == ("json", ["json"])
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options == {"visibility_timeout": 7200}
    assert (conf.task_default_queue, conf.task_ignore_result) == ("default", True)
    assert TASK == "runplane.run_execution"


def test_an_app_needs_a_broker(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RUNPLANE_BROKER_URL is not set"):
        celery_app(Settings(home=tmp_path, executor="celery"))
