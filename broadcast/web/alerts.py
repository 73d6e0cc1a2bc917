"""CAP warning pages: the list (with filters) and the upload form, and the approver's page for one warning —
the original CAP fields, a map of the area and the stations, the draft to hear and edit, and "approve and
play now" in one step. The same intake and services as the API (``broadcast/alerts``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from broadcast.alerts import cap, drafts, intake, records, svgmap
from broadcast.errors import InvalidInput, ServiceError
from broadcast.models import AudioAsset, Bulletin, CapAlertRecord, PlaylistItem, Role, Station
from broadcast.schedule.clock import clock_for
from broadcast.services import bulletins, repacking, versions
from broadcast.web import i18n, messages
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render

router = APIRouter(route_class=WebRoute, prefix="/alerts")
MSG_TYPE = messages.CAP_PAGE_MSG_TYPE
CAP_STATUS = messages.CAP_PAGE_CAP_STATUS
URGENCY = messages.CAP_PAGE_URGENCY
SEVERITY = messages.CAP_PAGE_SEVERITY
CERTAINTY = messages.CAP_PAGE_CERTAINTY
OUTCOME = messages.CAP_PAGE_OUTCOME
HOW = messages.CAP_PAGE_HOW
VIA = messages.CAP_PAGE_VIA


def labels() -> dict[str, dict[str, str]]:
    return {"msg_type": MSG_TYPE, "cap_status": CAP_STATUS, "urgency": URGENCY, "severity": SEVERITY,
            "certainty": CERTAINTY, "outcome": OUTCOME, "how": HOW, "via": VIA}


def _date(value: str, name: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{name} {value!r} is not a date") from None


def _list_page(ctx: WebCtx, filters: dict[str, str], error: i18n.Message | None = None,
               status_code: int = 200) -> HTMLResponse:
    tz = ctx.settings.tz
    since, until = _date(filters["since"], "from"), _date(filters["until"], "to")
    rows = records.filtered(ctx.session, ctx.user, outcome=filters["outcome"] or None,
                            msg_type=filters["msg_type"] or None,
                            since=datetime.combine(since.date(), time(), tz) if since else None,
                            until=datetime.combine(until.date(), time(), tz) + timedelta(days=1) if until else None)
    return render(ctx, "alerts/list.html", status_code=status_code, rows=rows, filters=filters, error=error,
                  counts={a.id: len(records.matched(a)) for a in rows},
                  labels=labels(), outcomes=records.OUTCOMES, msg_types=records.MSG_TYPES)


@router.get("", response_class=HTMLResponse)
def alert_list(ctx: Web, outcome: str = "", msg_type: str = "", since: str = "", until: str = "") -> HTMLResponse:
    ctx.require(Role.approver, Role.admin)
    filters = {"outcome": outcome if outcome in records.OUTCOMES else "",
               "msg_type": msg_type if msg_type in records.MSG_TYPES else "", "since": since[:10], "until": until[:10]}
    try:
        return _list_page(ctx, filters)
    except InvalidInput as exc:
        return _list_page(ctx, {**filters, "since": "", "until": ""}, i18n.translate(exc.message), 422)


@router.post("/upload", response_class=HTMLResponse)
def upload(ctx: WebPost, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """An approver or admin uploads a CAP file; it takes the same path as the API's."""
    ctx.require(Role.approver, Role.admin)
    empty = {"outcome": "", "msg_type": "", "since": "", "until": ""}
    try:
        if file is None or not file.filename:
            raise InvalidInput("choose a CAP file to upload")
        raw = file.file.read(cap.MAX_BYTES + 1)
        taken = intake.receive(ctx.session, raw, via="upload", settings=ctx.settings,
                               voice=ctx.runtime.speaker.default_voice, user=ctx.user,
                               now=clock_for(ctx.settings).now())
    except ServiceError as exc:
        ctx.session.rollback()
        return _list_page(ctx, empty, i18n.translate(exc.message), status_code=exc.status_code)
    ctx.session.commit()
    if ctx.runtime.jobs and taken.created and taken.record.bulletin_id is not None:
        ctx.runtime.jobs.wake_synthesis()
        ctx.runtime.jobs.wake_publication()
    return redirect(f"/alerts/{taken.record.id}", "alert_received" if taken.created else "alert_duplicate")


def _detail(ctx: WebCtx, alert_id: int, error: i18n.Message | None = None, status_code: int = 200) -> HTMLResponse:
    session, user = ctx.session, ctx.user
    record = records.get(session, user, alert_id)
    parsed = cap.parse(record.raw_xml.encode("utf-8"))
    info, in_vietnamese = parsed.chosen_info()
    matched = records.matched(record)
    hit = {m.station_id for m in matched}
    located = [s for s in session.exec(select(Station).order_by(Station.name)).all()
               if s.id in hit or s.lat is not None or s.area_geojson]
    area_map = svgmap.build(info.areas if info else (), [(s, s.id in hit) for s in located])
    bulletin = session.get(Bulletin, record.bulletin_id) if record.bulletin_id else None
    review: dict[str, Any] = {}
    if bulletin is not None and bulletins.get_bulletin(session, user, bulletin.id or 0):
        pending = bulletins.pending_version(session, bulletin)
        review = {"pending": pending, "review_asset": session.get(AudioAsset, pending.asset_id)
                  if pending and pending.asset_id else None,
                  "may_review": pending is not None and user.id not in bulletins.editors_of_pending(session, bulletin),
                  "airing": versions.approved(session, bulletin)}
    cancels = session.exec(select(CapAlertRecord).where(CapAlertRecord.refers_to_id == record.id,
                                                        CapAlertRecord.msg_type == "Cancel")).all()
    cancel_notes = [cap.parse(c.raw_xml.encode("utf-8")).note for c in cancels]
    refers_to = session.get(CapAlertRecord, record.refers_to_id) if record.refers_to_id else None
    aired = list(session.exec(select(PlaylistItem, Station).join(Station, col(Station.id) == PlaylistItem.station_id)
                              .where(PlaylistItem.bulletin_id == (record.bulletin_id or -1))
                              .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))).all())
    expired = record.expires is not None and record.expires <= clock_for(ctx.settings).now()
    return render(ctx, "alerts/detail.html", status_code=status_code, a=record, alert=parsed, info=info,
                  in_vietnamese=in_vietnamese, matched=matched, map=area_map, bulletin=bulletin, error=error,
                  labels=labels(), cancel_notes=cancel_notes, refers_to=refers_to, expired=expired, aired=aired,
                  **review)


@router.get("/{alert_id}", response_class=HTMLResponse)
def alert_page(alert_id: int, ctx: Web) -> HTMLResponse:
    return _detail(ctx, alert_id)


@router.get("/{alert_id}/xml")
def alert_xml(alert_id: int, ctx: Web) -> Response:
    record = records.get(ctx.session, ctx.user, alert_id)
    return Response(record.raw_xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="cap-{record.id}.xml"'})


@router.post("/{alert_id}/approve", response_class=HTMLResponse)
def approve_and_place(alert_id: int, ctx: WebPost, version_id: Annotated[int | None, Form()] = None,
                      audio_sha256: Annotated[str, Form(max_length=64)] = "",
                      comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """The one step: approve what was heard and play it now on the warning's stations."""
    record = records.get(ctx.session, ctx.user, alert_id)
    now = clock_for(ctx.settings).now()
    try:
        bulletin, placement, _ = drafts.approve_and_place(ctx.session, ctx.user, record, version_id=version_id,
                                                          audio_sha256=audio_sha256 or None, comment=comment,
                                                          now=now)
        repacking.audio_changed(ctx.session, bulletin.id or 0, ctx.settings.play_grace_s, now)
    except ServiceError as exc:
        ctx.session.rollback()
        return _detail(ctx, alert_id, i18n.translate(exc.message), status_code=exc.status_code)
    ctx.publish_now()
    return redirect(f"/placements/{placement.id}/delivery", "alert_placed")
