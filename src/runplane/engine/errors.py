"""Refusals from engine operations; each message says what was wrong and what to do instead."""

from __future__ import annotations


class Refused(Exception):
    """A request that conflicts with the execution's state (the API answers 409)."""


class RetryRefused(Refused):
    def __init__(self, message: str, *, active_id: str | None = None) -> None:
        super().__init__(message)
        self.active_id = active_id


class CancelRefused(Refused):
    pass


class ScheduleRefused(Refused):
    """A change to a schedule that its origin forbids, e.g. editing a file-defined one."""


class InvalidSchedule(ValueError):
    """A schedule that cannot be saved; one message per field (`cron`, `params.tier`, ...)."""

    def __init__(self, name: str, errors: dict[str, str]) -> None:
        self.name = name
        self.errors = errors
        fields = "; ".join(f"{field}: {message}" for field, message in errors.items())
        super().__init__(f"schedule {name[:100]!r} not saved: {fields}")


class InvalidScheduleFile(ValueError):
    """A schedules file that cannot be loaded; the message names the file, schedule and key."""


class AccessRefused(Refused):
    """A change to users or tokens that would break access, e.g. removing the last admin."""


class InvalidAccess(ValueError):
    """A user name, role, password, token or expiry that cannot be used; nothing was written."""


class LoginFailed(Exception):
    """A wrong user name or password (the message never says which)."""


class LoginLocked(Exception):
    """Too many failed logins lately for this user or from this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s (or ask an admin)")
        self.retry_after = retry_after


class BulkRefused(Refused):
    """A bulk action its preview does not allow now: expired, already started, more
    executions than the caller's `max`, or an operation that already ended."""


class InvalidBulk(ValueError):
    """A bulk request that cannot be previewed; `field` names the part at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidRule(ValueError):
    """A notification rule that cannot be saved; the one-line message says what to fix."""


class RuleRefused(Refused):
    """A change to a notification rule its origin forbids, e.g. editing a file-defined one."""
