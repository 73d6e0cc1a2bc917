"""Read-only views of the schedule for people: a station's week, and where a bulletin is placed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from broadcast.models import AudioAsset, Bulletin, ItemStatus, Placement, PlaylistItem, Station
from broadcast.services.placements import station_playlist


@dataclass(frozen=True)
class WeekEntry:
    item: PlaylistItem
    bulletin: Bulletin
    asset: AudioAsset | None
    local_time: str


@dataclass(frozen=True)
class WeekDay:
    day: date
    entries: list[WeekEntry]


def station_week(session: Session, station: Station, first_day: date, days: int = 7) -> list[WeekDay]:
    """What the station will play (or played) on ``days`` local calendar days from ``first_day``."""
    zone = ZoneInfo(station.timezone)
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone)
    week = [WeekDay(first_day + timedelta(days=n), []) for n in range(days)]
    for item, bulletin, asset in station_playlist(session, station, start, end):
        local = item.starts_at.astimezone(zone)
        index = (local.date() - first_day).days
        if 0 <= index < days:
            week[index].entries.append(WeekEntry(item, bulletin, asset, local.strftime("%H:%M")))
    return week


@dataclass(frozen=True)
class PlacementSummary:
    placement: Placement
    stations: list[str]
    first_at: datetime | None
    last_at: datetime | None
    counts: dict[str, int]


def bulletin_placements(session: Session, bulletin: Bulletin) -> list[PlacementSummary]:
    """Each placement of a bulletin with its stations, time span and occurrence counts by status."""
    result = []
    for placement in session.exec(select(Placement).where(Placement.bulletin_id == bulletin.id)
                                  .order_by(col(Placement.id).desc())).all():
        rows = session.exec(select(Station.code, PlaylistItem.status, func.count(), func.min(PlaylistItem.starts_at),
                                   func.max(PlaylistItem.starts_at))
                            .join(Station, Station.id == PlaylistItem.station_id)
                            .where(PlaylistItem.placement_id == placement.id)
                            .group_by(Station.code, PlaylistItem.status)).all()
        counts: dict[str, int] = {}
        firsts, lasts = [], []
        for _, status, count, first, last in rows:
            key = status.value if isinstance(status, ItemStatus) else str(status)
            counts[key] = counts.get(key, 0) + int(count)
            firsts.append(first)
            lasts.append(last)
        result.append(PlacementSummary(placement, sorted({code for code, *_ in rows}),
                                       min(firsts) if firsts else None, max(lasts) if lasts else None, counts))
    return result


def stations_week(session: Session, stations: list[Station], first_day: date, days: int = 7
                  ) -> dict[int, list[WeekDay]]:
    """Several stations' weeks at once (a district's or the province's grid): station id → its days.

    One query for all of them, not one per station: a province has hundreds of communes."""
    weeks = {s.id: [WeekDay(first_day + timedelta(days=n), []) for n in range(days)] for s in stations if s.id}
    if not weeks:
        return {}
    zones = {s.id: ZoneInfo(s.timezone) for s in stations if s.id}
    # The widest window any station's local days can span (stations may sit in different time zones).
    start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=ZoneInfo("UTC"))
    end = datetime.combine(first_day + timedelta(days=days + 1), time(0), tzinfo=ZoneInfo("UTC"))
    rows = session.exec(
        select(PlaylistItem, Bulletin, AudioAsset)
        .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
        .join(AudioAsset, col(AudioAsset.id) == Bulletin.asset_id, isouter=True)
        .where(col(PlaylistItem.station_id).in_(list(weeks)), PlaylistItem.starts_at >= start,
               PlaylistItem.starts_at < end, col(PlaylistItem.status).not_in([ItemStatus.cancelled]))
        .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))).all()
    for item, bulletin, asset in rows:
        local = item.starts_at.astimezone(zones[item.station_id])
        index = (local.date() - first_day).days
        if 0 <= index < days:
            weeks[item.station_id][index].entries.append(WeekEntry(item, bulletin, asset, local.strftime("%H:%M")))
    return weeks
