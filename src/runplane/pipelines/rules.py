"""Error rules: data that maps an exception to a failure class, a title, a summary and actions.

The engine keeps a table of built-in rules; a pipeline may put its own rules in front
(`@pipeline(..., error_rules=[...])`). Templates are `str.format` strings over the
failure's details: `{message}`, `{type}`, `{url}`, `{host}`, `{status_code}`, `{reason}`,
`{file}`, `{row}`, `{parameter}`, `{pipeline}`, `{prerequisite}`, `{params_text}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runplane.model import ErrorClass


@dataclass(frozen=True)
class ErrorRule:
    """One row of the classification table; the first rule that matches wins."""

    name: str
    classification: ErrorClass
    exceptions: tuple[type[BaseException] | str, ...]
    """Classes, or qualified class names (`"psycopg.errors.SerializationFailure"`) for
    errors of libraries that may not be imported; matched against the exception's MRO."""
    title: str
    summary: str
    actions: tuple[str, ...]
    status_codes: frozenset[int] = frozenset()
    message: re.Pattern[str] | None = None
    requires_status: bool | None = None
    """True: only when the error carries a status code; False: only when it carries none."""
    cause: str = ""
    """What went wrong in a few words, after the class: `Transient — upstream service unavailable`."""

    def matches(self, exc: BaseException, status_code: int | None) -> bool:
        if not self._is_instance(exc):
            return False
        if self.status_codes and status_code not in self.status_codes:
            return False
        if self.requires_status is True and status_code is None:
            return False
        if self.requires_status is False and status_code is not None:
            return False
        return self.message is None or bool(self.message.search(str(exc)))

    def _is_instance(self, exc: BaseException) -> bool:
        names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__}
        return any(
            expected in names if isinstance(expected, str) else isinstance(exc, expected)
            for expected in self.exceptions
        )
