"""What really happened to a placement, cluster by cluster: the truthful delivery status staff watch live.

Derived, never stored: each active receiver (loudspeaker cluster) of each station of the placement, with
whether it is online now and the furthest step its own reports show for the placement's occurrence
there: waiting → downloaded → playing → played / failed / skipped. "Playing" is inferred (a cluster that
downloaded the audio and whose start time has come, with no outcome reported yet); everything else is
what the receiver said. A failed download the receiver fetches again is "retrying", never a failed play,
and a later step outranks it. A cluster that reported nothing is "offline" or "never heard" when it cannot
receive anything right now, so the page never claims a broadcast that nothing can play.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from broadcast.models import EventKind, ItemStatus, PlaylistItem, Receiver, ReceiverEvent, Station

# The order in which a cluster's steps supersede each other (an outcome beats a download).
_RANK = {"downloaded": 1, "played": 3, "failed": 2, "skipped": 2}


@dataclass(frozen=True)
class ClusterDelivery:
    receiver_id: int
    name: str
    online: bool
    never_heard: bool
    # waiting | retrying | downloaded | playing | played | failed | skipped | offline | never | cancelled | missed
    state: str
    detail: str
    at: datetime | None


@dataclass(frozen=True)
class StationDelivery:
    station: Station
    item_status: ItemStatus | None
    starts_at: datetime | None
    clusters: list[ClusterDelivery]

    @property
    def online(self) -> int:
        return sum(1 for c in self.clusters if c.online)

    @property
    def played(self) -> int:
        return sum(1 for c in self.clusters if c.state == "played")


@dataclass(frozen=True)
class Delivery:
    placement_id: int
    stations: list[StationDelivery]

    @property
    def online(self) -> int:
        return sum(s.online for s in self.stations)

    @property
    def clusters(self) -> int:
        return sum(len(s.clusters) for s in self.stations)

    @property
    def finished(self) -> bool:
        """Nothing more will change: every occurrence is closed and every cluster that reported is done."""
        pending = ("retrying", "downloaded", "playing")
        return all(
            s.item_status not in (None, ItemStatus.scheduled) and all(c.state not in pending for c in s.clusters)
            for s in self.stations
        )


RETRIED_DOWNLOAD = "download of"  # how the receiver agent begins a failed download it will fetch again


def _retried(event: ReceiverEvent) -> bool:
    """A failed download the receiver fetches again (the agent's wording): not a failed play, so it never
    outranks what comes after it."""
    return event.kind.value == "failed" and event.detail.startswith(RETRIED_DOWNLOAD)


def _online(receiver: Receiver, offline_after: timedelta, now: datetime) -> bool:
    return receiver.last_seen_at is not None and now - receiver.last_seen_at <= offline_after


def _cluster(
    receiver: Receiver, item: PlaylistItem | None, events: list[ReceiverEvent], offline_after: timedelta, now: datetime
) -> ClusterDelivery:
    online = _online(receiver, offline_after, now)
    never = receiver.last_seen_at is None
    final = [e for e in events if not _retried(e)]
    best = max(final, key=lambda e: (_RANK.get(e.kind.value, 0), e.at), default=None)
    retry = max((e for e in events if _retried(e)), key=lambda e: e.at, default=None)
    state, detail, at = "waiting", "", None
    if best is not None:
        state, detail, at = best.kind.value, best.detail, best.at
        if state == "downloaded" and retry is not None and retry.at > best.at:
            state, detail, at = "retrying", retry.detail, retry.at
        elif state == "downloaded" and item is not None and item.starts_at <= now:
            state = "playing"
    elif item is None or item.status == ItemStatus.cancelled:
        state = "cancelled"
    elif item.status in (ItemStatus.missed, ItemStatus.failed, ItemStatus.skipped):
        state = "missed"
    elif retry is not None:
        state, detail, at = "retrying", retry.detail, retry.at
    elif never:
        state = "never"
    elif not online:
        state = "offline"
    return ClusterDelivery(receiver.id or 0, receiver.name, online, never, state, detail, at)


def placement_delivery(
    session: Session,
    placement_id: int,
    offline_after: timedelta,
    now: datetime,
    station_ids: Iterable[int] | None = None,
) -> Delivery:
    """Per station (only ``station_ids`` when given) and per cluster, where the placement's airing stands."""
    items = session.exec(
        select(PlaylistItem)
        .where(PlaylistItem.placement_id == placement_id)
        .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))
    ).all()
    allowed = set(station_ids) if station_ids is not None else None
    first: dict[int, PlaylistItem] = {}
    for item in items:  # a repeated placement: show the occurrence that matters now (first one not closed)
        current = first.get(item.station_id)
        if current is None or (current.status != ItemStatus.scheduled and item.status == ItemStatus.scheduled):
            first[item.station_id] = item
    ids = [sid for sid in first if allowed is None or sid in allowed]
    stations = {s.id: s for s in session.exec(select(Station).where(col(Station.id).in_(ids or [-1]))).all()}
    receivers = session.exec(
        select(Receiver)
        .where(col(Receiver.station_id).in_(ids or [-1]), col(Receiver.revoked_at).is_(None))
        .order_by(col(Receiver.id))
    ).all()
    item_ids = [i.id for i in first.values() if i.id is not None]
    events: dict[tuple[int, int], list[ReceiverEvent]] = {}
    for event in session.exec(
        select(ReceiverEvent).where(
            col(ReceiverEvent.item_id).in_(item_ids or [-1]), col(ReceiverEvent.ignored).is_(None)
        )
    ).all():
        if event.kind != EventKind.rejected:
            events.setdefault((event.receiver_id, event.item_id or 0), []).append(event)
    result = []
    for station_id in sorted(ids, key=lambda s: stations[s].name if s in stations else ""):
        item = first[station_id]
        clusters = [
            _cluster(r, item, events.get((r.id or 0, item.id or 0), []), offline_after, now)
            for r in receivers
            if r.station_id == station_id
        ]
        if station_id in stations:
            result.append(StationDelivery(stations[station_id], item.status, item.starts_at, clusters))
    return Delivery(placement_id, result)
