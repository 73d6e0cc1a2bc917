"""Bulletin pages: list with filters, write (paste, .docx/.txt, or a recording), preview, review."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session

from broadcast.audio import AudioRejected
from broadcast.errors import InvalidInput, ServiceError
from broadcast.models import AudioAsset, Bulletin, BulletinStatus, Priority, Role, User, VersionState
from broadcast.services import bulletins as svc
from broadcast.services import directory, documents, lexicon, repacking, versions
from broadcast.services.schedule_view import bulletin_placements
from broadcast.services.synthesis import store_asset
from broadcast.services.voices import default_voice
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render, render_fragment
from broadcast.web.highlight import expansion_list, highlighted
from broadcast.web.messages import say
from broadcast.web.notifications import notify_now
from broadcast.web.voices import engines_vi

router = APIRouter(route_class=WebRoute)

OptionalFile = Annotated[UploadFile | None, File()]


def _voices(ctx: WebCtx) -> list[str]:
    speaker = ctx.runtime.speaker
    return [speaker.default_voice] + sorted(v for v in speaker.profiles if v != speaker.default_voice)


def _day(value: str) -> date | None:
    return i18n.form_day(value)


@router.get("/bulletins", response_class=HTMLResponse)
def list_page(ctx: Web, status: str = "", station: str = "", priority: str = "", since: str = "",
              until: str = "") -> HTMLResponse:
    zone = ctx.settings.tz
    first, last = _day(since), _day(until)
    rows = svc.filter_bulletins(
        ctx.session, ctx.user, status=BulletinStatus(status) if status in i18n.STATUS else None,
        station_code=station or None, priority=Priority(priority) if priority in i18n.PRIORITY else None,
        since=datetime.combine(first, time(0), tzinfo=zone) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last else None)
    authors = directory.user_names(ctx.session, (b.created_by for b in rows))
    return render(ctx, "bulletins/list.html", rows=rows, authors=authors,
                  stations=directory.visible_stations(ctx.session, ctx.user),
                  filters={"status": status, "station": station, "priority": priority, "since": since,
                           "until": until},
                  codes={b.id: svc.bulletin_station_codes(ctx.session, b) for b in rows})


def _form_page(ctx: WebCtx, values: dict[str, Any], error: i18n.Message | None = None,
               bulletin: Bulletin | None = None, status_code: int = 200) -> HTMLResponse:
    return render(ctx, "bulletins/form.html", status_code=status_code, values=values, error=error,
                  bulletin=bulletin, voices=_voices(ctx), priorities=list(Priority),
                  groups=directory.by_district(directory.visible_stations(ctx.session, ctx.user)),
                  max_mb=ctx.settings.max_upload_mb)


@router.get("/bulletins/new", response_class=HTMLResponse)
def new_page(ctx: Web) -> HTMLResponse:
    stations = directory.visible_stations(ctx.session, ctx.user)
    codes = [s.code for s in stations] if len(stations) == 1 else []
    values = {"title": "", "text": "", "priority": "normal", "speed": 0,
              "voice": default_voice(ctx.session, codes, ctx.runtime.speaker.default_voice), "stations": codes}
    return _form_page(ctx, values)


def _read_upload(ctx: WebCtx, upload: UploadFile | None) -> tuple[documents.UploadKind, bytes, str] | None:
    """The checked upload (kind, bytes, name), or None when no file was chosen; refuses before storing."""
    if upload is None or not upload.filename:
        return None
    kind = documents.classify(upload.filename)
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    data = upload.file.read(limit + 1)
    documents.check_size(data, limit)
    return kind, data, upload.filename


@router.post("/bulletins", response_class=HTMLResponse)
def create(ctx: WebPost, title: Annotated[str, Form(max_length=1000)] = "",
           text: Annotated[str, Form(max_length=200_000)] = "", priority: Annotated[str, Form()] = "normal",
           voice: Annotated[str, Form()] = "", stations: Annotated[list[str] | None, Form()] = None,
           action: Annotated[str, Form()] = "draft", file: OptionalFile = None,
           overrides: Annotated[str, Form(max_length=20_000)] = "",
           speed: Annotated[int, Form(ge=-2, le=2)] = 0) -> Response:
    """Save a new bulletin (and submit it when asked); on any refusal the form comes back, nothing stored."""
    values = {"title": title, "text": text, "priority": priority, "voice": voice, "stations": stations or [],
              "overrides": overrides, "speed": speed}
    try:
        bulletin = _create(ctx, title, text, priority, voice, stations or [], file,
                           versions.parse_overrides(overrides), speed)
        if action == "submit":
            svc.submit(ctx.session, ctx.user, bulletin)
    except ServiceError as exc:
        ctx.session.rollback()
        return _form_page(ctx, values, i18n.translate(exc.message), status_code=exc.status_code)
    if action == "submit":
        notify_now(ctx)
    _wake_synthesis(ctx)
    return redirect(f"/bulletins/{bulletin.id}", "submitted" if action == "submit" else "created")


def _wake_synthesis(ctx: WebCtx) -> None:
    """Commit and make the new version's audio at once, so the reviewer can listen to it."""
    ctx.session.commit()
    if ctx.runtime.jobs:
        ctx.runtime.jobs.wake_synthesis()


def _create(ctx: WebCtx, title: str, text: str, priority: str, voice: str, stations: list[str],
            file: UploadFile | None, overrides: dict[str, str], speed: int = 0) -> Bulletin:
    if priority not in i18n.PRIORITY:
        raise InvalidInput(say("priority_invalid"))
    if not stations:
        raise InvalidInput("choose at least one station")
    upload = _read_upload(ctx, file)
    recording: AudioAsset | None = None
    document = upload is not None and upload[0] == documents.UploadKind.document
    if upload and document:
        if text.strip():
            raise InvalidInput(say("text_and_file"))
        extracted = documents.extract_document(upload[1], upload[2])
        text, title = extracted.text, title if title.strip() else (extracted.title or "")  # the Word heading
    if not title.strip():
        raise InvalidInput("the title is empty")
    if upload and not document:
        svc.check_new_bulletin(ctx.session, ctx.user, title=title, text=text, station_codes=stations,
                               recording=True)  # before the audio is decoded and stored
        try:
            audio = ctx.runtime.speaker.recording(upload[1], upload[2])
        except AudioRejected as exc:
            raise InvalidInput(getattr(exc, "message_vi", "") or str(exc)) from exc
        recording = store_asset(ctx.session, ctx.runtime.media, audio, text.strip())
    voice_name = "recording" if recording else ctx.runtime.speaker.profile(voice or None).name
    if not recording:
        ctx.runtime.speaker.check_length(text, voice_name, speed)  # too long to read: refused before storing
    return svc.create_bulletin(ctx.session, ctx.user, title=title, text=text, priority=Priority(priority),
                               voice=voice_name, station_codes=stations, recording=recording,
                               overrides=overrides, speed=speed)


@router.post("/bulletins/extract")
def extract(ctx: WebPost, file: OptionalFile = None) -> JSONResponse:
    """Read a .docx or .txt upload into the text box (nothing is stored)."""
    try:
        upload = _read_upload(ctx, file)
        if upload is None:
            raise InvalidInput(say("no_file"))
        if upload[0] != documents.UploadKind.document:
            return JSONResponse({"kind": "audio", "message": say("recording_checked_later")})
        extracted = documents.extract_document(upload[1], upload[2])
    except ServiceError as exc:
        return JSONResponse({"error": i18n.translate(exc.message).text}, status_code=exc.status_code)
    return JSONResponse({"kind": "document", "text": extracted.text, "title": extracted.title or "",
                         "message": say("imported_title" if extracted.title else "imported", name=upload[2])})


@router.post("/bulletins/preview", response_class=HTMLResponse)
def preview(ctx: WebPost, text: Annotated[str, Form(max_length=200_000)] = "",
            voice: Annotated[str, Form()] = "", speed: Annotated[int, Form(ge=-2, le=2)] = 0,
            overrides: Annotated[str, Form(max_length=20_000)] = "") -> HTMLResponse:
    """The reading with its expansions highlighted, and the synthesised audio to listen to."""
    if not text.strip():
        raise InvalidInput("the text is empty: nothing to read")
    if len(text) > svc.MAX_TEXT:
        raise InvalidInput(f"the bulletin text is longer than {svc.MAX_TEXT} characters")
    current = versions.lexicon_for(ctx.session, versions.parse_overrides(overrides))
    ctx.session.commit()  # hand the database connection back while synthesising (seconds, in this worker thread)
    slots = ctx.runtime.preview_slots
    slots.acquire(ctx.user.id or 0)  # 429 when this user already has previews being made
    try:
        speech = ctx.runtime.speaker.speak(text, voice or None, current, speed)
    finally:
        slots.release(ctx.user.id or 0)
    asset = store_asset(ctx.session, ctx.runtime.media, speech.audio, speech.spoken.text)  # expires unused
    return render_fragment(ctx, "bulletins/_preview.html", paragraphs=highlighted(text, speech.spoken.changes),
                           expansions=expansion_list(speech.spoken.changes), asset=asset,
                           engine=engines_vi(speech.audio.engines))


@router.post("/lexicon/quick")
def quick_lexicon(ctx: WebPost, written: Annotated[str, Form(max_length=200)] = "",
                  spoken: Annotated[str, Form(max_length=500)] = "", bulletin_id: Annotated[str, Form()] = "",
                  overrides: Annotated[str, Form(max_length=20_000)] = "") -> JSONResponse:
    """Fix a misread word from the preview, for this bulletin only (never the province-wide lexicon).

    On a saved bulletin it makes a new version (which needs approval); on a bulletin being written it only
    returns the readings, which the form sends along when the bulletin is saved.
    """
    try:
        written, spoken = lexicon.check_reading(written, spoken)
        if bulletin_id.strip().isdigit():
            bulletin = svc.get_bulletin(ctx.session, ctx.user, int(bulletin_id))
            version = svc.set_override(ctx.session, ctx.user, bulletin, written, spoken)
            readings = versions.overrides_of(version)
            _wake_synthesis(ctx)
            note = say("reading_new_version", number=version.number)
        else:
            readings = {**versions.parse_overrides(overrides), written: spoken}
            versions.parse_overrides(readings)
            note = say("reading_with_bulletin")
    except ServiceError as exc:
        ctx.session.rollback()
        return JSONResponse({"error": i18n.translate(exc.message).text}, status_code=exc.status_code)
    return JSONResponse({"message": say("reading_saved", written=written, spoken=spoken, note=note),
                         "overrides": json.dumps(readings, ensure_ascii=False)})


@router.get("/bulletins/{bulletin_id}", response_class=HTMLResponse)
def detail(bulletin_id: int, ctx: Web) -> HTMLResponse:
    return _detail_page(ctx, bulletin_id)


def _detail_page(ctx: WebCtx, bulletin_id: int, review_error: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    session, user = ctx.session, ctx.user
    bulletin = svc.get_bulletin(session, user, bulletin_id)
    asset = session.get(AudioAsset, bulletin.asset_id) if bulletin.asset_id else None  # what airs
    history = directory.audit_entries(session, object_type="bulletin", object_id=bulletin.id, limit=50)
    review = review_context(session, user, bulletin)
    names = directory.user_names(session, [bulletin.created_by, bulletin.approved_by,
                                           *(v.created_by for v in review["versions"])])
    return render(ctx, "bulletins/detail.html", status_code=status_code, b=bulletin, asset=asset, history=history,
                  names=names, review_error=review_error, **review,
                  codes=svc.bulletin_station_codes(session, bulletin),
                  placements=bulletin_placements(session, bulletin),
                  is_author=bulletin.created_by == user.id,
                  can_edit=bulletin.status in svc.EDITABLE,
                  can_schedule=bulletin.status in (BulletinStatus.approved, BulletinStatus.ready))


@router.get("/bulletins/{bulletin_id}/edit", response_class=HTMLResponse)
def edit_page(bulletin_id: int, ctx: Web) -> HTMLResponse:
    bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    values = {"title": bulletin.title, "text": bulletin.text, "priority": bulletin.priority.value,
              "voice": bulletin.voice, "stations": svc.bulletin_station_codes(ctx.session, bulletin),
              "overrides": json.dumps(versions.overrides_of(versions.latest(ctx.session, bulletin)),
                                      ensure_ascii=False),
              "speed": bulletin.speed}
    return _form_page(ctx, values, bulletin=bulletin)


@router.post("/bulletins/{bulletin_id}/edit", response_class=HTMLResponse)
def edit(bulletin_id: int, ctx: WebPost, title: Annotated[str, Form(max_length=1000)] = "",
         text: Annotated[str, Form(max_length=200_000)] = "", priority: Annotated[str, Form()] = "normal",
         voice: Annotated[str, Form()] = "", speed: Annotated[int, Form(ge=-2, le=2)] = 0) -> Response:
    """Edit; an approved bulletin goes back for approval (the service does it, the page says so)."""
    bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    was_approved = bulletin.status in (BulletinStatus.approved, BulletinStatus.ready, BulletinStatus.failed)
    values = {"title": title, "text": text, "priority": priority, "voice": voice, "speed": speed,
              "stations": svc.bulletin_station_codes(ctx.session, bulletin)}
    try:
        if priority not in i18n.PRIORITY:
            raise InvalidInput(say("priority_invalid"))
        voice_name = None if bulletin.source == "recording" else ctx.runtime.speaker.profile(voice or None).name
        if voice_name:
            ctx.runtime.speaker.check_length(text, voice_name, speed)  # too long to read: refused before storing
        svc.update_bulletin(ctx.session, ctx.user, bulletin, title=title, text=text, priority=Priority(priority),
                            voice=voice_name, speed=speed)
        _wake_synthesis(ctx)
    except ServiceError as exc:
        ctx.session.rollback()
        bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
        return _form_page(ctx, values, i18n.translate(exc.message), bulletin=bulletin,
                          status_code=exc.status_code)
    return redirect(f"/bulletins/{bulletin.id}", "resubmit" if was_approved else "saved")


@router.post("/bulletins/{bulletin_id}/submit")
def submit(bulletin_id: int, ctx: WebPost) -> Response:
    svc.submit(ctx.session, ctx.user, svc.get_bulletin(ctx.session, ctx.user, bulletin_id))
    notify_now(ctx)
    _wake_synthesis(ctx)
    return redirect(f"/bulletins/{bulletin_id}", "submitted")


@router.post("/bulletins/{bulletin_id}/approve")
def approve(bulletin_id: int, ctx: WebPost, comment: Annotated[str, Form(max_length=2000)] = "",
            version_id: Annotated[int | None, Form()] = None,
            audio_sha256: Annotated[str | None, Form(max_length=64)] = None) -> Response:
    """Approve the version shown on the page (its id and audio travel with the form)."""
    bulletin = svc.approve(ctx.session, ctx.user, svc.get_bulletin(ctx.session, ctx.user, bulletin_id), version_id,
                           comment.strip(), audio_sha256 or None)
    repacking.audio_changed(ctx.session, bulletin_id, ctx.settings.play_grace_s, ctx.now())
    ctx.session.commit()
    if ctx.runtime.jobs:
        ctx.runtime.jobs.wake_publication()
    return redirect(f"/bulletins/{bulletin.id}", "approved")


@router.post("/bulletins/{bulletin_id}/reject")
def reject(bulletin_id: int, ctx: WebPost, comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    if not comment.strip() and bulletin.status == BulletinStatus.submitted and ctx.can_review \
            and bulletin.created_by != ctx.user.id:  # said on the form itself, not on an error page
        return _detail_page(ctx, bulletin_id, say("reject_needs_reason"),
                            status_code=422)
    svc.reject(ctx.session, ctx.user, bulletin, comment)
    notify_now(ctx)
    return redirect(f"/bulletins/{bulletin_id}", "rejected")


@router.post("/bulletins/{bulletin_id}/retry")
def retry(bulletin_id: int, ctx: WebPost) -> Response:
    svc.retry(ctx.session, ctx.user, svc.get_bulletin(ctx.session, ctx.user, bulletin_id))
    _wake_synthesis(ctx)
    return redirect(f"/bulletins/{bulletin_id}", "retry")


def review_context(session: Session, user: User, bulletin: Bulletin) -> dict[str, Any]:
    """What the bulletin page needs to show the version under review: its spoken text, how that differs
    from the approved version (or the one before), the audio to listen to and whether this user may approve."""
    history = versions.history(session, bulletin)
    newest = history[0] if history else None
    pending = newest if newest is not None and newest.state == VersionState.pending else None
    airing = versions.approved(session, bulletin)
    base = airing if airing is not None and airing is not newest else (history[1] if len(history) > 1 else None)
    diff = versions.spoken_diff(base.spoken_text, newest.spoken_text) if newest and base else []
    review_asset = session.get(AudioAsset, pending.asset_id) if pending and pending.asset_id else None
    may_review = (pending is not None and user.role in (Role.approver, Role.admin)
                  and user.id not in svc.editors_of_pending(session, bulletin))
    return {"versions": history, "newest": newest, "pending": pending, "airing": airing, "diff_base": base,
            "diff": diff if any(p.kind != "same" for p in diff) else [], "review_asset": review_asset,
            "may_review": may_review,
            "overrides_json": json.dumps(versions.overrides_of(newest), ensure_ascii=False)}
