"""Placing approved bulletins on stations: slots on dates, an exact time, or now.

Recurring slots are kept in the station's local clock time; every concrete occurrence is computed
here and stored in UTC, under a unique key so that placing or expanding twice cannot duplicate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from broadcast.errors import InvalidInput
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStatus,
    ItemStatus,
    Placement,
    PlacementMode,
    PlaylistItem,
    Priority,
    Station,
    StationSlot,
    User,
    utcnow,
)
from broadcast.services import audit
from broadcast.services.bulletins import _stations

PLACEABLE = {BulletinStatus.approved, BulletinStatus.ready}


def local_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(station: Station, instant: datetime) -> bool:
    """True when ``instant`` falls in the station's quiet hours (which may wrap past midnight)."""
    local = instant.astimezone(ZoneInfo(station.timezone)).time()
    start, end = local_time(station.quiet_start), local_time(station.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def slot_occurrences(station: Station, slots: Sequence[StationSlot], day: date
                     ) -> list[tuple[StationSlot, datetime]]:
    """The UTC start instants of a station's slots on a local calendar date."""
    zone = ZoneInfo(station.timezone)
    found = []
    for slot in slots:
        if str(day.weekday()) not in slot.weekdays:
            continue
        iso = day.isoformat()
        if (slot.valid_from and iso < slot.valid_from) or (slot.valid_to and iso > slot.valid_to):
            continue
        start = datetime.combine(day, local_time(slot.start_local), tzinfo=zone).astimezone(UTC)
        found.append((slot, start))
    return sorted(found, key=lambda pair: pair[1])


def place(session: Session, user: User, bulletin: Bulletin, *, station_codes: Iterable[str],
          mode: PlacementMode, at: datetime | None = None, dates: Sequence[date] = (),
          slot_names: Sequence[str] = (), repeat: int = 1, valid_until: datetime | None = None,
          now: datetime | None = None) -> tuple[Placement, list[PlaylistItem]]:
    """Create a placement and its playlist items, or raise with a message naming what is wrong."""
    now = now or utcnow()
    if bulletin.status not in PLACEABLE:
        raise InvalidInput(f"only an approved bulletin can be placed (this one is {bulletin.status})")
    if not 1 <= repeat <= 20:
        raise InvalidInput("repeat must be between 1 and 20")
    if valid_until is not None and (valid_until.tzinfo is None or valid_until <= now):
        raise InvalidInput("valid_until must be a future time with a UTC offset")
    stations = _stations(session, user, station_codes)
    instants: list[tuple[Station, StationSlot | None, datetime]] = []
    if mode == PlacementMode.now:
        instants = [(s, None, now) for s in stations]
    elif mode == PlacementMode.at:
        if at is None or at.tzinfo is None:
            raise InvalidInput("give the time to play as ISO 8601 with a UTC offset, e.g. 2026-11-22T06:00:00+07:00")
        if at < now - timedelta(minutes=1):
            raise InvalidInput("that time has already passed")
        instants = [(s, None, at.astimezone(UTC)) for s in stations]
    else:
        if not dates:
            raise InvalidInput("choose at least one date for slot placement")
        for station in stations:
            slots = session.exec(select(StationSlot).where(StationSlot.station_id == station.id)).all()
            if slot_names:
                slots = [s for s in slots if s.name in slot_names]
            matched = [(station, slot, start) for day in dates for slot, start in slot_occurrences(station, slots, day)
                       if start >= now]
            if not matched:
                raise InvalidInput(f"station {station.code} has no upcoming slot on the chosen dates")
            instants.extend(matched)
    if bulletin.priority != Priority.emergency:
        quiet = [f"{s.code} at {i.astimezone(ZoneInfo(s.timezone)):%H:%M %d/%m}" for s, _, i in instants
                 if in_quiet_hours(s, i)]
        if quiet:
            raise InvalidInput("this falls in quiet hours (only emergencies may play then): " + "; ".join(quiet))
    if valid_until is not None:
        instants = [t for t in instants if t[2] <= valid_until]
        if not instants:
            raise InvalidInput("every occurrence would be after valid_until")
    placement = Placement(bulletin_id=bulletin.id, mode=mode, priority=bulletin.priority, repeat=repeat,
                          valid_until=valid_until, created_by=user.id)
    session.add(placement)
    session.flush()
    items = [PlaylistItem(placement_id=placement.id, station_id=station.id, bulletin_id=bulletin.id,
                          slot_id=slot.id if slot else None, play_at=instant, repeat_index=index,
                          priority=bulletin.priority, valid_until=valid_until)
             for station, slot, instant in instants for index in range(repeat)]
    session.add_all(items)
    session.flush()
    audit.record(session, user, "placement.create", "bulletin", bulletin.id,
                 f"{mode.value} on {', '.join(s.code for s in stations)}: {len(items)} occurrence(s)")
    return placement, items


def station_playlist(session: Session, station: Station, start: datetime, end: datetime
                     ) -> list[tuple[PlaylistItem, Bulletin, AudioAsset | None]]:
    """What a station plays between two instants, in play order (emergencies first at equal times)."""
    rows = session.exec(
        select(PlaylistItem, Bulletin, AudioAsset)
        .join(Bulletin, Bulletin.id == PlaylistItem.bulletin_id)
        .join(AudioAsset, AudioAsset.id == Bulletin.asset_id, isouter=True)
        .where(PlaylistItem.station_id == station.id, PlaylistItem.play_at >= start, PlaylistItem.play_at < end,
               col(PlaylistItem.status).not_in([ItemStatus.cancelled]))
        .order_by(PlaylistItem.play_at, PlaylistItem.id)
    ).all()
    return [(item, bulletin, asset) for item, bulletin, asset in rows]


def cancel_placement(session: Session, user: User, placement: Placement, reason: str = "") -> int:
    """Cancel a placement's occurrences that have not played yet; returns how many were cancelled."""
    if placement.cancelled_at is not None:
        raise InvalidInput("this placement is already cancelled")
    now = utcnow()
    placement.cancelled_at = now
    session.add(placement)
    items = session.exec(select(PlaylistItem).where(PlaylistItem.placement_id == placement.id,
                                                    PlaylistItem.status == ItemStatus.scheduled)).all()
    for item in items:
        item.status, item.status_at = ItemStatus.cancelled, now
        session.add(item)
    audit.record(session, user, "placement.cancel", "bulletin", placement.bulletin_id,
                 f"placement {placement.id}: {len(items)} occurrence(s) cancelled. {reason}".strip())
    return len(items)
