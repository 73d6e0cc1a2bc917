"""Receiver reports: per-receiver events about occurrences, and heartbeats that set the station's health.

Idempotent by (receiver, event_id): a re-sent event is acknowledged as a duplicate and changes nothing.
An event about an item that is not on the receiver's station is stored (for diagnosis) but marked
ignored and changes nothing. The first ``played`` event from any receiver of the station marks the
occurrence played; a late ``played`` report corrects an occurrence the expiry job had marked missed.
A final ``failed`` or ``skipped`` report closes the occurrence at once (not at expiry) when every active
receiver of the station has reported one; a download failure is not final (the receiver fetches again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from broadcast.models import (
    EventKind,
    ItemStatus,
    ManifestState,
    PlaylistItem,
    Priority,
    Receiver,
    ReceiverEvent,
    StationHealth,
)
from broadcast.protocol import Heartbeat, ReportsRequest
from broadcast.schedule.changes import mark_changed

LOW_DISK_MB = 200.0
MAX_CLOCK_OFFSET_S = 30.0
OFFLINE_AFTER = timedelta(minutes=10)
CORRECTABLE = (ItemStatus.scheduled, ItemStatus.missed, ItemStatus.failed, ItemStatus.skipped)
MAX_EVENT_SKEW = timedelta(days=1)  # a receiver's clock may drift, not by a day: such a time is not believed


@dataclass
class IngestResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def ingest(session: Session, receiver: Receiver, body: ReportsRequest, now: datetime) -> IngestResult:
    """Store a batch of events and the heartbeat; returns which event ids were new and which repeats."""
    result = IngestResult()
    ids = [e.event_id for e in body.events]
    known = set(session.exec(select(ReceiverEvent.event_id).where(
        ReceiverEvent.receiver_id == receiver.id, col(ReceiverEvent.event_id).in_(ids))).all()) if ids else set()
    for event in body.events:
        if event.event_id in known:
            result.duplicates.append(event.event_id)
            continue
        known.add(event.event_id)
        item = session.get(PlaylistItem, event.item_id) if event.item_id is not None else None
        ignored = None
        if event.item_id is not None and (item is None or item.station_id != receiver.station_id):
            ignored = "item is not on this receiver's station"
        elif event.kind != "rejected" and event.item_id is None:
            ignored = "no item_id"
        at, started_at, detail = event.at, event.started_at, event.detail
        if _implausible(at, now) or (started_at is not None and _implausible(started_at, now)):
            # Stored at the server's time, the claimed times kept in the detail: no page ever has to show
            # (or compute with) year 9999, and the receiver still deletes the event from its queue.
            ignored = "event time is more than a day from the server's clock"
            claimed = f"claimed at={at.isoformat()}" + (f" started_at={started_at.isoformat()}" if started_at else "")
            at, started_at, detail = now, None, f"{claimed}; {detail}"[:1000]
        row = ReceiverEvent(receiver_id=receiver.id, station_id=receiver.station_id, event_id=event.event_id,
                            item_id=event.item_id, kind=EventKind(event.kind), at=at,
                            started_at=started_at, detail=detail,
                            sha256=event.sha256, ignored=ignored, received_at=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # the same event arrived concurrently in another request
            result.duplicates.append(event.event_id)
            continue
        result.accepted.append(event.event_id)
        if ignored:
            result.ignored.append(event.event_id)
        elif item is not None and event.kind == "played":
            _played(session, receiver, item, event.started_at, event.at, now)
        elif item is not None and event.kind in ("failed", "skipped") and not event.detail.startswith("download of"):
            _gave_up(session, receiver, item, now)
    if body.heartbeat is not None:
        _heartbeat(session, receiver, body.heartbeat, now)
    receiver.last_seen_at = now
    session.add(receiver)
    _update_health(session, receiver.station_id, now, receiver.id)
    return result


def _implausible(moment: datetime, now: datetime) -> bool:
    try:
        return abs(moment - now) > MAX_EVENT_SKEW
    except OverflowError:
        return True


def _played(session: Session, receiver: Receiver, item: PlaylistItem, started_at: datetime | None,
            ended_at: datetime, now: datetime) -> None:
    """Staff see when it started (older receivers send only the end; then that is all there is)."""
    at = started_at or ended_at
    if item.status in CORRECTABLE:
        corrected = item.status != ItemStatus.scheduled
        when = (f"started {started_at.isoformat()}, ended {ended_at.isoformat()}" if started_at
                else f"ended {ended_at.isoformat()}")
        item.status, item.status_at = ItemStatus.played, now
        if item.priority == Priority.emergency:
            mark_changed(session, [item.station_id], now)  # the manifests' emergency flag (fast polling) goes off
        item.status_detail = (f"played by receiver {receiver.id}: {when}"
                              + (" (reported late)" if corrected else ""))[:500]
        session.add(item)
    if receiver.last_played_at is None or at >= receiver.last_played_at:
        receiver.last_played_item_id, receiver.last_played_at = item.id, at


def _gave_up(session: Session, receiver: Receiver, item: PlaylistItem, now: datetime) -> None:
    """Close a still-scheduled occurrence once no active receiver of its station can play it any more."""
    if item.status != ItemStatus.scheduled:
        return
    active = set(session.exec(select(Receiver.id).where(Receiver.station_id == item.station_id,
                                                       col(Receiver.revoked_at).is_(None))).all())
    outcomes = session.exec(select(ReceiverEvent.receiver_id, ReceiverEvent.kind).where(
        ReceiverEvent.item_id == item.id, col(ReceiverEvent.ignored).is_(None),
        col(ReceiverEvent.kind).in_((EventKind.failed, EventKind.skipped, EventKind.played)))).all()
    if any(kind == EventKind.played for _, kind in outcomes):
        return
    final = {rid: kind for rid, kind in outcomes if not _transient(session, rid, item)}
    if not active <= set(final):
        return
    failed = EventKind.failed in final.values()
    item.status = ItemStatus.failed if failed else ItemStatus.skipped
    item.status_at = now
    item.status_detail = (f"receiver {receiver.id} reported it {'failed' if failed else 'skipped'}; "
                          "no receiver of the station can play it")[:500]
    session.add(item)
    mark_changed(session, [item.station_id], now)


def _transient(session: Session, receiver_id: int, item: PlaylistItem) -> bool:
    """Only download failures from this receiver for this item (it will fetch the audio again)."""
    details = session.exec(select(ReceiverEvent.detail).where(
        ReceiverEvent.item_id == item.id, ReceiverEvent.receiver_id == receiver_id,
        col(ReceiverEvent.kind).in_((EventKind.failed, EventKind.skipped)))).all()
    return all(d.startswith("download of") for d in details)


def _heartbeat(session: Session, receiver: Receiver, beat: Heartbeat, now: datetime) -> None:
    receiver.software_version = beat.software_version or receiver.software_version
    receiver.free_disk_mb, receiver.volume = beat.free_disk_mb, beat.volume
    receiver.last_error = beat.last_error
    receiver.clock_offset_s = beat.clock_offset_s
    if beat.manifest_sequence is not None:
        state = session.get(ManifestState, receiver.id)
        if state is not None:
            state.receiver_sequence, state.receiver_reported_at = beat.manifest_sequence, now
            session.add(state)


@dataclass(frozen=True)
class ReceiverHealth:
    receiver_id: int
    name: str
    status: str
    problems: list[str]
    last_seen_at: datetime | None


def receiver_health(session: Session, receiver: Receiver, now: datetime) -> ReceiverHealth:
    """ok / warning / error / offline / unknown for one receiver, with the reasons."""
    problems: list[str] = []
    status = "ok"
    if receiver.revoked_at is not None:
        return ReceiverHealth(receiver.id or 0, receiver.name, "revoked", [], receiver.last_seen_at)
    if receiver.last_seen_at is None:
        return ReceiverHealth(receiver.id or 0, receiver.name, "unknown", ["never seen"], None)
    if now - receiver.last_seen_at > OFFLINE_AFTER:
        problems.append(f"not seen since {receiver.last_seen_at.isoformat(timespec='seconds')}")
        status = "offline"
    if receiver.last_error:
        problems.append(f"last error: {receiver.last_error}")
        status = "error" if status == "ok" else status
    rejected = session.exec(select(ReceiverEvent).where(
        ReceiverEvent.receiver_id == receiver.id, ReceiverEvent.kind == EventKind.rejected,
        ReceiverEvent.received_at > now - timedelta(hours=1)).order_by(col(ReceiverEvent.id).desc())).first()
    if rejected is not None:
        problems.append(f"rejected a manifest: {rejected.detail}")
        status = "error" if status == "ok" else status
    if receiver.free_disk_mb is not None and receiver.free_disk_mb < LOW_DISK_MB:
        problems.append(f"low disk: {receiver.free_disk_mb:.0f} MB free")
        status = "warning" if status == "ok" else status
    if receiver.clock_offset_s is not None and abs(receiver.clock_offset_s) > MAX_CLOCK_OFFSET_S:
        problems.append(f"clock off by {receiver.clock_offset_s:+.0f} s")
        status = "warning" if status == "ok" else status
    state = session.get(ManifestState, receiver.id)
    if (state is not None and state.receiver_sequence is not None and state.sequence
            and state.receiver_sequence < state.sequence
            and now - state.generated_at > timedelta(minutes=15)):
        problems.append(f"runs manifest {state.receiver_sequence}, current is {state.sequence}")
        status = "warning" if status == "ok" else status
    return ReceiverHealth(receiver.id or 0, receiver.name, status, problems, receiver.last_seen_at)


_SEVERITY = {"ok": 0, "unknown": 1, "warning": 2, "offline": 3, "error": 4}


def station_health(session: Session, station_id: int, now: datetime) -> tuple[str, list[ReceiverHealth]]:
    """The station's status is its worst active receiver's."""
    receivers = session.exec(select(Receiver).where(Receiver.station_id == station_id,
                                                    col(Receiver.revoked_at).is_(None))).all()
    healths = [receiver_health(session, r, now) for r in receivers]
    if not healths:
        return "unknown", []
    return max((h.status for h in healths), key=lambda s: _SEVERITY.get(s, 1)), healths


def _update_health(session: Session, station_id: int, now: datetime, receiver_id: int | None) -> None:
    status, healths = station_health(session, station_id, now)
    detail = "; ".join(f"{h.name}: {', '.join(h.problems)}" for h in healths if h.problems)[:1000]
    health = session.get(StationHealth, station_id) or StationHealth(station_id=station_id)
    health.status, health.detail, health.updated_at = status, detail, now
    health.last_heartbeat_at, health.last_receiver_id = now, receiver_id
    session.add(health)
