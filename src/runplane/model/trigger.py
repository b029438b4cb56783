"""How an execution came to exist: by hand, through the API, or on a schedule."""

from enum import StrEnum


class Trigger(StrEnum):
    MANUAL = "manual"
    API = "api"
    SCHEDULED = "scheduled"
