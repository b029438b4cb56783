"""Exceptions raised by store queries."""


class NotFound(LookupError):
    """A `get_*` query found no row; the message names what was looked for."""


class AmbiguousId(NotFound):
    """An id prefix that more than one execution's id starts with; `candidates` are some."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


class SchemaError(RuntimeError):
    """The database's schema revision does not match this Runplane; the message says what to do."""
