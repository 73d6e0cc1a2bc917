"""The emergency broadcast flow: choose stations, text or recording, confirm with a tick and the password.

See ``broadcast.services.emergency`` for the approval rule. The audio is made before any database write,
then the bulletin is created ready and placed "now" in one transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from broadcast.audio import AudioRejected
from broadcast.errors import Forbidden, InvalidInput, ServiceError
from broadcast.services import directory, documents, emergency, lexicon
from broadcast.services.login import Throttled
from broadcast.services.synthesis import store_asset
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute)


def _page(ctx: WebCtx, values: dict[str, Any], error: i18n.Message | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(ctx, "emergency.html", status_code=status_code, values=values, error=error,
                  allowed=ctx.user.role in emergency.ALLOWED_ROLES,
                  groups=directory.by_district(directory.visible_stations(ctx.session, ctx.user)),
                  max_mb=ctx.settings.max_upload_mb, emergency_voice=ctx.runtime.speaker.emergency_voice)


@router.get("/emergency", response_class=HTMLResponse)
def emergency_page(ctx: Web) -> HTMLResponse:
    return _page(ctx, {"title": "", "text": "", "stations": [], "districts": [], "province": False})


@router.post("/emergency", response_class=HTMLResponse)
def start(ctx: WebPost, title: Annotated[str, Form(max_length=1000)] = "",
          text: Annotated[str, Form(max_length=20_000)] = "", stations: Annotated[list[str] | None, Form()] = None,
          districts: Annotated[list[str] | None, Form()] = None, province: Annotated[str, Form()] = "",
          confirm: Annotated[str, Form()] = "", password: Annotated[str, Form(max_length=1000)] = "",
          file: Annotated[UploadFile | None, File()] = None) -> Response:
    values = {"title": title, "text": text, "stations": stations or [], "districts": districts or [],
              "province": bool(province)}
    try:
        emergency.check_allowed(ctx.user)
        if confirm:  # the re-entered password is a password oracle: throttled per user and audited
            client = ctx.request.client.host if ctx.request.client else ""
            ctx.session.commit()  # hand the connection back while argon2 runs (and waits for its one worker)
            if not ctx.runtime.login_guard.confirm_password(ctx.runtime.engine, ctx.user, password, client,
                                                            "emergency broadcast"):
                raise Forbidden("the password you re-entered is wrong")
        emergency.check_confirmation(ctx.user, bool(confirm), password)
        if not title.strip():
            raise InvalidInput("the title is empty")
        codes = directory.expand_selection(directory.visible_stations(ctx.session, ctx.user), stations or [],
                                           districts or [], bool(province))
        if not codes:
            raise InvalidInput("choose at least one station")
        speaker = ctx.runtime.speaker
        if file is not None and file.filename:
            if documents.classify(file.filename) != documents.UploadKind.audio:
                raise InvalidInput(say("emergency_audio_only"))
            limit = ctx.settings.max_upload_mb * 1024 * 1024
            data = file.file.read(limit + 1)
            documents.check_size(data, limit)
            try:
                audio = speaker.recording(data, file.filename)
            except AudioRejected as exc:
                raise InvalidInput(getattr(exc, "message_vi", "") or str(exc)) from exc
            source, spoken, voice = "recording", text.strip(), "recording"
        else:
            if not text.strip():
                raise InvalidInput("the bulletin text is empty")
            speech = speaker.speak(text, speaker.emergency_voice, lexicon.current_lexicon(ctx.session))
            audio, source, spoken, voice = speech.audio, "text", speech.spoken.text, speaker.emergency_voice
        asset = store_asset(ctx.session, ctx.runtime.media, audio, spoken)
        _, placement, _ = emergency.start(ctx.session, ctx.user, title=title, text=text, asset=asset,
                                          source=source, voice=voice, station_codes=codes,
                                          confirmed=bool(confirm), password=password)
        ctx.publish_now()
    except ServiceError as exc:
        ctx.session.rollback()
        page = _page(ctx, values, i18n.translate(exc.message), status_code=exc.status_code)
        if isinstance(exc, Throttled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return redirect(f"/placements/{placement.id}/delivery", "emergency")


@router.post("/emergency/{placement_id}/cancel")
def cancel(placement_id: int, ctx: WebPost, back: Annotated[str, Form()] = "") -> Response:
    emergency.cancel(ctx.session, ctx.user, placement_id)
    ctx.publish_now()
    target = back if back.startswith("/") and not back.startswith("//") else "/emergency"
    return redirect(target, "emergency_cancelled")
