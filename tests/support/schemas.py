"""What the schema tests compare: objects made for one backend only exist only there."""

from __future__ import annotations

from collections.abc import Callable


def on_backend(dialect: str) -> Callable[..., bool]:
    """An Alembic `include_object` leaving out what `ddl_if` makes on another backend
    (the PostgreSQL-only GIN index on the parameters)."""

    def include(item: object, *_: object) -> bool:
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include
