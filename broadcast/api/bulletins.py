"""Bulletins: create, read, edit, submit, approve, reject, place."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from sqlmodel import Session, col

from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.api.schemas import (
    AudioPublic,
    BulletinCreate,
    BulletinPublic,
    BulletinUpdate,
    DiffPartPublic,
    OverrideIn,
    ReviewIn,
    VersionPublic,
)
from broadcast.audio import AudioRejected
from broadcast.errors import InvalidInput
from broadcast.models import AudioAsset, Bulletin, BulletinStatus, Priority
from broadcast.runtime import Runtime
from broadcast.schedule.clock import clock_for
from broadcast.services import bulletins as svc
from broadcast.services import repacking, versions
from broadcast.services.synthesis import store_asset
from broadcast.services.voices import default_voice

router = APIRouter(prefix="/bulletins", tags=["bulletins"])


def to_public(session: Session, bulletin: Bulletin) -> BulletinPublic:
    asset = session.get(AudioAsset, bulletin.asset_id) if bulletin.asset_id else None
    newest = versions.latest(session, bulletin)
    review = session.get(AudioAsset, newest.asset_id) if newest and newest.asset_id else None
    return BulletinPublic(
        id=bulletin.id or 0, title=bulletin.title, text=bulletin.text, source=bulletin.source,
        priority=bulletin.priority, voice=bulletin.voice, speed=bulletin.speed, status=bulletin.status.value,
        version=bulletin.version,
        stations=svc.bulletin_station_codes(session, bulletin), error=bulletin.error,
        review_comment=bulletin.review_comment, created_by=bulletin.created_by, approved_by=bulletin.approved_by,
        created_at=bulletin.created_at, updated_at=bulletin.updated_at,
        audio=AudioPublic.of(asset) if asset else None,
        version_id=newest.id if newest else None, approved_version_id=bulletin.approved_version_id,
        review_audio=AudioPublic.of(review) if review else None, spoken_text=newest.spoken_text if newest else "",
    )


def _commit_and_reply(runtime: Runtime, session: Session, bulletin: Bulletin, synthesis: bool = False,
                      publication: bool = False) -> BulletinPublic:
    """The reply (read before the commit expires the rows), then commit and let the background jobs start at
    once (audio for review; manifests after approval)."""
    reply = to_public(session, bulletin)
    session.commit()
    if runtime.jobs and synthesis:
        runtime.jobs.wake_synthesis()
    if runtime.jobs and publication:
        runtime.jobs.wake_publication()
    return reply


@router.post("", response_model=BulletinPublic, status_code=201)
def create(body: BulletinCreate, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> BulletinPublic:
    """Create a text bulletin for some stations (optionally submitting it for approval)."""
    chosen = body.voice or default_voice(session, body.stations, runtime.speaker.default_voice)
    voice = runtime.speaker.profile(chosen).name
    runtime.speaker.check_length(body.text, voice, body.speed)  # 422 before anything is stored
    bulletin = svc.create_bulletin(session, user, title=body.title, text=body.text, priority=body.priority,
                                   voice=voice, station_codes=body.stations, speed=body.speed)
    if body.submit:
        svc.submit(session, user, bulletin)
    return _commit_and_reply(runtime, session, bulletin, synthesis=body.submit)


@router.post("/recording", response_model=BulletinPublic, status_code=201)
def create_from_recording(
    user: CurrentUser, session: SessionDep, runtime: RuntimeDep,
    title: Annotated[str, Form(max_length=300)], stations: Annotated[list[str], Form()],
    file: Annotated[UploadFile, File(description="MP3, WAV, M4A or OGG/Opus recording")],
    priority: Annotated[Priority, Form()] = Priority.normal, text: Annotated[str, Form()] = "",
    submit: Annotated[bool, Form()] = False,
) -> BulletinPublic:
    """Create a bulletin from a recording (ethnic-language bulletins, a chairman's own voice).

    A plain ``def``: decoding and levelling a long recording takes seconds, so it runs in the worker pool
    rather than on the event loop.
    """
    limit = runtime.settings.max_upload_mb * 1024 * 1024
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"the recording is larger than {runtime.settings.max_upload_mb} MB")
    svc.check_new_bulletin(session, user, title=title, text=text, station_codes=stations, recording=True)
    try:
        audio = runtime.speaker.recording(data, file.filename or "upload")
    except AudioRejected as exc:
        raise HTTPException(exc.status_code, f"recording refused: {exc.message}") from exc
    asset = store_asset(session, runtime.media, audio, text)
    bulletin = svc.create_bulletin(session, user, title=title, text=text, priority=priority,
                                   voice="recording", station_codes=stations, recording=asset)
    if submit:
        svc.submit(session, user, bulletin)
    return _commit_and_reply(runtime, session, bulletin)


@router.get("", response_model=list[BulletinPublic])
def list_bulletins(user: CurrentUser, session: SessionDep, status: BulletinStatus | None = None,
                   priority: Priority | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   offset: Annotated[int, Query(ge=0)] = 0) -> list[BulletinPublic]:
    query = svc.visible_bulletins(session, user)
    if status:
        query = query.where(Bulletin.status == status)
    if priority:
        query = query.where(Bulletin.priority == priority)
    rows = session.exec(query.order_by(col(Bulletin.id).desc()).offset(offset).limit(limit)).all()
    return [to_public(session, b) for b in rows]


@router.get("/{bulletin_id}", response_model=BulletinPublic)
def read(bulletin_id: int, user: CurrentUser, session: SessionDep) -> BulletinPublic:
    return to_public(session, svc.get_bulletin(session, user, bulletin_id))


@router.get("/{bulletin_id}/versions", response_model=list[VersionPublic])
def list_versions(bulletin_id: int, user: CurrentUser, session: SessionDep) -> list[VersionPublic]:
    """Every version, newest first, each with its audio and the spoken-text difference from the one before."""
    rows = versions.history(session, svc.get_bulletin(session, user, bulletin_id))
    replies = []
    for version, before in zip(rows, [*rows[1:], None], strict=True):
        asset = session.get(AudioAsset, version.asset_id) if version.asset_id else None
        diff = versions.spoken_diff(before.spoken_text if before else "", version.spoken_text)
        replies.append(VersionPublic(
            id=version.id or 0, number=version.number, reason=version.reason, state=version.state.value,
            title=version.title, text=version.text, voice=version.voice, priority=version.priority,
            lexicon_overrides=versions.overrides_of(version), spoken_text=version.spoken_text,
            audio=AudioPublic.of(asset) if asset else None, error=version.error, created_by=version.created_by,
            created_at=version.created_at, approved_by=version.approved_by, approved_at=version.approved_at,
            spoken_diff=[DiffPartPublic(kind=p.kind, text=p.text) for p in diff]))
    return replies


@router.patch("/{bulletin_id}", response_model=BulletinPublic)
def edit(bulletin_id: int, body: BulletinUpdate, user: CurrentUser, session: SessionDep,
         runtime: RuntimeDep) -> BulletinPublic:
    """Edit: a new version. An approved bulletin leaves the air until a reviewer approves the new version."""
    bulletin = svc.get_bulletin(session, user, bulletin_id)
    voice = runtime.speaker.profile(body.voice).name if body.voice else None
    if body.text is not None:  # 422 before anything is stored
        runtime.speaker.check_length(body.text, voice or bulletin.voice, body.speed or 0)
    svc.update_bulletin(session, user, bulletin, title=body.title, text=body.text, priority=body.priority,
                        voice=voice, speed=body.speed)
    return _commit_and_reply(runtime, session, bulletin, synthesis=True, publication=True)


@router.post("/{bulletin_id}/lexicon", response_model=BulletinPublic)
def set_reading(bulletin_id: int, body: OverrideIn, user: CurrentUser, session: SessionDep,
                runtime: RuntimeDep) -> BulletinPublic:
    """Fix a reading for this bulletin only (a new version awaiting approval; province-wide: PUT /lexicon)."""
    bulletin = svc.get_bulletin(session, user, bulletin_id)
    svc.set_override(session, user, bulletin, body.written, body.spoken)
    return _commit_and_reply(runtime, session, bulletin, synthesis=True)


@router.post("/{bulletin_id}/submit", response_model=BulletinPublic)
def submit(bulletin_id: int, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> BulletinPublic:
    """Send for approval; the audio is made at once so the reviewer can listen (``review_audio``)."""
    bulletin = svc.submit(session, user, svc.get_bulletin(session, user, bulletin_id))
    return _commit_and_reply(runtime, session, bulletin, synthesis=True)


@router.post("/{bulletin_id}/approve", response_model=BulletinPublic,
             responses={409: {"description": "The bulletin moved on to another version since you read it"}})
def approve(bulletin_id: int, body: ReviewIn, user: CurrentUser, session: SessionDep,
            runtime: RuntimeDep) -> BulletinPublic:
    """Approve the version you read and heard (``version_id``; by someone who did not write or change it).

    Its audio is what airs from now on; placements already made play it.
    """
    bulletin = svc.approve(session, user, svc.get_bulletin(session, user, bulletin_id), body.version_id,
                           body.comment, body.audio_sha256)
    repacking.audio_changed(session, bulletin.id or 0, runtime.settings.play_grace_s,
                             clock_for(runtime.settings).now())
    return _commit_and_reply(runtime, session, bulletin, publication=True)


@router.post("/{bulletin_id}/reject", response_model=BulletinPublic)
def reject(bulletin_id: int, body: ReviewIn, user: CurrentUser, session: SessionDep) -> BulletinPublic:
    return to_public(session, svc.reject(session, user, svc.get_bulletin(session, user, bulletin_id), body.comment))


@router.post("/{bulletin_id}/retry", response_model=BulletinPublic)
def retry(bulletin_id: int, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> BulletinPublic:
    """Make the audio of the version under review again after a synthesis failure."""
    bulletin = svc.retry(session, user, svc.get_bulletin(session, user, bulletin_id))
    return _commit_and_reply(runtime, session, bulletin, synthesis=True)
