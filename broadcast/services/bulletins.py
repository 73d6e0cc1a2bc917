"""The bulletin lifecycle: draft → submitted → approved → ready, with the approval rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from broadcast.errors import Forbidden, InvalidInput, NotFound
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStation,
    BulletinStatus,
    Priority,
    Role,
    Station,
    User,
    utcnow,
)
from broadcast.normalise import NOTHING_TO_SAY, speakable
from broadcast.services import audit
from broadcast.services.accounts import station_ids_for

MAX_TEXT = 100_000
EDITABLE = {BulletinStatus.draft, BulletinStatus.rejected, BulletinStatus.submitted, BulletinStatus.approved,
            BulletinStatus.ready, BulletinStatus.failed}


def _stations(session: Session, user: User, codes: Iterable[str]) -> list[Station]:
    codes = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if not codes:
        raise InvalidInput("choose at least one station")
    stations = session.exec(select(Station).where(col(Station.code).in_(codes))).all()
    unknown = sorted(set(codes) - {s.code for s in stations})
    if unknown:
        raise NotFound(f"unknown station(s): {', '.join(unknown)}")
    allowed = station_ids_for(session, user)
    if allowed is not None and any(s.id not in allowed for s in stations):
        raise Forbidden("you are not assigned to all of these stations")
    return list(stations)


def _check_text(title: str, text: str, needs_text: bool) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title:
        raise InvalidInput("the title is empty")
    if len(title) > 300:
        raise InvalidInput("the title is longer than 300 characters")
    if needs_text and not text:
        raise InvalidInput("the bulletin text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the bulletin text is longer than {MAX_TEXT} characters")
    if needs_text and not speakable(text):
        raise InvalidInput(NOTHING_TO_SAY)  # only emoji or decoration: never a silent 5-second file
    return title, text


def _speed(step: int) -> int:
    """A reading speed step must be -2 … +2 (see VoiceProfile.at_speed)."""
    if not isinstance(step, int) or not -2 <= step <= 2:
        raise InvalidInput("speed must be a whole step from -2 (slower) to +2 (faster)")
    return step


def create_bulletin(session: Session, user: User, *, title: str, text: str, priority: Priority,
                    voice: str, station_codes: Iterable[str], recording: AudioAsset | None = None,
                    speed: int = 0) -> Bulletin:
    title, text = _check_text(title, text, needs_text=recording is None)
    stations = _stations(session, user, station_codes)
    bulletin = Bulletin(title=title, text=text, priority=priority, voice=voice, speed=_speed(speed), created_by=user.id,
                        source="recording" if recording else "text",
                        recording_sha256=recording.sha256 if recording else None)
    session.add(bulletin)
    session.flush()
    session.add_all(BulletinStation(bulletin_id=bulletin.id, station_id=s.id) for s in stations)
    audit.record(session, user, "bulletin.create", "bulletin", bulletin.id, title)
    return bulletin


def visible_bulletins(session: Session, user: User):  # type: ignore[no-untyped-def]
    """A select() of the bulletins this user may see (admins: all; others: their stations')."""
    query = select(Bulletin)
    allowed = station_ids_for(session, user)
    if allowed is not None:
        ids = select(BulletinStation.bulletin_id).where(col(BulletinStation.station_id).in_(allowed or {-1}))
        query = query.where(col(Bulletin.id).in_(ids))
    return query


def get_bulletin(session: Session, user: User, bulletin_id: int) -> Bulletin:
    bulletin = session.exec(visible_bulletins(session, user).where(Bulletin.id == bulletin_id)).first()
    if bulletin is None:
        raise NotFound(f"no bulletin {bulletin_id}")
    return bulletin


def bulletin_station_codes(session: Session, bulletin: Bulletin) -> list[str]:
    rows = session.exec(select(Station.code).join(BulletinStation, BulletinStation.station_id == Station.id)
                        .where(BulletinStation.bulletin_id == bulletin.id).order_by(Station.code)).all()
    return list(rows)


def update_bulletin(session: Session, user: User, bulletin: Bulletin, *, title: str | None = None,
                    text: str | None = None, priority: Priority | None = None, voice: str | None = None,
                    speed: int | None = None) -> Bulletin:
    """Edit; an approved or ready bulletin goes back for approval and its audio is made again."""
    if bulletin.status not in EDITABLE:
        raise InvalidInput(f"a {bulletin.status.value} bulletin cannot be edited")
    new_title, new_text = _check_text(title if title is not None else bulletin.title,
                                      text if text is not None else bulletin.text,
                                      needs_text=bulletin.source == "text")
    bulletin.title, bulletin.text = new_title, new_text
    if priority is not None:
        bulletin.priority = priority
    if voice is not None:
        bulletin.voice = voice
    if speed is not None:
        bulletin.speed = _speed(speed)
    if bulletin.status in (BulletinStatus.approved, BulletinStatus.ready, BulletinStatus.failed):
        bulletin.status = BulletinStatus.submitted
        bulletin.approved_by = bulletin.approved_at = None
        if bulletin.source == "text":
            bulletin.asset_id = None
    bulletin.version += 1
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.edit", "bulletin", bulletin.id, f"version {bulletin.version}")
    return bulletin


def submit(session: Session, user: User, bulletin: Bulletin) -> Bulletin:
    if bulletin.status not in (BulletinStatus.draft, BulletinStatus.rejected):
        raise InvalidInput(f"only a draft or rejected bulletin can be submitted (this one is {bulletin.status})")
    bulletin.status = BulletinStatus.submitted
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.submit", "bulletin", bulletin.id)
    return bulletin


def _check_reviewer(user: User, bulletin: Bulletin) -> None:
    if bulletin.created_by == user.id:
        raise Forbidden("the author cannot approve or reject their own bulletin")
    if user.role not in (Role.approver, Role.admin):
        raise Forbidden("only an approver or an admin can review bulletins")
    if bulletin.status != BulletinStatus.submitted:
        raise InvalidInput(f"only a submitted bulletin can be reviewed (this one is {bulletin.status})")


def approve(session: Session, user: User, bulletin: Bulletin, comment: str = "") -> Bulletin:
    """Approve; text bulletins then wait for synthesis, recordings are ready at once."""
    _check_reviewer(user, bulletin)
    bulletin.approved_by, bulletin.approved_at = user.id, utcnow()
    bulletin.review_comment = comment or None
    bulletin.error = None
    if bulletin.source == "recording" and bulletin.recording_sha256:
        asset = session.exec(select(AudioAsset).where(AudioAsset.sha256 == bulletin.recording_sha256)).one()
        bulletin.asset_id, bulletin.status = asset.id, BulletinStatus.ready
    else:
        bulletin.status = BulletinStatus.approved
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.approve", "bulletin", bulletin.id, comment)
    return bulletin


def reject(session: Session, user: User, bulletin: Bulletin, comment: str) -> Bulletin:
    _check_reviewer(user, bulletin)
    if not comment.strip():
        raise InvalidInput("say why the bulletin is rejected")
    bulletin.status, bulletin.review_comment = BulletinStatus.rejected, comment.strip()
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.reject", "bulletin", bulletin.id, comment)
    return bulletin


def retry(session: Session, user: User, bulletin: Bulletin) -> Bulletin:
    if bulletin.status != BulletinStatus.failed:
        raise InvalidInput("only a bulletin whose audio failed can be retried")
    bulletin.status, bulletin.error = BulletinStatus.approved, None
    session.add(bulletin)
    audit.record(session, user, "bulletin.retry", "bulletin", bulletin.id)
    return bulletin


def filter_bulletins(session: Session, user: User, *, status: BulletinStatus | None = None,
                     station_code: str | None = None, priority: Priority | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: int = 200) -> list[Bulletin]:
    """The visible bulletins matching the filters, newest first (``since``/``until`` bound ``created_at``)."""
    query = visible_bulletins(session, user)
    if status:
        query = query.where(Bulletin.status == status)
    if priority:
        query = query.where(Bulletin.priority == priority)
    if station_code:
        ids = (select(BulletinStation.bulletin_id).join(Station, Station.id == BulletinStation.station_id)
               .where(Station.code == station_code))
        query = query.where(col(Bulletin.id).in_(ids))
    if since:
        query = query.where(Bulletin.created_at >= since)
    if until:
        query = query.where(Bulletin.created_at < until)
    return list(session.exec(query.order_by(col(Bulletin.id).desc()).limit(limit)).all())
