"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite drops the offset, PostgreSQL keeps it; this type always writes UTC and always hands back an
    aware UTC datetime, so comparisons never mix naive and aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """``value`` in ``zone`` for display; a stored value at the very edge of the calendar (year 9999 or 1,
    written by a broken device clock) stays in UTC instead of overflowing: a page must show any stored value."""
    try:
        return value.astimezone(zone)
    except OverflowError:
        return value


def enum_type(enum_cls: type) -> Any:
    """Store a StrEnum as plain VARCHAR: no PostgreSQL enum types to migrate when a value is added."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [member.value for member in members],
    )
