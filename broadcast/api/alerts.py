"""CAP 1.2 alerts: intake (an approver/admin token or the HMAC-signed webhook), the record, and the approver's
one step "approve and place now". See docs/alerts.md."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Annotated, Any

import anyio.from_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel
from sqlmodel import Session

from broadcast.alerts import cap, drafts, intake, records
from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.api.schemas import ReviewIn
from broadcast.models import CapAlertRecord, Role, User
from broadcast.runtime import Runtime
from broadcast.schedule.clock import clock_for
from broadcast.services import repacking
from broadcast.services.accounts import resolve_token

router = APIRouter(prefix="/alerts", tags=["alerts"])
INTAKE_ROLES = (Role.intake, Role.approver, Role.admin)
SIGNATURE_HEADER = "X-Broadcast-Signature"


class AlertPublic(BaseModel):
    id: int
    sender: str
    identifier: str
    sent: datetime
    status: str
    msg_type: str
    headline: str
    event: str
    language: str
    in_vietnamese: bool
    urgency: str
    severity: str
    certainty: str
    expires: datetime | None
    area_desc: str
    via: str
    received_at: datetime
    validation: str
    matched: list[dict[str, Any]]
    bulletin_id: int | None
    refers_to_id: int | None
    outcome: str
    outcome_detail: str
    auto_approve: bool
    duplicate: bool = False

    @classmethod
    def of(cls, r: CapAlertRecord, duplicate: bool = False) -> AlertPublic:
        return cls(id=r.id or 0, sender=r.sender, identifier=r.identifier, sent=r.sent, status=r.status,
                   msg_type=r.msg_type, headline=r.headline, event=r.event, language=r.language,
                   in_vietnamese=r.in_vietnamese, urgency=r.urgency, severity=r.severity, certainty=r.certainty,
                   expires=r.expires, area_desc=r.area_desc, via=r.via, received_at=r.received_at,
                   validation=r.validation, matched=json.loads(r.matched_json or "[]"), bulletin_id=r.bulletin_id,
                   refers_to_id=r.refers_to_id, outcome=r.outcome, outcome_detail=r.outcome_detail,
                   auto_approve=r.auto_approve, duplicate=duplicate)


def _read_body(request: Request) -> bytes:
    """The raw request body, read from this worker thread (the handler is sync: the database work stays off
    the event loop), refused early when it announces more than a CAP message can be."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > cap.MAX_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"a CAP alert is at most {cap.MAX_BYTES} bytes")
    body = anyio.from_thread.run(request.body)
    if len(body) > cap.MAX_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"a CAP alert is at most {cap.MAX_BYTES} bytes")
    return body


def _who(request: Request, session: Session, runtime: Runtime, body: bytes) -> tuple[User | None, str]:
    """An approver's/admin's bearer token ("api"), or a valid webhook HMAC ("webhook"); else 401/403."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = resolve_token(session, auth[7:].strip())
        if found is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the token is invalid or has expired",
                                headers={"WWW-Authenticate": "Bearer"})
        if found[0].role not in INTAKE_ROLES:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only an intake, approver or admin account can send alerts")
        return found[0], "api"
    signature = request.headers.get(SIGNATURE_HEADER, "")
    secret = runtime.settings.cap_webhook_secret
    if signature:
        if secret is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the alert webhook is not enabled on this service")
        expected = "sha256=" + hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.strip().lower(), expected):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"the {SIGNATURE_HEADER} HMAC does not match the body")
        return None, "webhook"
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send Authorization: Bearer <token> of an approver or "
                        f"admin, or sign the body with the webhook secret ({SIGNATURE_HEADER}: sha256=<hex>)",
                        headers={"WWW-Authenticate": "Bearer"})


def receive_now(session: Session, runtime: Runtime, raw: bytes, via: str, user: User | None) -> intake.Intake:
    """Take an alert in and commit, then wake the synthesis queue for a new draft's audio."""
    now = clock_for(runtime.settings).now()
    taken = intake.receive(session, raw, via=via, settings=runtime.settings,
                           voice=runtime.speaker.default_voice, user=user, now=now)
    session.commit()
    if runtime.jobs and taken.created and taken.record.bulletin_id is not None:
        runtime.jobs.wake_synthesis()
        runtime.jobs.wake_publication()
    return taken


@router.post("", response_model=AlertPublic, status_code=201,
             responses={200: {"description": "A duplicate delivery: the alert already received, unchanged"},
                        422: {"description": "Not a valid CAP 1.2 alert (nothing was stored)"}},
             openapi_extra={"requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}})
def post_alert(request: Request, response: Response, session: SessionDep, runtime: RuntimeDep) -> AlertPublic:
    """Take in one CAP 1.2 message (the XML as the body)."""
    body = _read_body(request)
    user, via = _who(request, session, runtime, body)
    taken = receive_now(session, runtime, body, via, user)
    if not taken.created:
        response.status_code = status.HTTP_200_OK
    return AlertPublic.of(taken.record, duplicate=not taken.created)


@router.get("", response_model=list[AlertPublic])
def list_alerts(user: CurrentUser, session: SessionDep,
                outcome: Annotated[str | None, Query(max_length=32)] = None,
                msg_type: Annotated[str | None, Query(max_length=16)] = None,
                sender: Annotated[str | None, Query(max_length=300)] = None,
                since: datetime | None = None, until: datetime | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[AlertPublic]:
    """The alerts received, newest first, with filters."""
    rows = records.filtered(session, user, outcome=outcome, msg_type=msg_type, sender=sender, since=since,
                            until=until, limit=limit)
    return [AlertPublic.of(r) for r in rows]


@router.get("/{alert_id}", response_model=AlertPublic)
def get_alert(alert_id: int, user: CurrentUser, session: SessionDep) -> AlertPublic:
    return AlertPublic.of(records.get(session, user, alert_id))


@router.get("/{alert_id}/xml", response_class=Response)
def get_alert_xml(alert_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """The message exactly as received."""
    return Response(records.get(session, user, alert_id).raw_xml, media_type="application/xml")


class PlacedPublic(BaseModel):
    alert: AlertPublic
    bulletin_id: int
    placement_id: int
    items: list[dict[str, Any]]


@router.post("/{alert_id}/approve-and-place", response_model=PlacedPublic)
def approve_and_place(alert_id: int, body: ReviewIn, user: CurrentUser, session: SessionDep,
                      runtime: RuntimeDep) -> PlacedPublic:
    """Approve the version you read and heard and put it on air now on the alert's stations, until it expires."""
    record = records.get(session, user, alert_id)
    now = clock_for(runtime.settings).now()
    bulletin, placement, items = drafts.approve_and_place(session, user, record, version_id=body.version_id,
                                                          audio_sha256=body.audio_sha256, comment=body.comment,
                                                          now=now)
    repacking.audio_changed(session, bulletin.id or 0, runtime.settings.play_grace_s, now)
    reply = PlacedPublic(alert=AlertPublic.of(record), bulletin_id=bulletin.id or 0, placement_id=placement.id or 0,
                         items=[{"id": i.id, "station_id": i.station_id, "play_at": i.play_at.isoformat(),
                                 "priority": i.priority.value} for i in items])
    session.commit()
    if runtime.jobs:
        runtime.jobs.wake_publication()
    return reply
