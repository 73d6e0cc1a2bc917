"""From a CAP alert to a bulletin: what it says, how urgent it is, and the system's part in approval.

The service, not a person, writes the draft (``created_by`` is empty, like the demo seed), so any approver
entitled to the stations may review it; an approver who edits it becomes an editor of the version under
review and, by the four-eyes rule of ``services/bulletins.py``, another approver must approve it. Nothing
plays until a person approves (or, only when the setting names the sender, the auto-approval below).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from broadcast.alerts.area import StationMatch
from broadcast.alerts.cap import CapAlert, CapInfo
from broadcast.errors import InvalidInput
from broadcast.messages import say
from broadcast.models import (
    Bulletin,
    BulletinStation,
    BulletinStatus,
    BulletinVersion,
    CapAlertRecord,
    ItemStatus,
    Placement,
    PlacementMode,
    PlaylistItem,
    Priority,
    User,
    VersionState,
    utcnow,
)
from broadcast.schedule.changes import mark_changed
from broadcast.services import audit, bulletins, placements, versions

MAX_TITLE = 300

# The documented priority table (docs/alerts.md). CAP's three axes → Circular 39/2020's three priorities.
EMERGENCY_URGENCY = {"Immediate"}
EMERGENCY_SEVERITY = {"Extreme", "Severe"}
EMERGENCY_CERTAINTY = {"Observed", "Likely"}
PRIORITY_URGENCY = {"Immediate", "Expected"}
PRIORITY_SEVERITY = {"Extreme", "Severe", "Moderate"}


def priority_of(info: CapInfo) -> Priority:
    """Immediate + Extreme/Severe + Observed/Likely → emergency (khẩn cấp); otherwise urgency Immediate/Expected
    or severity Extreme/Severe/Moderate → priority (ưu tiên); anything else → normal."""
    if (info.urgency in EMERGENCY_URGENCY and info.severity in EMERGENCY_SEVERITY
            and info.certainty in EMERGENCY_CERTAINTY):
        return Priority.emergency
    if info.urgency in PRIORITY_URGENCY or info.severity in PRIORITY_SEVERITY:
        return Priority.priority
    return Priority.normal


def spoken_time(value: datetime, zone: ZoneInfo) -> str:
    """A time as a Vietnamese announcer reads it: "14 giờ 30 phút ngày 28 tháng 11 năm 2026"."""
    local = value.astimezone(zone)
    clock = (say("cap_spoken_clock_minutes", hour=local.hour, minute=local.minute) if local.minute
             else say("cap_spoken_clock", hour=local.hour))
    return say("cap_spoken_time", clock=clock, day=local.day, month=local.month, year=local.year)


def title_of(info: CapInfo) -> str:
    return (info.headline or info.event or say("cap_default_title")).strip()[:MAX_TITLE]


def text_of(info: CapInfo, zone: ZoneInfo) -> str:
    """description + instruction, then who issued it and from when until when it holds, in Vietnamese."""
    parts = [p for p in (info.description, info.instruction) if p]
    if not parts:
        parts = [title_of(info)]
    closing = []
    if info.sender_name:
        closing.append(say("cap_issued_by", sender=info.sender_name))
    if info.effective and info.expires:
        closing.append(say("cap_valid_between", start=spoken_time(info.effective, zone),
                           end=spoken_time(info.expires, zone)))
    elif info.expires:
        closing.append(say("cap_valid_until", end=spoken_time(info.expires, zone)))
    if closing:
        parts.append(" ".join(closing))
    return "\n".join(parts)


def auto_approvable(alert: CapAlert, info: CapInfo, trusted: set[str]) -> bool:
    """Only an Alert, Extreme and Immediate, from a sender the setting names."""
    return (alert.msg_type == "Alert" and info.severity == "Extreme" and info.urgency == "Immediate"
            and alert.sender in trusted)


def create_draft(session: Session, info: CapInfo, matches: Sequence[StationMatch], *, voice: str,
                 zone: ZoneInfo) -> Bulletin:
    """A bulletin written by the system for the matched stations, submitted at once so its audio is made for
    the reviewer (the synthesis queue picks up its pending version)."""
    bulletin = Bulletin(title=title_of(info), text=text_of(info, zone), priority=priority_of(info), voice=voice,
                        created_by=None, source="text", status=BulletinStatus.submitted)
    session.add(bulletin)
    session.flush()
    session.add_all(BulletinStation(bulletin_id=bulletin.id or 0, station_id=m.station_id) for m in matches)
    version = versions.new_version(session, None, bulletin, reason="create", state=VersionState.pending)
    audit.record(session, None, "bulletin.create", "bulletin", bulletin.id,
                 f"from a CAP alert, version {version.number}, submitted for approval")
    return bulletin


def update_draft(session: Session, bulletin: Bulletin, info: CapInfo, matches: Sequence[StationMatch], *,
                 zone: ZoneInfo) -> Bulletin:
    """A CAP Update: the referenced alert's bulletin gets a new version (pending review) and the updated
    area's stations. Its approved audio keeps airing until the new version is approved."""
    bulletin.title, bulletin.text, bulletin.priority = title_of(info), text_of(info, zone), priority_of(info)
    wanted = {m.station_id for m in matches}
    current = set(session.exec(select(BulletinStation.station_id)
                               .where(BulletinStation.bulletin_id == bulletin.id)).all())
    for station_id in current - wanted:
        link = session.get(BulletinStation, (bulletin.id, station_id))
        if link is not None:
            session.delete(link)
    session.add_all(BulletinStation(bulletin_id=bulletin.id or 0, station_id=s) for s in wanted - current)
    if bulletin.status in (BulletinStatus.draft, BulletinStatus.rejected, BulletinStatus.failed):
        bulletin.status = BulletinStatus.submitted
    if bulletin.status == BulletinStatus.cancelled:
        bulletin.status = BulletinStatus.submitted
    bulletin.updated_at = utcnow()
    version = versions.new_version(session, None, bulletin, reason="edit", state=VersionState.pending)
    audit.record(session, None, "bulletin.edit", "bulletin", bulletin.id,
                 f"CAP Update: version {version.number}, waiting for approval")
    return bulletin


def cancel_alert_placements(session: Session, bulletin: Bulletin, reason: str, now: datetime) -> int:
    """A CAP Cancel: every placement of the alert's bulletin is cancelled at once (on every station) and the
    bulletin can no longer be placed; receivers drop it with their next manifest. Returns occurrences stopped."""
    stopped = 0
    for placement in session.exec(select(Placement).where(Placement.bulletin_id == bulletin.id,
                                                          col(Placement.cancelled_at).is_(None))).all():
        stopped += placements.cancel_placement(session, None, placement, reason, now=now)
    # Versions still waiting for a reviewer are withdrawn with it: a cancelled warning must not be approved.
    for version in session.exec(select(BulletinVersion).where(
            BulletinVersion.bulletin_id == bulletin.id,
            BulletinVersion.state == VersionState.pending)).all():
        version.state, version.review_comment = VersionState.rejected, reason[:2000]
        session.add(version)
    stations = session.exec(select(BulletinStation.station_id).where(BulletinStation.bulletin_id == bulletin.id)).all()
    bulletin.status, bulletin.review_comment, bulletin.updated_at = BulletinStatus.cancelled, reason[:2000], now
    session.add(bulletin)
    mark_changed(session, list(stations), now)
    audit.record(session, None, "emergency.cancel", "bulletin", bulletin.id,
                 f"CAP Cancel: {stopped} occurrence(s) stopped. {reason}".strip())
    return stopped


def auto_approve_ready(session: Session, trusted: set[str], now: datetime) -> list[int]:
    """Approve and place now the drafts the auto-approval setting allows (Alert + Extreme + Immediate from a
    trusted sender, flagged at intake) once their audio is made; returns their alert ids. Each is recorded in
    the audit log as approved by the service under that setting. Expired or cancelled ones are left."""
    if not trusted:
        return []
    done = []
    rows = session.exec(select(CapAlertRecord).where(col(CapAlertRecord.auto_approve).is_(True),
                                                     CapAlertRecord.outcome == "draft",
                                                     col(CapAlertRecord.bulletin_id).is_not(None))).all()
    for record in rows:
        bulletin = session.get(Bulletin, record.bulletin_id)
        if record.sender not in trusted or bulletin is None or bulletin.status == BulletinStatus.cancelled:
            continue
        if record.expires is not None and record.expires <= now:
            continue
        version = bulletins.pending_version(session, bulletin)
        if version is None or version.asset_id is None:
            continue  # the audio is still being made: next run
        bulletins.system_approve(session, bulletin, now, f"auto-approved CAP alert {record.identifier} from the "
                                 f"trusted sender {record.sender} (setting cap_auto_approve_senders)")
        codes = bulletins.bulletin_station_codes(session, bulletin)
        placement, _ = placements.place(session, None, bulletin, station_codes=codes, mode=PlacementMode.now,
                                        valid_until=record.expires, now=now)
        record.outcome = "auto-approved"
        record.outcome_detail = f"approved by the service (trusted sender) and placed now on {', '.join(codes)}"
        session.add(record)
        audit.record(session, None, "alert.auto_approve", "capalert", record.id,
                     f"auto-approved CAP alert {record.identifier}: placement {placement.id} on {', '.join(codes)}")
        done.append(record.id or 0)
    return done


def approve_and_place(session: Session, user: User, record: CapAlertRecord, *, version_id: int | None,
                      audio_sha256: str | None, comment: str = "", now: datetime | None = None
                      ) -> tuple[Bulletin, Placement, list[PlaylistItem]]:
    """The approver's one step: approve the version they heard and put it on air now on the alert's stations,
    until the alert expires. Occurrences of earlier placements that have not played yet are cancelled (an
    Update's new version replaces them)."""
    now = now or utcnow()
    if record.bulletin_id is None:
        raise InvalidInput("this alert has no bulletin to approve")
    bulletin = bulletins.get_bulletin(session, user, record.bulletin_id)
    if bulletin.status == BulletinStatus.cancelled:
        raise InvalidInput("the warning was cancelled by its sender; it can no longer be broadcast")
    if record.expires is not None and record.expires <= now:
        raise InvalidInput("the warning has expired; an expired alert is never placed")
    bulletins.approve(session, user, bulletin, version_id, comment=comment, audio_sha256=audio_sha256)
    for old in session.exec(select(Placement).where(Placement.bulletin_id == bulletin.id,
                                                    col(Placement.cancelled_at).is_(None))).all():
        waiting = session.exec(select(PlaylistItem.id).where(PlaylistItem.placement_id == old.id,
                                                             PlaylistItem.status == ItemStatus.scheduled)).first()
        if waiting is not None:
            placements.cancel_placement(session, user, old, "replaced by the updated warning", now=now)
    codes = bulletins.bulletin_station_codes(session, bulletin)
    placement, items = placements.place(session, user, bulletin, station_codes=codes, mode=PlacementMode.now,
                                        valid_until=record.expires, now=now)
    record.outcome, record.outcome_detail = "placed", f"approved and placed now on {', '.join(codes)}"
    session.add(record)
    audit.record(session, user, "alert.place", "capalert", record.id,
                 f"bulletin {bulletin.id} placement {placement.id} on {', '.join(codes)}")
    return bulletin, placement, items
