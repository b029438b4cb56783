"""Typed errors a pipeline raises so the engine can classify a failure without parsing text.

Each carries the context an operator needs next: the URL and status, the file and line,
the parameter, or the prerequisite to run first.
"""

from __future__ import annotations

import difflib
from typing import Any


class PipelineError(Exception):
    """Base of the typed pipeline errors; `message` is what the operator reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        """The structured context stored with the failure."""
        return {}


class TransientError(PipelineError):
    """An upstream failed in a way that may pass: HTTP 429/5xx, a timeout, a refused connection."""

    def __init__(self, message: str, *, url: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.url = url
        self.status_code = status_code

    def details(self) -> dict[str, Any]:
        return {"url": self.url, "status_code": self.status_code}


class DataError(PipelineError):
    """The input data is missing or wrong: a file that is absent, empty or malformed."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        url: str | None = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.file = file
        self.row = row
        self.url = url
        self.status_code = status_code

    def details(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "url": self.url,
            "status_code": self.status_code,
        }


class ConfigError(PipelineError):
    """A parameter or setting is wrong; `parameter` names which one to change."""

    def __init__(self, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter

    def details(self) -> dict[str, Any]:
        return {"parameter": self.parameter}


class DependencyError(PipelineError):
    """A prerequisite has not run or not published; names the pipeline and parameters to run."""

    def __init__(self, message: str, *, pipeline: str, params: dict[str, Any]):
        super().__init__(message)
        self.pipeline = pipeline
        self.params = params

    def details(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "params": self.params}


class Cancelled(BaseException):
    """Raised by `RunContext.check_cancelled()` once a stop was requested.

    A BaseException so that a pipeline's broad `except Exception` does not swallow it.
    """


class InvalidParams(ValueError):
    """Parameters that do not validate; one message per field, ready for a form or a 422."""

    def __init__(self, pipeline: str, errors: dict[str, str]):
        self.pipeline = pipeline
        self.errors = errors
        fields = "; ".join(f"{name}: {message}" for name, message in errors.items())
        super().__init__(f"invalid parameters for {pipeline}: {fields}")


class UnknownPipeline(LookupError):
    def __init__(self, name: str, known: list[str]):
        self.name = name
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.85)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        super().__init__(f"unknown pipeline {name!r}{hint}; see `runplane pipelines list`")
