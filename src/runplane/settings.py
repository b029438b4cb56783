"""The one settings object, read from `RUNPLANE_*` environment variables.

Intervals and timeouts live here so tests can shorten them instead of sleeping.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from runplane.model.cost import RateCard, Rates
from runplane.tiers import Feature, Tier, includes


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUNPLANE_", extra="ignore")

    home: Path = Field(Path(".runplane"), description="Folder for the embedded database.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means a SQLite file under `home`."
    )
    tier: Tier = Tier.INTERMEDIATE
    data_dir: Path = Field(Path("data"), description="Root folder pipelines may read files from.")
    max_workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=256)
    executor: Literal["local", "celery"] = Field(
        "local",
        description="Where executions run: 'local' (in serve's own processes) or 'celery' "
        "(Celery workers, with RUNPLANE_BROKER_URL and PostgreSQL).",
    )
    broker_url: SecretStr | None = Field(
        None, description="The Celery broker, redis://HOST:6379/0; its password is never shown."
    )
    redispatch_after: float = Field(
        30.0,
        gt=0,
        description="Seconds after which serve sends a still pending, unclaimed execution to "
        "the broker again (a broker that lost its messages loses no execution).",
    )
    broker_visibility_timeout: float = Field(
        3600.0,
        gt=0,
        description="Seconds Redis waits for a worker to acknowledge a message before it "
        "delivers it again; set it above the longest execution.",
    )

    poll_interval: float = Field(0.1, gt=0, description="How often executors look for new work.")
    heartbeat_interval: float = Field(2.0, gt=0)
    worker_timeout: float = Field(
        30.0, gt=0, description="Heartbeat age after which a worker is lost."
    )
    housekeeping_interval: float = Field(
        300.0,
        gt=0,
        description="Seconds between sweeps deleting the rows of captures whose execution "
        "ended without publishing them.",
    )
    sla_interval: float = Field(
        5.0,
        gt=0,
        description="Seconds between the SLA watch's checks of executions under an SLA and "
        "of scheduled instants that missed theirs (advanced tier).",
    )
    lease_seconds: float = Field(
        15.0,
        gt=0,
        description="How long a background loop of serve (SLA watch, notification sender, "
        "bulk runner, capture sweep) stays with one process unless renewed; another serve "
        "sharing the database takes it over once it expires.",
    )
    cancel_grace: float = Field(30.0, ge=0, description="Seconds between stop signal and kill.")
    log_flush_interval: float = Field(0.2, gt=0)
    log_flush_lines: int = Field(500, ge=1)
    resource_sample_interval: float = Field(1.0, gt=0)
    sqlite_busy_timeout: float = Field(30.0, gt=0)
    sqlite_max_page_count: int | None = Field(
        None,
        ge=1,
        description="Caps a SQLite database at this many pages on every process's connections "
        "(the fault tests' full disk where they cannot mount one).",
    )
    final_write_timeout: float = Field(
        30.0,
        ge=0,
        description="How long a run retries its final write (disk full, database locked) "
        "before it hands its outcome to its executor, which writes it once storage recovers.",
    )
    log_max_lines: int = Field(
        200_000, ge=100, description="Log lines one execution keeps; past it, head and tail."
    )
    log_max_bytes: int = Field(
        100 * 1024 * 1024, ge=10_000, description="Log bytes one execution keeps."
    )
    log_max_line_bytes: int = Field(
        16 * 1024, ge=100, description="Longer log lines are cut to this many bytes."
    )
    log_tail_lines: int = Field(
        10_000, ge=0, description="Last lines kept once a log is past its caps."
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body the server reads (else 413)."
    )
    health_probe_interval: float = Field(
        5.0, gt=0, description="Seconds between the health check's write probes."
    )
    health_min_free_mb: int = Field(
        200, ge=0, description="Free disk space (MB) under which the health check is degraded."
    )
    health_stuck_after: float = Field(
        30.0,
        gt=0,
        description="A due pending execution this old while the executor has free slots "
        "means the executor is not taking work.",
    )
    fault_at: Literal["claim", "mid-run", "publish", "final-write", "bulk-item"] | None = Field(
        None,
        description="Test-only: the engine point where a process pauses for the fault tests "
        "(ignored unless `fault_dir` is set too).",
    )
    fault_dir: Path | None = Field(
        None, description="Test-only: where a paused process says so and waits to go on."
    )
    retry_backoff_scale: float = Field(
        1.0, ge=0, description="Multiplies every automatic-retry backoff (tests use 0.01)."
    )
    scheduler_interval: float = Field(
        1.0, gt=0, le=60, description="How often `serve` looks for scheduled instants due."
    )
    schedule_late_after: float = Field(
        60.0,
        gt=0,
        description="A scheduled instant fired more than this many seconds after it is late: "
        "it was missed while no scheduler ran, and its catch-up policy applies.",
    )
    schedule_overdue_after: float = Field(
        15.0,
        gt=0,
        description="A schedule is overdue once its latest instant is this many seconds past "
        "without an execution.",
    )
    schedule_catch_up_limit: int = Field(
        100, ge=1, le=10_000, description="Most missed instants one `catch_up = all` run fires."
    )
    bulk_max_pending: int = Field(
        10,
        ge=1,
        description="Most executions bulk retries may have pending at once; a bulk retry "
        "waits for them to start before it creates more.",
    )
    bulk_rate: float = Field(
        5.0, gt=0, description="Most executions a bulk operation retries or cancels per second."
    )
    bulk_interval: float = Field(
        0.2, gt=0, le=60, description="How often `serve` works on running bulk operations."
    )
    bulk_preview_seconds: float = Field(
        900.0, gt=0, description="How long a bulk preview can be acted on."
    )
    bulk_max_set: int = Field(
        10_000, ge=1, description="Most executions one bulk preview may select."
    )
    pipeline_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Extra modules to import for their pipelines, besides entry points "
        "(comma-separated in the environment).",
    )

    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names (and addresses) requests may name in `Host`; empty means "
        "the loopback names and the address `serve` binds. Comma-separated.",
    )
    public_url: str = Field(
        "",
        description="The address users reach, e.g. https://runplane.example.com behind a "
        "proxy: an allowed origin, and https makes the session cookie Secure.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-* "
        "headers are believed. Comma-separated; none by default.",
    )
    trusted_user_header: str = Field(
        "",
        description="A header a trusted proxy sets to the signed-in user's name (SSO), e.g. "
        "X-Forwarded-User; off when empty.",
    )
    auth_cache_seconds: float = Field(
        5.0, ge=0, le=300, description="How long a server reuses a token or session lookup."
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="A login's lifetime.")
    allowed_source_hosts: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="Hosts pipelines may fetch from (`host` or `host:port`); unset means the "
        "hosts the loaded data domains declare. Comma-separated.",
    )
    url: str = Field(
        "",
        description="A remote server (https://runplane.example.com): `runplane run` and "
        "`runplane executions` then call its API instead of opening the database.",
    )
    token: str = Field("", description="The API token those calls send (RUNPLANE_TOKEN).")
    smtp_url: str = Field(
        "",
        description="The mail server notifications send email through: "
        "smtp://user:password@host:587 (STARTTLS, always). Never shown or logged.",
        repr=False,
    )
    smtp_from: str = Field("", description="The sender address of notification email.")
    notification_interval: float = Field(
        1.0, gt=0, description="How often serve matches new events and sends due messages."
    )
    notification_timeout: float = Field(
        10.0, gt=0, le=120, description="The longest one notification send may take."
    )
    notification_max_attempts: int = Field(
        6, ge=1, le=50, description="Attempts at one delivery before it is marked failed."
    )
    fetch_max_bytes: int = Field(1 << 30, ge=1, description="The most one outbound fetch may read.")
    fetch_max_seconds: float = Field(
        900.0, gt=0, description="The longest one outbound fetch may take, start to end."
    )
    cost_cpu_hour: float = Field(
        0.05, ge=0, description="What one CPU-hour of an execution's processes costs."
    )
    cost_gb_hour: float = Field(
        0.01, ge=0, description="What one GB-hour of their resident memory costs."
    )
    cost_currency: str = Field(
        "USD", pattern=r"^[A-Z]{3}$", description="The ISO 4217 code costs are in, e.g. EUR."
    )
    cost_rates: Annotated[dict[str, tuple[float, float]], NoDecode] = Field(
        default_factory=dict,
        description="Pipelines priced differently: `pipeline=cpu:gb` pairs, comma-separated "
        "(e.g. `team.heavy=0.12:0.02`), in the same currency.",
    )

    @field_validator(
        "pipeline_modules", "allowed_hosts", "trusted_proxies", "allowed_source_hosts",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _split_modules(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("cost_rates", mode="before")
    @classmethod
    def _rates(cls, value: object) -> object:
        return parse_rates(value) if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an address or network (CIDR)") from None
        return value

    @property
    def rate_card(self) -> RateCard:
        """The rates an execution's cost is computed with when it ends."""
        default = Rates(self.cost_cpu_hour, self.cost_gb_hour, self.cost_currency)
        overrides = {
            name: Rates(cpu, gb, self.cost_currency) for name, (cpu, gb) in self.cost_rates.items()
        }
        return RateCard(default, overrides)

    def has(self, feature: Feature) -> bool:
        """Whether this deployment's tier includes `feature`."""
        return includes(self.tier, feature)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'runplane.db').resolve()}"


def parse_rates(text: str) -> dict[str, tuple[float, float]]:
    """`team.heavy=0.12:0.02, team.light=0.01:0` (or the JSON object
    `{"team.heavy": [0.12, 0.02]}`) as `{pipeline: (cpu_hour, gb_hour)}`; raises
    ValueError naming the entry that is not in that form."""
    if text.strip().startswith("{"):
        try:
            pairs = json.loads(text)
            text = ",".join(f"{name}={cpu}:{gb}" for name, (cpu, gb) in pairs.items())
        except (ValueError, TypeError, AttributeError):
            raise ValueError(
                f"{text!r} is not a JSON object of pipeline: [cpu, gb] rates"
            ) from None
    rates: dict[str, tuple[float, float]] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, _, pair = entry.partition("=")
        cpu, _, gb = pair.partition(":")
        try:
            values = (float(cpu), float(gb))
        except ValueError:
            values = (-1.0, -1.0)
        if not name.strip() or min(values) < 0 or not all(map(math.isfinite, values)):
            raise ValueError(
                f"{entry!r} is not pipeline=cpu:gb with two rates of 0 or more "
                "(e.g. team.heavy=0.12:0.02)"
            )
        rates[name.strip()] = values
    return rates
