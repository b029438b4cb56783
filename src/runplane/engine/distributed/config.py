"""What the Celery executor needs before `serve` or `runplane worker` starts: PostgreSQL as
the one store, a Redis broker that answers. Each problem is one sentence saying what to set.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from runplane.engine.distributed.broker import BrokerUnavailable, check_reachable
from runplane.settings import Settings


class CeleryMisconfigured(Exception):
    """The Celery executor cannot start; the message says what to set."""


def check_celery(settings: Settings, *, for_worker: bool = False) -> None:
    """Raise `CeleryMisconfigured` unless the Celery executor can run with these settings
    (checked before any database is opened or created)."""
    if settings.executor != "celery":
        if for_worker:
            raise CeleryMisconfigured(
                "`runplane worker` runs executions for the Celery executor: set "
                "RUNPLANE_EXECUTOR=celery, RUNPLANE_BROKER_URL=redis://HOST:6379/0 and "
                "RUNPLANE_DATABASE_URL=postgresql+psycopg://... (the one serve uses)"
            )
        return
    if (
        not settings.database_url
        or make_url(settings.database_url).get_backend_name() != "postgresql"
    ):
        raise CeleryMisconfigured(
            "RUNPLANE_EXECUTOR=celery needs PostgreSQL, the one store every machine shares: "
            "set RUNPLANE_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/DB "
            "(or RUNPLANE_EXECUTOR=local to run executions in this process with SQLite)"
        )
    if settings.broker_url is None or not settings.broker_url.get_secret_value():
        raise CeleryMisconfigured(
            "RUNPLANE_EXECUTOR=celery needs a broker: set RUNPLANE_BROKER_URL=redis://HOST:6379/0"
        )
    try:
        check_reachable(settings.broker_url.get_secret_value(), timeout=2.0)
    except BrokerUnavailable as exc:
        reason = str(exc).rstrip(".")
        raise CeleryMisconfigured(
            f"{reason}; start Redis there or fix RUNPLANE_BROKER_URL"
        ) from None
