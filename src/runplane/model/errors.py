"""What went wrong in a failed execution, in the shape the API and dashboard show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorClass(StrEnum):
    """Failure classes on the wire; each one implies a different next step for the operator."""

    TRANSIENT = "transient"
    DATA = "data"
    CONFIG = "config"
    DEPENDENCY = "dependency"
    WORKER_LOST = "worker_lost"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SuggestedAction:
    """One step to take.

    `run` carries a pipeline and parameters the dashboard can offer as a one-click run;
    `execution_id` links to a related execution (e.g. the scheduled automatic retry).
    """

    text: str
    run: dict[str, Any] | None = None
    execution_id: str | None = None


@dataclass(frozen=True)
class ExecutionError:
    """A failure as stored with the execution, so it reads the same after the rules change."""

    type: str
    message: str
    classification: ErrorClass
    title: str
    summary: str
    suggested_actions: tuple[SuggestedAction, ...] = ()
    traceback: str | None = None
    fingerprint: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    cause: str = ""
    """The rule's few words on what went wrong (`upstream service unavailable`)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "classification": str(self.classification),
            "title": self.title,
            "summary": self.summary,
            "suggested_actions": [
                {"text": a.text, "run": a.run, "execution_id": a.execution_id}
                for a in self.suggested_actions
            ],
            "traceback": self.traceback,
            "fingerprint": self.fingerprint,
            "details": self.details,
            "cause": self.cause,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExecutionError:
        return cls(
            type=data["type"],
            message=data["message"],
            classification=ErrorClass(data["classification"]),
            title=data.get("title", data["message"]),
            summary=data.get("summary", ""),
            suggested_actions=tuple(
                SuggestedAction(
                    text=a["text"], run=a.get("run"), execution_id=a.get("execution_id")
                )
                for a in data.get("suggested_actions", ())
            ),
            traceback=data.get("traceback"),
            fingerprint=data.get("fingerprint"),
            details=data.get("details") or {},
            cause=data.get("cause") or "",
        )
