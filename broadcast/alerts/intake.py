"""The one way in for CAP alerts, whether uploaded, posted to the API or webhook, or read from a feed.

parse + validate (cap.py) → signature (signature.py) → duplicate? → keep the record → act by msgType:
an Alert becomes an emergency draft for the matched stations (drafts.py); an Update gives the referenced
alert's bulletin a new version; a Cancel stops every placement of the referenced alert. Anything invalid
raises before a row is written. The caller commits (one transaction per request or job run).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from broadcast.alerts import cap, drafts, signature
from broadcast.alerts.area import StationMatch, match_stations
from broadcast.config import Settings
from broadcast.models import Bulletin, CapAlertRecord, User, utcnow
from broadcast.services import audit
from broadcast.services.bulletins import MAX_TEXT

VIAS = ("upload", "api", "webhook", "feed")


@dataclass(frozen=True)
class Intake:
    record: CapAlertRecord
    created: bool  # False: a duplicate delivery of an alert already received (nothing new was written)


def find(session: Session, sender: str, identifier: str) -> CapAlertRecord | None:
    return session.exec(select(CapAlertRecord).where(CapAlertRecord.sender == sender,
                                                     CapAlertRecord.identifier == identifier)).first()


def resolve(session: Session, references: tuple[cap.Reference, ...]) -> CapAlertRecord | None:
    """The newest referenced alert this service holds with a bulletin (matched by sender, identifier, sent)."""
    found: list[CapAlertRecord] = []
    for ref in references:
        record = find(session, ref.sender, ref.identifier)
        if record is not None and record.sent == ref.sent and record.bulletin_id is not None:
            found.append(record)
    return max(found, key=lambda r: r.sent) if found else None


def _matches_json(matches: list[StationMatch]) -> str:
    return json.dumps([{"station_id": m.station_id, "code": m.code, "name": m.name, "how": m.how,
                        "needs_confirmation": m.needs_confirmation} for m in matches], ensure_ascii=False)


def receive(session: Session, raw: bytes, *, via: str, settings: Settings, voice: str, user: User | None = None,
            now: datetime | None = None) -> Intake:
    """Take one CAP message in; raises cap.CapRejected (nothing stored) when it is not acceptable."""
    assert via in VIAS
    now = now or utcnow()
    alert = cap.parse(raw)
    checked = signature.check(raw, alert.signed, settings)
    existing = find(session, alert.sender, alert.identifier)
    if existing is not None:
        return Intake(existing, False)
    info, in_vietnamese = alert.chosen_info()
    if info is not None and len(drafts.text_of(info, settings.tz)) > MAX_TEXT:
        raise cap.CapRejected(f"the warning's text is longer than {MAX_TEXT} characters")
    record = CapAlertRecord(
        sender=alert.sender, identifier=alert.identifier, sent=alert.sent, status=alert.status,
        msg_type=alert.msg_type, scope=alert.scope,
        references=" ".join(f"{r.sender},{r.identifier},{r.sent.isoformat()}" for r in alert.references),
        raw_xml=raw.decode("utf-8", errors="replace"), sha256=alert.sha256, via=via,
        received_by=user.id if user else None, received_at=now, validation=f"valid CAP 1.2; {checked}")
    if info is not None:
        record.language, record.in_vietnamese, record.event = info.language, in_vietnamese, info.event[:300]
        record.headline, record.sender_name = info.headline[:1000], info.sender_name[:300]
        record.urgency, record.severity, record.certainty = info.urgency, info.severity, info.certainty
        record.effective, record.expires = info.effective, info.expires
        record.area_desc = "; ".join(a.area_desc for a in info.areas)[:2000]
    matches = match_stations(session, info.areas) if info is not None and info.areas else []
    record.matched_json = _matches_json(matches)
    _act(session, record, alert, info, matches, settings, voice, now)
    session.add(record)
    session.flush()
    audit.record(session, user, "alert.receive", "capalert", record.id,
                 f"{via}: {alert.sender} {alert.identifier} {alert.msg_type} → {record.outcome}")
    return Intake(record, True)


def _act(session: Session, record: CapAlertRecord, alert: cap.CapAlert, info: cap.CapInfo | None,
         matches: list[StationMatch], settings: Settings, voice: str, now: datetime) -> None:
    """Decide the outcome and do it (draft, update, cancel, or only keep the record)."""
    if alert.status != "Actual" or alert.msg_type in ("Ack", "Error"):
        record.outcome = "not-broadcast"
        record.outcome_detail = f"status {alert.status}, msgType {alert.msg_type}: kept, not broadcast"
        return
    if alert.msg_type in ("Update", "Cancel"):
        referenced = resolve(session, alert.references)
        if referenced is None:
            record.outcome, record.outcome_detail = "unresolved", "the referenced alert is not known here"
            return
        record.refers_to_id = referenced.id
        bulletin = session.get(Bulletin, referenced.bulletin_id)
        assert bulletin is not None
        record.bulletin_id = bulletin.id
        if alert.msg_type == "Cancel":
            reason = alert.note or (info.description if info else "") or "the sender cancelled the warning"
            stopped = drafts.cancel_alert_placements(session, bulletin, f"CAP Cancel: {reason}", now)
            record.outcome, record.outcome_detail = "cancelled", f"{stopped} occurrence(s) stopped. {reason}"[:2000]
            referenced.outcome_detail = f"cancelled by the sender: {reason}"[:2000]
            session.add(referenced)
            return
    if info is None:
        record.outcome, record.outcome_detail = "not-broadcast", "the alert has no <info> to read out"
        return
    if info.expires is not None and info.expires <= now:
        record.outcome, record.outcome_detail = "expired", "it had expired when it arrived: never placed"
        return
    if not matches:
        record.outcome, record.outcome_detail = "no-stations", "its area covers none of the stations"
        return
    if alert.msg_type == "Update":
        drafts.update_draft(session, bulletin, info, matches, zone=settings.tz)
        record.outcome, record.outcome_detail = "update", f"new version of bulletin {bulletin.id} waits for approval"
        referenced.outcome_detail = f"superseded by {alert.identifier}"[:2000]
        session.add(referenced)
        return
    bulletin = drafts.create_draft(session, info, matches, voice=voice, zone=settings.tz)
    record.bulletin_id = bulletin.id
    record.outcome, record.outcome_detail = "draft", f"bulletin {bulletin.id} waits for approval"
    record.auto_approve = drafts.auto_approvable(alert, info, settings.cap_trusted_senders)
