"""Repacking: recomputing the planned starts of the occurrences that share a slot occurrence (or an exact
instant) after anything changes the group: new or cancelled occurrences, or real durations replacing
estimates once the audio exists. Occurrences that already played or were missed keep their times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from broadcast.models import AudioAsset, Bulletin, ItemStatus, Placement, PlaylistItem, Priority, utcnow
from broadcast.schedule.changes import mark_changed
from broadcast.schedule.packing import Entry, pack
from broadcast.services.timing import DEFAULT_GRACE_S, bulletin_duration_ms, latest_start

ACTIVE = (ItemStatus.scheduled, ItemStatus.played)
GroupKey = tuple[int, int, datetime]


def slot_group(session: Session, station_id: int, slot_id: int, anchor: datetime) -> list[PlaylistItem]:
    """The live normal/priority occurrences packed into one slot occurrence of a station."""
    return list(session.exec(select(PlaylistItem).where(
        PlaylistItem.station_id == station_id, PlaylistItem.slot_id == slot_id, PlaylistItem.play_at == anchor,
        col(PlaylistItem.status).in_(ACTIVE), PlaylistItem.priority != Priority.emergency)).all())


def exact_group(session: Session, placement_id: int, station_id: int, anchor: datetime) -> list[PlaylistItem]:
    """The live repeats of one placement played back to back from an exact instant on one station."""
    return list(session.exec(select(PlaylistItem).where(
        PlaylistItem.placement_id == placement_id, PlaylistItem.station_id == station_id,
        PlaylistItem.play_at == anchor, col(PlaylistItem.status).in_(ACTIVE))).all())


def entries(items: Sequence[PlaylistItem]) -> list[Entry[int]]:
    """Occurrences as packing entries: keyed by id, ordered by lane, then placement and repeat."""
    return [Entry(item.id or 0, item.lane, (item.placement_id, item.repeat_index), item.duration_ms) for item in items]


def _group_keys(touched: Iterable[PlaylistItem]) -> tuple[set[GroupKey], set[GroupKey]]:
    """The slot groups (station, slot, anchor) and exact groups (placement, station, anchor) touched."""
    slot_groups: set[GroupKey] = set()
    exact_groups: set[GroupKey] = set()
    for item in touched:
        if item.slot_id is not None and item.priority != Priority.emergency:
            slot_groups.add((item.station_id, item.slot_id, item.play_at))
        else:
            exact_groups.add((item.placement_id, item.station_id, item.play_at))
    return slot_groups, exact_groups


class _Repacker:
    """Packs groups one after the other, looking each bulletin's duration and placement up once."""

    def __init__(self, session: Session, grace_s: int) -> None:
        self.session, self.grace_s = session, grace_s
        self.moved = 0
        self._durations: dict[int, int] = {}
        self._valid_until: dict[int, datetime | None] = {}

    def _duration_of(self, item: PlaylistItem) -> int:
        if item.bulletin_id not in self._durations:
            bulletin = self.session.get(Bulletin, item.bulletin_id)
            self._durations[item.bulletin_id] = (bulletin_duration_ms(self.session, bulletin) if bulletin
                                                 else item.duration_ms)
        return self._durations[item.bulletin_id]

    def _valid_until_of(self, item: PlaylistItem) -> datetime | None:
        if item.placement_id not in self._valid_until:
            placement = self.session.get(Placement, item.placement_id)
            self._valid_until[item.placement_id] = placement.valid_until if placement else None
        return self._valid_until[item.placement_id]

    def repack(self, anchor: datetime, group: Sequence[PlaylistItem]) -> None:
        for item in group:
            item.duration_ms = self._duration_of(item)
        by_id = {item.id: item for item in group}
        for packed in pack(anchor, entries(group)):
            item = by_id[packed.entry.key]
            if item.status != ItemStatus.scheduled:
                continue
            latest = latest_start(packed.start, self._valid_until_of(item), self.grace_s)
            if item.starts_at != packed.start or item.latest_start != latest:
                item.starts_at, item.latest_start = packed.start, latest
                self.moved += 1
            self.session.add(item)


def repack(session: Session, touched: Iterable[PlaylistItem], grace_s: int = DEFAULT_GRACE_S) -> int:
    """Recompute planned starts of every group the given occurrences belong to; returns how many moved."""
    slot_groups, exact_groups = _group_keys(touched)
    repacker = _Repacker(session, grace_s)
    for station_id, slot_id, anchor in slot_groups:
        repacker.repack(anchor, slot_group(session, station_id, slot_id, anchor))
    for placement_id, station_id, anchor in exact_groups:
        repacker.repack(anchor, exact_group(session, placement_id, station_id, anchor))
    session.flush()
    return repacker.moved


def audio_changed(session: Session, bulletin_id: int, grace_s: int = DEFAULT_GRACE_S,
                  now: datetime | None = None) -> int:
    """A bulletin's audio was made (or replaced): repack its pending occurrences with the real duration
    and mark their stations' feeds changed. Returns the number of occurrences concerned."""
    items = list(session.exec(select(PlaylistItem).where(PlaylistItem.bulletin_id == bulletin_id,
                                                         PlaylistItem.status == ItemStatus.scheduled)).all())
    if items:
        repack(session, items, grace_s=grace_s)
        mark_changed(session, [i.station_id for i in items], now)
    return len(items)


def reconcile_durations(session: Session, grace_s: int = DEFAULT_GRACE_S, now: datetime | None = None) -> int:
    """Repack pending occurrences whose stored duration differs from their audio's (self-healing after a
    crash between synthesis and repacking). Returns how many bulletins were repacked."""
    now = now or utcnow()
    rows = session.exec(
        select(PlaylistItem.bulletin_id, PlaylistItem.duration_ms, AudioAsset.duration_s)
        .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
        .join(AudioAsset, col(AudioAsset.id) == Bulletin.asset_id)
        .where(PlaylistItem.status == ItemStatus.scheduled, PlaylistItem.latest_start > now)
    ).all()
    stale = {bid for bid, stored, seconds in rows if stored != round(seconds * 1000)}
    for bulletin_id in sorted(stale):
        audio_changed(session, bulletin_id, grace_s, now)
    return len(stale)
