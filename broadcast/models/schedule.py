"""Broadcast slots, placements and the concrete occurrences (playlist items) they produce."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from .content import Priority
from .types import UTCDateTime, enum_type, utcnow


class StationSlot(SQLModel, table=True):
    """A recurring broadcast slot in the station's local clock time (e.g. 06:00–06:30 daily)."""

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    name: str = Field(default="", max_length=64)
    start_local: str = Field(max_length=5, description="HH:MM local time")
    end_local: str = Field(max_length=5, description="HH:MM local time")
    weekdays: str = Field(default="0123456", max_length=7, description="Monday=0 … Sunday=6")
    valid_from: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD, inclusive")
    valid_to: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD, inclusive")
    template: str | None = Field(default=None, max_length=64)


class PlacementMode(StrEnum):
    slot = "slot"
    at = "at"
    now = "now"


class Placement(SQLModel, table=True):
    """Staff's decision to air a bulletin on some stations; expands into PlaylistItems."""

    id: int | None = Field(default=None, primary_key=True)
    bulletin_id: int = Field(foreign_key="bulletin.id", index=True)
    mode: PlacementMode = Field(sa_type=enum_type(PlacementMode))
    priority: Priority = Field(default=Priority.normal, sa_type=enum_type(Priority))
    repeat: int = Field(default=1, ge=1, le=20)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    on_clash: str = Field(default="refuse", max_length=16, description="refuse | queue | replace")
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ItemStatus(StrEnum):
    scheduled = "scheduled"
    played = "played"
    missed = "missed"
    skipped = "skipped"
    failed = "failed"
    cancelled = "cancelled"


class PlaylistItem(SQLModel, table=True):
    """One concrete occurrence: this bulletin plays on this station around this UTC instant.

    ``play_at`` is the anchor (the slot's start, or the exact time asked for) and, with the placement,
    station and repeat index, the occurrence's unique key: re-expansion, restarts and duplicate jobs cannot
    create a second occurrence. ``starts_at`` is the planned start after packing the slot (priority items
    first, then normal ones, then those queued past a clash) and moves when the slot's content changes.
    ``latest_start`` is the last instant a receiver may still start it (planned start + grace, capped by
    the placement's ``valid_until``); after it, an occurrence nobody reported playing is marked missed.
    """

    __table_args__ = (UniqueConstraint("placement_id", "station_id", "play_at", "repeat_index"),)
    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    bulletin_id: int = Field(foreign_key="bulletin.id", index=True)
    slot_id: int | None = Field(default=None, foreign_key="stationslot.id")
    play_at: datetime = Field(sa_type=UTCDateTime, index=True)
    repeat_index: int = 0
    priority: Priority = Field(default=Priority.normal, sa_type=enum_type(Priority))
    lane: int = Field(default=1, description="Order inside the slot: 0 priority, 1 normal, 2 queued after a clash")
    slot_end: datetime | None = Field(default=None, sa_type=UTCDateTime, description="Nominal end of the slot")
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_ms: int = Field(default=0, description="Actual once the audio exists, estimated from the text before")
    latest_start: datetime = Field(sa_type=UTCDateTime, index=True)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: ItemStatus = Field(default=ItemStatus.scheduled, sa_type=enum_type(ItemStatus), index=True)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_detail: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
