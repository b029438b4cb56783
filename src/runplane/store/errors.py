"""Exceptions raised by store queries."""


class NotFound(LookupError):
    """A `get_*` query found no row; the message names what was looked for."""


class SchemaError(RuntimeError):
    """The database's schema revision does not match this Runplane; the message says what to do."""
