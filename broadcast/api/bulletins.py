"""Bulletins: create, read, edit, submit, approve, reject, place."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from sqlmodel import Session, col

from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.api.schemas import (
    AudioPublic,
    BulletinCreate,
    BulletinPublic,
    BulletinUpdate,
    ReviewIn,
)
from broadcast.audio import AudioRejected
from broadcast.errors import InvalidInput
from broadcast.models import AudioAsset, Bulletin, BulletinStatus, Priority
from broadcast.services import bulletins as svc
from broadcast.services.synthesis import store_asset
from broadcast.services.voices import default_voice

router = APIRouter(prefix="/bulletins", tags=["bulletins"])


def to_public(session: Session, bulletin: Bulletin) -> BulletinPublic:
    asset = session.get(AudioAsset, bulletin.asset_id) if bulletin.asset_id else None
    return BulletinPublic(
        id=bulletin.id or 0, title=bulletin.title, text=bulletin.text, source=bulletin.source,
        priority=bulletin.priority, voice=bulletin.voice, speed=bulletin.speed, status=bulletin.status.value,
        version=bulletin.version,
        stations=svc.bulletin_station_codes(session, bulletin), error=bulletin.error,
        review_comment=bulletin.review_comment, created_by=bulletin.created_by, approved_by=bulletin.approved_by,
        created_at=bulletin.created_at, updated_at=bulletin.updated_at,
        audio=AudioPublic.of(asset) if asset else None,
    )


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
    return to_public(session, bulletin)


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
    try:
        audio = runtime.speaker.recording(data, file.filename or "upload")
    except AudioRejected as exc:
        raise HTTPException(exc.status_code, f"recording refused: {exc.message}") from exc
    asset = store_asset(session, runtime.media, audio, text)
    bulletin = svc.create_bulletin(session, user, title=title, text=text, priority=priority,
                                   voice="recording", station_codes=stations, recording=asset)
    if submit:
        svc.submit(session, user, bulletin)
    return to_public(session, bulletin)


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


@router.patch("/{bulletin_id}", response_model=BulletinPublic)
def edit(bulletin_id: int, body: BulletinUpdate, user: CurrentUser, session: SessionDep,
         runtime: RuntimeDep) -> BulletinPublic:
    bulletin = svc.get_bulletin(session, user, bulletin_id)
    voice = runtime.speaker.profile(body.voice).name if body.voice else None
    if body.text is not None:  # 422 before anything is stored
        runtime.speaker.check_length(body.text, voice or bulletin.voice, body.speed or 0)
    svc.update_bulletin(session, user, bulletin, title=body.title, text=body.text, priority=body.priority,
                        voice=voice, speed=body.speed)
    return to_public(session, bulletin)


@router.post("/{bulletin_id}/submit", response_model=BulletinPublic)
def submit(bulletin_id: int, user: CurrentUser, session: SessionDep) -> BulletinPublic:
    return to_public(session, svc.submit(session, user, svc.get_bulletin(session, user, bulletin_id)))


@router.post("/{bulletin_id}/approve", response_model=BulletinPublic)
def approve(bulletin_id: int, body: ReviewIn, user: CurrentUser, session: SessionDep, request: Request,
            runtime: RuntimeDep) -> BulletinPublic:
    """Approve (by someone other than the author); the audio is then made in the background."""
    bulletin = svc.approve(session, user, svc.get_bulletin(session, user, bulletin_id), body.comment)
    session.commit()
    if runtime.jobs:
        runtime.jobs.wake_synthesis()
    return to_public(session, bulletin)


@router.post("/{bulletin_id}/reject", response_model=BulletinPublic)
def reject(bulletin_id: int, body: ReviewIn, user: CurrentUser, session: SessionDep) -> BulletinPublic:
    return to_public(session, svc.reject(session, user, svc.get_bulletin(session, user, bulletin_id), body.comment))


@router.post("/{bulletin_id}/retry", response_model=BulletinPublic)
def retry(bulletin_id: int, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> BulletinPublic:
    bulletin = svc.retry(session, user, svc.get_bulletin(session, user, bulletin_id))
    session.commit()
    if runtime.jobs:
        runtime.jobs.wake_synthesis()
    return to_public(session, bulletin)

