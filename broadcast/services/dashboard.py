"""The receivers' health as staff see it: online or not, last seen, last played, last error.

"Online" is derived from the heartbeat time (``Receiver.last_seen_at``, set whenever a receiver polls or
reports) and one threshold (``Settings.receiver_offline_after_s``); nothing is stored, so the picture can
never disagree with the heartbeats. A station none of whose receivers is online is "silent" and is
listed first, longest silence first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from broadcast.models import Bulletin, PlaylistItem, Receiver, Station, StationHealth, User, utcnow
from broadcast.services.directory import visible_stations


@dataclass(frozen=True)
class ReceiverStatus:
    receiver: Receiver
    online: bool
    last_played_title: str | None
    revoked: bool


@dataclass(frozen=True)
class StationStatus:
    station: Station
    receivers: list[ReceiverStatus]
    silent: bool
    last_heard_at: datetime | None
    health: StationHealth | None = None

    @property
    def online_count(self) -> int:
        return sum(1 for r in self.receivers if r.online)


def is_online(receiver: Receiver, offline_after: timedelta, now: datetime) -> bool:
    return (receiver.revoked_at is None and receiver.last_seen_at is not None
            and now - receiver.last_seen_at <= offline_after)


def station_statuses(session: Session, user: User, offline_after: timedelta,
                     now: datetime | None = None) -> list[StationStatus]:
    """Every visible station with its receivers; silent stations first."""
    now = now or utcnow()
    stations = visible_stations(session, user)
    ids = [s.id for s in stations]
    receivers = session.exec(select(Receiver).where(col(Receiver.station_id).in_(ids or [-1]))
                             .order_by(Receiver.station_id, Receiver.id)).all()
    played_ids = {r.last_played_item_id for r in receivers if r.last_played_item_id}
    titles: dict[int, str] = {}
    if played_ids:
        rows = session.exec(select(PlaylistItem.id, Bulletin.title)
                            .join(Bulletin, Bulletin.id == PlaylistItem.bulletin_id)
                            .where(col(PlaylistItem.id).in_(played_ids))).all()
        titles = {item_id: title for item_id, title in rows if item_id is not None}
    per_station: dict[int, list[ReceiverStatus]] = {}
    for rec in receivers:
        per_station.setdefault(rec.station_id, []).append(ReceiverStatus(
            receiver=rec, online=is_online(rec, offline_after, now),
            last_played_title=titles.get(rec.last_played_item_id or 0), revoked=rec.revoked_at is not None))
    health = {h.station_id: h for h in session.exec(select(StationHealth)
                                                    .where(col(StationHealth.station_id).in_(ids or [-1]))).all()}
    result = []
    for station in stations:
        members = per_station.get(station.id or 0, [])
        heard = [r.receiver.last_seen_at for r in members if r.receiver.last_seen_at and not r.revoked]
        result.append(StationStatus(station=station, receivers=members,
                                    silent=not any(r.online for r in members),
                                    last_heard_at=max(heard) if heard else None,
                                    health=health.get(station.id or 0)))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(result, key=lambda s: (not s.silent, s.last_heard_at or epoch if s.silent else epoch))


def online_counts(session: Session, user: User, offline_after: timedelta,
                  now: datetime | None = None) -> tuple[int, int]:
    """(receivers online, receivers in service) among the user's stations."""
    statuses = station_statuses(session, user, offline_after, now)
    active = [r for s in statuses for r in s.receivers if not r.revoked]
    return sum(1 for r in active if r.online), len(active)
