"""Placing approved bulletins on stations: into slots on dates, at an exact time, or now.

Recurring slots are kept in the station's local clock time; every concrete occurrence is computed here
and stored in UTC under a unique key (placement, station, anchor instant, repeat), so placing, repacking
or a duplicate job can never create a second occurrence.

Priorities follow Circular 39/2020/TT-BTTTT: *normal* fills the station's slots, *priority* goes to the
front of the slot, *emergency* plays at once, interrupting, and is exempt from quiet hours and clashes.
A slot that would overflow (or an exact time that would overlap other content) is a clash: the placement
is refused naming the conflicting occurrences, unless staff choose ``queue`` (after them) or ``replace``
(cancel them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from broadcast.errors import Conflict, Forbidden, InvalidInput
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStatus,
    ItemStatus,
    Placement,
    PlacementMode,
    PlaylistItem,
    Priority,
    Role,
    Station,
    StationSlot,
    User,
    utcnow,
)
from broadcast.schedule.changes import mark_changed
from broadcast.schedule.packing import GAP, LANE_NORMAL, LANE_PRIORITY, LANE_QUEUED, Entry, overflowing, pack
from broadcast.schedule.timeplan import (
    fmt_local,
    slot_occurrences,
)
from broadcast.services import audit
from broadcast.services.accounts import station_ids_for
from broadcast.services.bulletins import _stations, bulletin_station_codes
from broadcast.services.quiet_hours import refuse_runs_into_quiet_hours, refuse_starts_in_quiet_hours
from broadcast.services.repacking import entries, repack, slot_group
from broadcast.services.timing import DEFAULT_GRACE_S, bulletin_duration_ms, latest_start

PLACEABLE = {BulletinStatus.approved, BulletinStatus.ready}
MAX_REPEAT = 20
#: Who may put an emergency on air (an emergency broadcast is started and stopped only by them).
EMERGENCY_ROLES = (Role.approver, Role.admin)


class OnClash(StrEnum):
    refuse = "refuse"
    queue = "queue"
    replace = "replace"


def _lane(priority: Priority) -> int:
    return LANE_PRIORITY if priority == Priority.priority else LANE_NORMAL


def _describe(session: Session, item: PlaylistItem, station: Station) -> dict[str, Any]:
    bulletin = session.get(Bulletin, item.bulletin_id)
    return {"item_id": item.id, "placement_id": item.placement_id, "bulletin_id": item.bulletin_id,
            "title": bulletin.title if bulletin else "", "station": station.code, "priority": item.priority.value,
            "starts_at": item.starts_at.isoformat(), "duration_s": round(item.duration_ms / 1000, 1),
            "local_time": fmt_local(item.starts_at, station.timezone)}


@dataclass
class _Target:
    """Where one placement lands on one station: a slot occurrence, or an exact instant."""

    station: Station
    anchor: datetime
    slot: StationSlot | None = None
    slot_end: datetime | None = None


@dataclass
class _Plan:
    target: _Target
    starts: list[datetime]
    lane: int
    replaced: list[PlaylistItem]


def _plan_slot(session: Session, target: _Target, priority: Priority, duration_ms: int, repeat: int,
               on_clash: OnClash, now: datetime) -> tuple[_Plan | None, list[PlaylistItem]]:
    """Fit ``repeat`` plays into a slot occurrence; returns the plan, or None and the conflicting items."""
    assert target.slot is not None and target.slot_end is not None
    existing = slot_group(session, target.station.id or 0, target.slot.id or 0, target.anchor)
    lane = _lane(priority)

    def try_pack(lane: int, keep: Sequence[PlaylistItem]) -> tuple[list[datetime], bool]:
        new = [Entry(-(i + 1), lane, (2**62, i), duration_ms) for i in range(repeat)]
        packed = pack(target.anchor, entries(keep) + new)
        starts = sorted(p.start for p in packed if p.entry.key < 0)
        return starts, bool(overflowing(packed, target.slot_end))  # type: ignore[arg-type]

    starts, overflow = try_pack(lane, existing)
    if not overflow:
        return _Plan(target, starts, lane, []), []
    # Which existing items stand in the way: those of no higher priority that have not started, latest first.
    rank = {LANE_PRIORITY: 0, LANE_NORMAL: 1, LANE_QUEUED: 1}
    movable = [i for i in existing if i.status == ItemStatus.scheduled and i.starts_at > now
               and rank[i.lane] >= rank[lane]]
    movable.sort(key=lambda i: (i.lane, i.placement_id, i.repeat_index), reverse=True)
    removed: list[PlaylistItem] = []
    fitted: list[datetime] | None = None
    for victim in movable:
        removed.append(victim)
        starts_without, still_over = try_pack(lane, [i for i in existing if i not in removed])
        if not still_over:
            fitted = starts_without
            break
    conflicts = removed if fitted is not None else (movable or existing)
    if on_clash == OnClash.queue:
        queued, _ = try_pack(LANE_QUEUED, existing)
        return _Plan(target, queued, LANE_QUEUED, []), conflicts
    if on_clash == OnClash.replace and fitted is not None:
        return _Plan(target, fitted, lane, removed), conflicts
    return None, conflicts


def _overlapping(session: Session, station_id: int, start: datetime, end: datetime) -> list[PlaylistItem]:
    """Scheduled normal/priority occurrences of a station whose planned time overlaps [start, end)."""
    candidates = session.exec(select(PlaylistItem).where(
        PlaylistItem.station_id == station_id, PlaylistItem.status == ItemStatus.scheduled,
        PlaylistItem.priority != Priority.emergency, PlaylistItem.starts_at < end,
        PlaylistItem.starts_at > start - timedelta(hours=6))).all()
    return [i for i in candidates if i.starts_at + timedelta(milliseconds=i.duration_ms) > start]


def _plan_at(session: Session, target: _Target, priority: Priority, duration_ms: int, repeat: int,
             on_clash: OnClash, now: datetime) -> tuple[_Plan | None, list[PlaylistItem]]:
    """Plays back to back from an exact instant; a non-emergency may not overlap other content."""
    lane = _lane(priority)

    def starts_from(anchor: datetime) -> list[datetime]:
        step = timedelta(milliseconds=duration_ms) + GAP
        return [anchor + i * step for i in range(repeat)]

    def span(anchor: datetime) -> tuple[datetime, datetime]:
        starts = starts_from(anchor)
        return starts[0], starts[-1] + timedelta(milliseconds=duration_ms)

    if priority == Priority.emergency:
        return _Plan(target, starts_from(target.anchor), lane, []), []
    conflicts = _overlapping(session, target.station.id or 0, *span(target.anchor))
    if not conflicts:
        return _Plan(target, starts_from(target.anchor), lane, []), []
    if on_clash == OnClash.replace:
        if any(i.starts_at <= now for i in conflicts):
            return None, conflicts
        return _Plan(target, starts_from(target.anchor), lane, conflicts), conflicts
    if on_clash == OnClash.queue:
        anchor, found = target.anchor, conflicts
        for _ in range(200):
            anchor = max(i.starts_at + timedelta(milliseconds=i.duration_ms) for i in found) + GAP
            found = _overlapping(session, target.station.id or 0, *span(anchor))
            if not found:  # the occurrence is keyed (and repacked) from its new instant
                moved = _Target(target.station, anchor, target.slot, target.slot_end)
                return _Plan(moved, starts_from(anchor), LANE_QUEUED, []), conflicts
    return None, conflicts


def _targets(session: Session, stations: Sequence[Station], mode: PlacementMode, at: datetime | None,
             dates: Sequence[date], slot_names: Sequence[str], now: datetime) -> list[_Target]:
    if mode == PlacementMode.now:
        return [_Target(s, now) for s in stations]
    if mode == PlacementMode.at:
        if at is None or at.tzinfo is None:
            raise InvalidInput("give the time to play as ISO 8601 with a UTC offset, e.g. 2026-11-22T06:00:00+07:00")
        if at < now - timedelta(minutes=1):
            raise InvalidInput("that time has already passed")
        return [_Target(s, at.astimezone(UTC)) for s in stations]
    if not dates:
        raise InvalidInput("choose at least one date for slot placement")
    targets: list[_Target] = []
    for station in stations:
        slots = list(session.exec(select(StationSlot).where(StationSlot.station_id == station.id)).all())
        if slot_names:
            unknown = sorted(set(slot_names) - {s.name for s in slots})
            if unknown:
                known = ", ".join(sorted({s.name for s in slots})) or "none"
                raise InvalidInput(f"station {station.code} has no slot named {', '.join(unknown)} (it has: {known})")
            slots = [s for s in slots if s.name in slot_names]
        found = [_Target(station, occ.start, occ.slot, occ.end)  # type: ignore[arg-type]
                 for day in sorted(set(dates)) for occ in slot_occurrences(station.timezone, slots, day)
                 if occ.start >= now]
        if not found:
            raise InvalidInput(f"station {station.code} has no upcoming slot on the chosen dates")
        targets.extend(found)
    return targets


def _check_entitled(session: Session, user: User | None, bulletin: Bulletin, stations: Sequence[Station]) -> None:
    """Emergencies go on air only by an approver or an admin, and a bulletin only on the stations it was
    written and approved for."""
    if bulletin.priority == Priority.emergency and user is not None and user.role not in EMERGENCY_ROLES:
        raise Forbidden("only an approver or an admin can put an emergency bulletin on air")
    addressed = set(bulletin_station_codes(session, bulletin))
    outside = sorted(s.code for s in stations if s.code not in addressed)
    if outside:
        raise Forbidden(f"this bulletin was not written and approved for {', '.join(outside)}")


def _check_request(bulletin: Bulletin, repeat: int, valid_until: datetime | None, now: datetime) -> None:
    if bulletin.status not in PLACEABLE:
        raise InvalidInput(f"only an approved bulletin can be placed (this one is {bulletin.status.value})")
    if not 1 <= repeat <= MAX_REPEAT:
        raise InvalidInput(f"repeat must be between 1 and {MAX_REPEAT}")
    if valid_until is not None and (valid_until.tzinfo is None or valid_until <= now):
        raise InvalidInput("valid_until must be a future time with a UTC offset")


def _until(targets: list[_Target], valid_until: datetime | None) -> list[_Target]:
    """The targets that start before ``valid_until``; refused when none does."""
    if valid_until is None:
        return targets
    targets = [t for t in targets if t.anchor <= valid_until]
    if not targets:
        raise InvalidInput("every occurrence would be after valid_until")
    return targets


def _plan_every_target(session: Session, targets: Sequence[_Target], priority: Priority, duration_ms: int,
                       repeat: int, on_clash: OnClash, now: datetime) -> list[_Plan]:
    """One plan per target, or Conflict (409) naming every clash when any target cannot be planned."""
    plans: list[_Plan] = []
    clashes: list[dict[str, Any]] = []
    for target in targets:
        planner = _plan_slot if target.slot is not None and priority != Priority.emergency else _plan_at
        plan, conflicts = planner(session, target, priority, duration_ms, repeat, on_clash, now)
        if plan is None:
            where = (f"slot {target.slot.name or target.slot.start_local} " if target.slot else "") + \
                fmt_local(target.anchor, target.station.timezone)
            clashes.append({"station": target.station.code, "where": where,
                            "conflicts": [_describe(session, i, target.station) for i in conflicts]})
        else:
            plans.append(plan)
    if clashes:
        names = "; ".join(f"{c['station']} {c['where']}: " + ", ".join(
            f"#{i['item_id']} “{i['title']}” {i['local_time']}" for i in c["conflicts"]) for c in clashes)
        raise Conflict("this clashes with content already placed (" + names + "). Choose on_clash='queue' to play "
                       "it after them or on_clash='replace' to cancel them.", conflicts=clashes)
    return plans


def _write_occurrences(session: Session, placement: Placement, bulletin: Bulletin, plans: Sequence[_Plan],
                       duration_ms: int, grace_s: int, now: datetime) -> tuple[list[PlaylistItem], list[PlaylistItem]]:
    """Cancel what the plans replace and add their occurrences; returns (new, replaced)."""
    items: list[PlaylistItem] = []
    replaced: list[PlaylistItem] = []
    for plan in plans:
        t = plan.target
        for victim in plan.replaced:
            victim.status, victim.status_at = ItemStatus.cancelled, now
            victim.status_detail = f"replaced by placement {placement.id}"
            session.add(victim)
        replaced.extend(plan.replaced)
        for index, start in enumerate(plan.starts):
            items.append(PlaylistItem(
                placement_id=placement.id, station_id=t.station.id, bulletin_id=bulletin.id,
                slot_id=t.slot.id if t.slot else None, play_at=t.anchor, repeat_index=index,
                priority=placement.priority, lane=plan.lane, slot_end=t.slot_end, starts_at=start,
                duration_ms=duration_ms, latest_start=latest_start(start, placement.valid_until, grace_s),
                valid_until=placement.valid_until, created_at=now))
    session.add_all(items)
    session.flush()
    return items, replaced


def _audit_detail(mode: PlacementMode, stations: Sequence[Station], items: Sequence[PlaylistItem],
                  replaced: Sequence[PlaylistItem], queued: bool) -> str:
    detail = f"{mode.value} on {', '.join(s.code for s in stations)}: {len(items)} occurrence(s)"
    if replaced:
        detail += f"; replaced {', '.join(f'#{i.id}' for i in replaced)}"
    if queued:
        detail += "; queued after clashing content"
    return detail


def place(session: Session, user: User | None, bulletin: Bulletin, *, station_codes: Iterable[str],
          mode: PlacementMode, at: datetime | None = None, dates: Sequence[date] = (),
          slot_names: Sequence[str] = (), repeat: int = 1, valid_until: datetime | None = None,
          on_clash: OnClash | str = OnClash.refuse, now: datetime | None = None,
          grace_s: int = DEFAULT_GRACE_S) -> tuple[Placement, list[PlaylistItem]]:
    """Create a placement and its occurrences, or raise (writing nothing) with a message naming the problem.

    Raises InvalidInput (422) for bad input and quiet hours, Conflict (409, with ``conflicts``) for clashes.
    ``user`` None is the service itself (a CAP warning's auto-approval, allowed only by a setting).
    """
    now = now or utcnow()
    on_clash = OnClash(on_clash)
    mode = PlacementMode(mode)
    _check_request(bulletin, repeat, valid_until, now)
    priority = bulletin.priority
    stations = _stations(session, user, station_codes)
    _check_entitled(session, user, bulletin, stations)
    targets = _until(_targets(session, stations, mode, at, dates, slot_names, now), valid_until)
    duration_ms = bulletin_duration_ms(session, bulletin)
    if priority != Priority.emergency:
        refuse_starts_in_quiet_hours((t.station, t.anchor) for t in targets)
    plans = _plan_every_target(session, targets, priority, duration_ms, repeat, on_clash, now)
    if priority != Priority.emergency:
        length = timedelta(milliseconds=duration_ms)
        refuse_runs_into_quiet_hours((p.target.station, s, s + length) for p in plans for s in p.starts)

    placement = Placement(bulletin_id=bulletin.id, mode=mode, priority=priority, repeat=repeat,
                          valid_until=valid_until, on_clash=on_clash.value, created_by=user.id if user else None,
                          created_at=now)
    session.add(placement)
    session.flush()
    items, replaced = _write_occurrences(session, placement, bulletin, plans, duration_ms, grace_s, now)
    repack(session, items + replaced, grace_s=grace_s)
    mark_changed(session, [i.station_id for i in items + replaced], now)
    queued = on_clash == OnClash.queue and any(p.lane == LANE_QUEUED for p in plans)
    audit.record(session, user, "placement.create", "bulletin", bulletin.id,
                 _audit_detail(mode, stations, items, replaced, queued))
    return placement, items


def station_playlist(session: Session, station: Station, start: datetime, end: datetime
                     ) -> list[tuple[PlaylistItem, Bulletin, AudioAsset | None]]:
    """What a station plays between two instants, in planned order (cancelled occurrences left out)."""
    rows = session.exec(
        select(PlaylistItem, Bulletin, AudioAsset)
        .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
        .join(AudioAsset, col(AudioAsset.id) == Bulletin.asset_id, isouter=True)
        .where(PlaylistItem.station_id == station.id, PlaylistItem.starts_at >= start, PlaylistItem.starts_at < end,
               col(PlaylistItem.status).not_in([ItemStatus.cancelled]))
        .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))
    ).all()
    return [(item, bulletin, asset) for item, bulletin, asset in rows]


def cancel_placement(session: Session, user: User | None, placement: Placement, reason: str = "",
                     now: datetime | None = None, grace_s: int = DEFAULT_GRACE_S) -> int:
    """Cancel the placement's occurrences that have not played yet on the user's own stations; returns how
    many were cancelled. The placement counts as cancelled once nothing of it is left scheduled anywhere, so
    an editor of one station cannot take another station's occurrences off air. ``user`` None is the service
    itself acting on a sender's CAP Cancel (every station)."""
    if placement.cancelled_at is not None:
        raise InvalidInput("this placement is already cancelled")
    now = now or utcnow()
    pending = list(session.exec(select(PlaylistItem).where(PlaylistItem.placement_id == placement.id,
                                                           PlaylistItem.status == ItemStatus.scheduled)).all())
    allowed = station_ids_for(session, user) if user is not None else None
    items = [i for i in pending if allowed is None or i.station_id in allowed]
    if pending and not items:
        raise Forbidden("none of this placement's occurrences are on your stations")
    if len(items) == len(pending):
        placement.cancelled_at = now
        session.add(placement)
    for item in items:
        item.status, item.status_at = ItemStatus.cancelled, now
        item.status_detail = f"placement cancelled{': ' + reason.strip() if reason.strip() else ''}"[:500]
        session.add(item)
    session.flush()
    repack(session, items, grace_s=grace_s)
    mark_changed(session, [i.station_id for i in items], now)
    audit.record(session, user, "placement.cancel", "bulletin", placement.bulletin_id,
                 f"placement {placement.id}: {len(items)} occurrence(s) cancelled. {reason}".strip())
    return len(items)

