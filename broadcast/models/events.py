"""What receivers tell the server: per-receiver events about occurrences, and station health."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, enum_type, utcnow


class EventKind(StrEnum):
    downloaded = "downloaded"
    played = "played"
    failed = "failed"
    skipped = "skipped"
    rejected = "rejected"


class ReceiverEvent(SQLModel, table=True):
    """One event reported by a receiver, kept once: (receiver, event_id) is unique, so re-sent reports
    are acknowledged as duplicates and never counted twice."""

    __table_args__ = (UniqueConstraint("receiver_id", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    receiver_id: int = Field(foreign_key="receiver.id", index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    event_id: str = Field(max_length=64)
    item_id: int | None = Field(default=None, index=True)
    kind: EventKind = Field(sa_type=enum_type(EventKind))
    at: datetime = Field(sa_type=UTCDateTime, description="When it happened; for played/failed the end")
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="played/failed: the start")
    detail: str = Field(default="", max_length=1000)
    sha256: str | None = Field(default=None, max_length=64)
    ignored: str | None = Field(default=None, max_length=200, description="Why the event changed nothing")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class StationHealth(SQLModel, table=True):
    """The station's status as its receivers' heartbeats describe it (shown to staff)."""

    station_id: int = Field(foreign_key="station.id", primary_key=True)
    status: str = Field(default="unknown", max_length=16, description="ok | warning | error | unknown")
    detail: str = Field(default="", max_length=1000)
    last_heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_receiver_id: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
