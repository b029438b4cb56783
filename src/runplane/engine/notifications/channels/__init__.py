"""Where messages go: a signed JSON webhook, a Slack incoming webhook, email over SMTP.

Each channel reads its secrets from the environment when it sends and returns an
`Outcome`; none raises, logs or returns a secret.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One attempt's result: delivered, or why not and whether trying again may help."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None
    retry: bool = False
