"""Bodies of `/v1/notifications`: a rule (names of variables, never secrets), its PUT body,
deliveries with their attempts, and a test's outcome per channel."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from runplane.api.schemas.values import Instant


class RuleIn(BaseModel):
    """A rule's definition. Every variable it names must be set where the server runs."""

    model_config = ConfigDict(extra="forbid")

    events: list[str] = Field(
        min_length=1,
        max_length=7,
        description="failed (the final attempt only), recovered, cancelled, sla_at_risk, "
        "sla_breached, schedule_missed, worker_lost.",
    )
    pipelines: list[str] = Field(default=[], max_length=50, description="Names or globs.")
    error_classes: list[str] = Field(default=[], max_length=6)
    triggers: list[str] = Field(default=[], max_length=3)
    webhook_env: str | None = Field(None, max_length=200, description="Variable with the URL.")
    slack_env: str | None = Field(None, max_length=200, description="Variable with the URL.")
    emails: list[str] = Field(default=[], max_length=20)
    secret_env: str | None = Field(
        None, max_length=200, description="Variable with the webhook's signing secret."
    )
    window: str | None = Field(
        None, max_length=20, description="Repeats of a problem inside it are counted, not "
        "sent: 30m, 1h (default), 7d.",
    )  # fmt: skip
    enabled: StrictBool = True


class RuleOut(BaseModel):
    name: str
    events: list[str]
    pipelines: list[str]
    error_classes: list[str]
    triggers: list[str]
    webhook_env: str | None
    slack_env: str | None
    emails: list[str]
    secret_env: str | None
    window_seconds: int
    enabled: bool
    source: str = Field(description="cli, api, or file:<path> for a rule the file defines.")
    last_sent_at: Instant | None
    failed_deliveries: int


class AttemptOut(BaseModel):
    at: Instant
    status_code: int | None = Field(description="HTTP or SMTP code; null with no answer.")
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    """One message to one channel; `delivery_id` is its `Idempotency-Key`."""

    delivery_id: str
    rule: str
    channel: str = Field(description="webhook, slack or email.")
    target: str = Field(description="The variable holding the URL, or the email address.")
    event: str
    execution_id: str | None
    state: str = Field(description="pending, sent or failed.")
    attempts: list[AttemptOut]
    created_at: Instant
    sent_at: Instant | None
    last_error: str | None


class RuleDetail(RuleOut):
    deliveries: list[DeliveryOut] = Field(description="The rule's latest, newest first.")


class TestOutcomeOut(BaseModel):
    channel: str
    target: str
    delivered: bool
    status_code: int | None
    error: str | None
