"""The bulletin lifecycle and its approval rules: draft → submitted (audio made) → ready (approved version airs).

Every change is a new :class:`BulletinVersion`; approval is of one version and binds its audio. Four eyes:
nobody who wrote or changed the version under review may approve it. Multi-station bulletins are edited,
submitted and reviewed only by people assigned to *every* station they address.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from broadcast.errors import Conflict, Forbidden, InvalidInput, NotFound
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStation,
    BulletinStatus,
    BulletinVersion,
    Priority,
    Role,
    Station,
    User,
    VersionState,
    utcnow,
)
from broadcast.normalise import NOTHING_TO_SAY, speakable
from broadcast.schedule.changes import mark_changed
from broadcast.services import audit, lexicon, versions
from broadcast.services.accounts import station_ids_for

MAX_TEXT = 100_000
EDITABLE = {BulletinStatus.draft, BulletinStatus.rejected, BulletinStatus.submitted, BulletinStatus.approved,
            BulletinStatus.ready, BulletinStatus.failed}


def _stations(session: Session, user: User | None, codes: Iterable[str]) -> list[Station]:
    """The stations of these codes, all of them the user's (``None``: the service itself, e.g. auto-approval)."""
    codes = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if not codes:
        raise InvalidInput("choose at least one station")
    stations = session.exec(select(Station).where(col(Station.code).in_(codes))).all()
    unknown = sorted(set(codes) - {s.code for s in stations})
    if unknown:
        raise NotFound(f"unknown station(s): {', '.join(unknown)}")
    allowed = station_ids_for(session, user) if user is not None else None
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
                    overrides: dict[str, str] | None = None, speed: int = 0) -> Bulletin:
    title, text = _check_text(title, text, needs_text=recording is None)
    stations = _stations(session, user, station_codes)
    bulletin = Bulletin(title=title, text=text, priority=priority, voice=voice, speed=_speed(speed), created_by=user.id,
                        source="recording" if recording else "text",
                        recording_sha256=recording.sha256 if recording else None)
    session.add(bulletin)
    session.flush()
    session.add_all(BulletinStation(bulletin_id=bulletin.id, station_id=s.id) for s in stations)
    versions.new_version(session, user, bulletin, reason="create", state=VersionState.draft,
                         overrides=versions.parse_overrides(overrides) if recording is None else {})
    audit.record(session, user, "bulletin.create", "bulletin", bulletin.id, title)
    return bulletin


def check_new_bulletin(session: Session, user: User, *, title: str, text: str, station_codes: Iterable[str],
                       recording: bool) -> None:
    """The checks :func:`create_bulletin` makes, for callers that must pass them before storing audio."""
    _check_text(title, text, needs_text=not recording)
    _stations(session, user, station_codes)


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


def _check_entitled(session: Session, user: User, bulletin: Bulletin, doing: str) -> None:
    """A multi-station bulletin is acted on only by someone who works for every station it addresses."""
    allowed = station_ids_for(session, user)
    if allowed is None:
        return
    addressed = set(session.exec(select(BulletinStation.station_id)
                                 .where(BulletinStation.bulletin_id == bulletin.id)).all())
    if not addressed <= allowed:
        raise Forbidden(f"only someone assigned to every station of this bulletin can {doing} it")


def update_bulletin(session: Session, user: User, bulletin: Bulletin, *, title: str | None = None,
                    text: str | None = None, priority: Priority | None = None, voice: str | None = None,
                    speed: int | None = None) -> Bulletin:
    """Edit: a new version. An approved bulletin leaves the air and goes back for approval."""
    _check_entitled(session, user, bulletin, "edit")
    if bulletin.status not in EDITABLE:
        raise InvalidInput(f"a {bulletin.status.value} bulletin cannot be edited")
    new_title, new_text = _check_text(title if title is not None else bulletin.title,
                                      text if text is not None else bulletin.text,
                                      needs_text=bulletin.source == "text")
    new_priority = priority if priority is not None else bulletin.priority
    new_voice = voice if voice is not None else bulletin.voice
    new_speed = _speed(speed) if speed is not None else bulletin.speed
    if (new_title, new_text, new_priority, new_voice, new_speed) == (
            bulletin.title, bulletin.text, bulletin.priority, bulletin.voice, bulletin.speed):
        return bulletin
    bulletin.title, bulletin.text, bulletin.priority, bulletin.voice = new_title, new_text, new_priority, new_voice
    bulletin.speed = new_speed
    if bulletin.status in (BulletinStatus.approved, BulletinStatus.ready, BulletinStatus.failed):
        _take_off_air(session, bulletin)
    state = VersionState.pending if bulletin.status == BulletinStatus.submitted else VersionState.draft
    version = versions.new_version(session, user, bulletin, reason="edit", state=state)
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.edit", "bulletin", bulletin.id, f"version {version.number}")
    return bulletin


def _take_off_air(session: Session, bulletin: Bulletin) -> None:
    """A person changed what an approved bulletin says: nothing of it airs until a version is approved again
    (its stations' feeds are marked changed, so the next manifest drops it)."""
    airing = bulletin.asset_id is not None
    bulletin.status, bulletin.error = BulletinStatus.submitted, None
    bulletin.approved_by = bulletin.approved_at = None
    bulletin.asset_id = bulletin.approved_version_id = None
    if airing:
        mark_changed(session, session.exec(select(BulletinStation.station_id)
                                    .where(BulletinStation.bulletin_id == bulletin.id)).all())


def set_override(session: Session, user: User, bulletin: Bulletin, written: str, spoken: str) -> BulletinVersion:
    """An editor's quick fix of a reading, for this bulletin only: a new version carrying the override.

    Like a province-wide lexicon change it does not touch the approved audio: that keeps airing until the new
    version (its audio made for the reviewer) is approved.
    """
    _check_entitled(session, user, bulletin, "edit")
    if bulletin.source != "text":
        raise InvalidInput("a recording has no reading to fix")
    if bulletin.status not in EDITABLE:
        raise InvalidInput(f"a {bulletin.status.value} bulletin cannot be edited")
    written, spoken = lexicon.check_reading(written, spoken)
    overrides = versions.overrides_of(versions.latest(session, bulletin))
    overrides[written] = spoken
    version = versions.new_version(session, user, bulletin, reason="override", state=_next_state(bulletin),
                                   overrides=overrides)
    _after_new_version(session, bulletin)
    audit.record(session, user, "bulletin.override", "bulletin", bulletin.id,
                 f"version {version.number}: {written} → {spoken}")
    return version


def _next_state(bulletin: Bulletin) -> VersionState:
    """The state of a version made by a reading change (not an edit): drafts stay drafts, the rest wait."""
    if bulletin.status in (BulletinStatus.draft, BulletinStatus.rejected):
        return VersionState.draft
    return VersionState.pending


def _after_new_version(session: Session, bulletin: Bulletin) -> None:
    if bulletin.status == BulletinStatus.failed:
        bulletin.status = BulletinStatus.submitted
    if bulletin.status == BulletinStatus.approved:  # approved but never heard: it cannot air without audio
        _take_off_air(session, bulletin)
    bulletin.error = None
    bulletin.updated_at = utcnow()


def apply_lexicon_change(session: Session, user: User | None, affected: Iterable[versions.Affected]) -> int:
    """New versions for bulletins a province-wide lexicon change re-reads; returns how many.

    Approved audio keeps airing (it is exactly what was approved); the new version waits for approval.
    """
    count = 0
    for item in affected:
        bulletin = item.bulletin
        version = versions.new_version(session, user, bulletin, reason="lexicon", state=_next_state(bulletin),
                                       spoken=item.spoken)
        _after_new_version(session, bulletin)
        session.add(bulletin)
        audit.record(session, user, "bulletin.reread", "bulletin", bulletin.id,
                     f"version {version.number}: the province lexicon changed its spoken text")
        count += 1
    return count


def submit(session: Session, user: User, bulletin: Bulletin) -> Bulletin:
    """Send for approval; the audio is made now, so the reviewer hears exactly what would air."""
    _check_entitled(session, user, bulletin, "submit")
    if bulletin.status not in (BulletinStatus.draft, BulletinStatus.rejected):
        raise InvalidInput(f"only a draft or rejected bulletin can be submitted (this one is {bulletin.status})")
    version = versions.latest(session, bulletin)
    if version is None or version.state not in (VersionState.draft, VersionState.rejected):
        version = versions.new_version(session, user, bulletin, reason="edit", state=VersionState.pending)
    version.state, version.error = VersionState.pending, None
    session.add(version)
    bulletin.status, bulletin.error = BulletinStatus.submitted, None
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.submit", "bulletin", bulletin.id, f"version {version.number}")
    return bulletin


def pending_version(session: Session, bulletin: Bulletin) -> BulletinVersion | None:
    """The version waiting for review (with or without its audio yet), if any."""
    version = versions.latest(session, bulletin)
    return version if version is not None and version.state == VersionState.pending else None


def editors_of_pending(session: Session, bulletin: Bulletin) -> set[int]:
    """Who wrote or changed what is under review: the author and everyone who made a version since the last
    approval. None of them may approve it."""
    last = versions.approved(session, bulletin)
    since = last.number if last else 0
    rows = session.exec(select(BulletinVersion.created_by).where(BulletinVersion.bulletin_id == bulletin.id,
                                                                 BulletinVersion.number > since)).all()
    return {r for r in rows if r is not None} | ({bulletin.created_by} if bulletin.created_by else set())


def _check_reviewer(session: Session, user: User, bulletin: Bulletin) -> BulletinVersion:
    if bulletin.created_by == user.id:
        raise Forbidden("the author cannot approve or reject their own bulletin")
    if user.role not in (Role.approver, Role.admin):
        raise Forbidden("only an approver or an admin can review bulletins")
    _check_entitled(session, user, bulletin, "review")
    version = pending_version(session, bulletin)
    if version is None:
        raise InvalidInput(f"only a submitted bulletin can be reviewed (this one is {bulletin.status})")
    if user.id in editors_of_pending(session, bulletin):
        raise Forbidden("you changed this version yourself: another approver must review it")
    return version


def approve(session: Session, user: User, bulletin: Bulletin, version_id: int | None, comment: str = "",
            audio_sha256: str | None = None) -> Bulletin:
    """Approve the version the reviewer saw and heard; its audio is what airs from now on.

    ``version_id`` is the version the reviewer based the decision on: if the bulletin has moved on since
    (an edit, a lexicon change), approval is refused (409) so nobody approves a version they never saw.
    """
    version = _check_reviewer(session, user, bulletin)
    if version_id is None:
        raise InvalidInput("say which version you approve (version_id)")
    if version.id != version_id:
        raise Conflict(f"the bulletin changed since you opened it: version {version.number} is now the one "
                       "to review; read and listen to it again", current_version_id=version.id)
    if version.asset_id is None or version.audio_sha256 is None:
        raise InvalidInput("the audio of this version is not ready yet: listen to it before approving"
                           if version.error is None else "the audio of this version could not be made: retry it")
    if audio_sha256 is not None and audio_sha256 != version.audio_sha256:
        raise Conflict("the audio you listened to is not this version's audio; listen again",
                       current_version_id=version.id)
    previous = versions.approved(session, bulletin)
    if previous is not None:
        previous.state = VersionState.superseded
        session.add(previous)
    now = utcnow()
    version.state, version.approved_by, version.approved_at = VersionState.approved, user.id, now
    version.review_comment = comment or None
    session.add(version)
    bulletin.approved_version_id, bulletin.asset_id = version.id, version.asset_id
    bulletin.status, bulletin.error = BulletinStatus.ready, None
    bulletin.approved_by, bulletin.approved_at = user.id, now
    bulletin.review_comment = comment or None
    bulletin.updated_at = now
    session.add(bulletin)
    audit.record(session, user, "bulletin.approve", "bulletin", bulletin.id,
                 f"version {version.number}, audio {version.audio_sha256[:12]}" + (f": {comment}" if comment else ""))
    return bulletin


def self_approve_emergency(session: Session, user: User, bulletin: Bulletin, asset: AudioAsset,
                           now: datetime) -> BulletinVersion:
    """The emergency form's deliberate self-approval (password re-entered): version 1 bound to the audio the
    approver just heard, approved by them (callers check the role and the confirmation)."""
    version = versions.latest(session, bulletin)
    assert version is not None
    version.asset_id, version.audio_sha256, version.reason = asset.id, asset.sha256, "emergency"
    if bulletin.source == "text" and asset.spoken_text:
        version.spoken_text = asset.spoken_text
    version.state, version.approved_by, version.approved_at = VersionState.approved, user.id, now
    session.add(version)
    bulletin.status, bulletin.asset_id, bulletin.approved_version_id = BulletinStatus.ready, asset.id, version.id
    bulletin.approved_by, bulletin.approved_at, bulletin.updated_at = user.id, now, now
    session.add(bulletin)
    return version


def system_approve(session: Session, bulletin: Bulletin, now: datetime, why: str) -> BulletinVersion:
    """Approval by the service itself, with no person: only for what a setting explicitly allows (a CAP warning
    from a trusted sender, see alerts/drafts.py). The version under review must have its audio; the audit log
    says who decided it (nobody) and why."""
    version = pending_version(session, bulletin)
    if version is None or version.asset_id is None or version.audio_sha256 is None:
        raise InvalidInput("the audio of this version is not ready yet")
    previous = versions.approved(session, bulletin)
    if previous is not None:
        previous.state = VersionState.superseded
        session.add(previous)
    version.state, version.approved_by, version.approved_at = VersionState.approved, None, now
    session.add(version)
    bulletin.approved_version_id, bulletin.asset_id = version.id, version.asset_id
    bulletin.status, bulletin.error = BulletinStatus.ready, None
    bulletin.approved_by, bulletin.approved_at, bulletin.updated_at = None, now, now
    session.add(bulletin)
    audit.record(session, None, "bulletin.approve", "bulletin", bulletin.id, why)
    return version


def reject(session: Session, user: User, bulletin: Bulletin, comment: str) -> Bulletin:
    """Send the version under review back; an approved version already airing keeps airing."""
    version = _check_reviewer(session, user, bulletin)
    if not comment.strip():
        raise InvalidInput("say why the bulletin is rejected")
    version.state, version.review_comment = VersionState.rejected, comment.strip()
    session.add(version)
    if bulletin.status in (BulletinStatus.submitted, BulletinStatus.failed):
        bulletin.status = BulletinStatus.rejected
    bulletin.review_comment = comment.strip()
    bulletin.updated_at = utcnow()
    session.add(bulletin)
    audit.record(session, user, "bulletin.reject", "bulletin", bulletin.id, f"version {version.number}: {comment}")
    return bulletin


def retry(session: Session, user: User, bulletin: Bulletin) -> Bulletin:
    """Make the audio of the version under review again after a synthesis failure."""
    version = pending_version(session, bulletin)
    if version is None or version.error is None:
        raise InvalidInput("only a bulletin whose audio failed can be retried")
    _check_entitled(session, user, bulletin, "retry")
    version.error = None
    session.add(version)
    if bulletin.status == BulletinStatus.failed:
        bulletin.status = BulletinStatus.submitted
    bulletin.error = None
    session.add(bulletin)
    audit.record(session, user, "bulletin.retry", "bulletin", bulletin.id, f"version {version.number}")
    return bulletin


def awaiting_review(session: Session, user: User, limit: int = 50) -> list[Bulletin]:
    """Visible bulletins whose newest version waits for a reviewer this user may be (not one they wrote or
    changed), including approved bulletins re-read by a lexicon change."""
    pending = select(BulletinVersion.bulletin_id).where(BulletinVersion.state == VersionState.pending)
    query = visible_bulletins(session, user).where(col(Bulletin.id).in_(pending))
    rows = session.exec(query.order_by(col(Bulletin.id).desc()).limit(limit * 2)).all()
    return [b for b in rows if user.id not in editors_of_pending(session, b)][:limit]


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
