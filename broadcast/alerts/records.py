"""The record of CAP alerts received: lists with filters, the ones waiting for an approver, and what each
one's area and stations look like (for the approver's page and the API)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from broadcast.errors import Forbidden, NotFound
from broadcast.models import BulletinVersion as Version
from broadcast.models import CapAlertRecord, Role, User, VersionState
from broadcast.services.bulletins import awaiting_review

VIEWERS = (Role.approver, Role.admin)
OUTCOMES = ("draft", "placed", "update", "cancelled", "expired", "no-stations", "not-broadcast", "unresolved",
            "auto-approved")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")


def check_viewer(user: User) -> None:
    if user.role not in VIEWERS:
        raise Forbidden("only approvers and admins see the warnings received")


def filtered(session: Session, user: User, *, outcome: str | None = None, msg_type: str | None = None,
             sender: str | None = None, since: datetime | None = None, until: datetime | None = None,
             limit: int = 200) -> list[CapAlertRecord]:
    """Alerts received, newest first (``since``/``until`` bound the time they were received)."""
    check_viewer(user)
    query = select(CapAlertRecord)
    if outcome:
        query = query.where(CapAlertRecord.outcome == outcome)
    if msg_type:
        query = query.where(CapAlertRecord.msg_type == msg_type)
    if sender:
        query = query.where(CapAlertRecord.sender == sender)
    if since:
        query = query.where(CapAlertRecord.received_at >= since)
    if until:
        query = query.where(CapAlertRecord.received_at < until)
    return list(session.exec(query.order_by(col(CapAlertRecord.id).desc()).limit(limit)).all())


def get(session: Session, user: User, alert_id: int) -> CapAlertRecord:
    check_viewer(user)
    record = session.get(CapAlertRecord, alert_id)
    if record is None:
        raise NotFound(f"no alert {alert_id}")
    return record


def waiting(session: Session, user: User) -> list[CapAlertRecord]:
    """Alerts whose bulletin waits for this person's review (for the banner on their home page)."""
    if user.role not in VIEWERS:
        return []
    reviewable = {b.id for b in awaiting_review(session, user, limit=200)}
    if not reviewable:
        return []
    pending = select(Version.bulletin_id).where(Version.state == VersionState.pending)
    rows = session.exec(select(CapAlertRecord).where(col(CapAlertRecord.outcome).in_(("draft", "update")),
                                                     col(CapAlertRecord.bulletin_id).in_(pending))
                        .order_by(col(CapAlertRecord.id).desc())).all()
    newest: dict[int, CapAlertRecord] = {}
    for r in rows:  # one line per bulletin: its newest alert (an Update replaces the Alert it updates)
        if r.bulletin_id in reviewable and r.bulletin_id not in newest:
            newest[r.bulletin_id or 0] = r
    return list(newest.values())


@dataclass(frozen=True)
class Matched:
    station_id: int
    code: str
    name: str
    how: str
    needs_confirmation: bool


def matched(record: CapAlertRecord) -> list[Matched]:
    return [Matched(**m) for m in json.loads(record.matched_json or "[]")]
