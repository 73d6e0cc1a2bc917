"""Telling staff what needs them: a bulletin waits for approval, was rejected (with the reason), could not
be played, or a loudspeaker cluster went silent — in an in-app inbox, and by e-mail when SMTP is set up.

The collector reads the state the rest of the service already keeps (bulletin status, occurrence status,
receivers' last-seen times) and writes one ``Notification`` per person per event; the event's key makes
it idempotent, so it can run from the scheduler and right after a web action without telling anyone
twice, and nothing else in the service has to call it. E-mail is sent later, from the scheduler's thread
(``send_pending``), never inside a request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from broadcast.config import Settings
from broadcast.messages import ITEM_FATE, NOTIFICATION_KIND, say
from broadcast.models import (
    Bulletin,
    BulletinStation,
    BulletinStatus,
    CapAlertRecord,
    ItemStatus,
    Notification,
    Placement,
    PlaylistItem,
    Receiver,
    Role,
    Station,
    User,
    UserStation,
)

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=2)
KINDS = NOTIFICATION_KIND
_ITEM_VI = {status: ITEM_FATE[status.value] for status in (ItemStatus.failed, ItemStatus.skipped, ItemStatus.missed)}


def _active_users(session: Session) -> dict[int, User]:
    return {u.id or 0: u for u in session.exec(select(User).where(col(User.active).is_(True))).all()}


def _station_staff(session: Session, station_ids: Iterable[int]) -> dict[int, set[int]]:
    """Users assigned to each station."""
    staff: dict[int, set[int]] = {}
    for user_id, station_id in session.exec(select(UserStation.user_id, UserStation.station_id).where(
            col(UserStation.station_id).in_(list(station_ids) or [-1]))).all():
        staff.setdefault(station_id, set()).add(user_id)
    return staff


class _Writer:
    """Adds notifications not sent yet (by user and key), marking e-mail pending where it will be sent."""

    def __init__(self, session: Session, users: dict[int, User], email_on: bool) -> None:
        self.session, self.users, self.email_on = session, users, email_on
        self.added = 0

    def add(self, user_ids: Iterable[int], key: str, kind: str, title: str, body: str, link: str,
            now: datetime) -> None:
        wanted = {u for u in user_ids if u in self.users}
        if not wanted:
            return
        known = set(self.session.exec(select(Notification.user_id).where(
            Notification.key == key, col(Notification.user_id).in_(wanted))).all())
        for user_id in sorted(wanted - known):
            email = self.email_on and bool(self.users[user_id].email)
            self.session.add(Notification(user_id=user_id, key=key, kind=kind, title=title[:300], body=body[:2000],
                                          link=link, created_at=now, email_status="pending" if email else ""))
            self.added += 1


def collect(session: Session, settings: Settings, now: datetime) -> int:
    """Write the notifications due now; returns how many were added."""
    users = _active_users(session)
    writer = _Writer(session, users, bool(settings.smtp_host))
    admins = {uid for uid, u in users.items() if u.role == Role.admin}
    since = now - LOOK_BACK
    _bulletins(session, writer, users, admins, since, now)
    _alerts(session, writer, users, admins, since, now)
    _occurrences(session, writer, since, now)
    _silent_clusters(session, writer, admins, settings, since, now)
    session.flush()
    return writer.added


def _bulletins(session: Session, writer: _Writer, users: dict[int, User], admins: set[int], since: datetime,
               now: datetime) -> None:
    rows = session.exec(select(Bulletin).where(
        col(Bulletin.status).in_((BulletinStatus.submitted, BulletinStatus.rejected)),
        Bulletin.updated_at >= since)).all()
    if not rows:
        return
    links = session.exec(select(BulletinStation.bulletin_id, BulletinStation.station_id).where(
        col(BulletinStation.bulletin_id).in_([b.id for b in rows]))).all()
    stations_of: dict[int, set[int]] = {}
    for bulletin_id, station_id in links:
        stations_of.setdefault(bulletin_id, set()).add(station_id)
    staff = _station_staff(session, {s for ids in stations_of.values() for s in ids})
    for b in rows:
        link = f"/bulletins/{b.id}"
        if b.status == BulletinStatus.submitted:
            reviewers = {uid for sid in stations_of.get(b.id or 0, ()) for uid in staff.get(sid, ())
                         if users.get(uid) and users[uid].role == Role.approver}
            reviewers = (reviewers or admins) - {b.created_by}
            author = users.get(b.created_by or 0)
            writer.add(reviewers, f"submitted:{b.id}:{b.version}", "submitted",
                       say("note_submitted_title", title=b.title),
                       say("note_submitted_body", title=b.title, author=(author.full_name or author.username)
                           if author else say("note_some_editor")), link, now)
        elif b.created_by:
            writer.add([b.created_by], f"rejected:{b.id}:{b.version}", "rejected",
                       say("note_rejected_title", title=b.title),
                       say("note_rejected_body", title=b.title, reason=b.review_comment or say("note_no_reason")),
                       link, now)


def _alerts(session: Session, writer: _Writer, users: dict[int, User], admins: set[int], since: datetime,
            now: datetime) -> None:
    """A CAP warning became a draft (or an update) waiting for approval: its stations' approvers (else the
    admins) are told (next notification run), with a link to the warning's page."""
    rows = session.exec(select(CapAlertRecord).where(
        col(CapAlertRecord.outcome).in_(("draft", "update")), col(CapAlertRecord.bulletin_id).is_not(None),
        CapAlertRecord.received_at >= since)).all()
    for alert in rows:
        station_ids = session.exec(select(BulletinStation.station_id).where(
            BulletinStation.bulletin_id == alert.bulletin_id)).all()
        staff = _station_staff(session, station_ids)
        reviewers = {uid for sid in station_ids for uid in staff.get(sid, ())
                     if users.get(uid) and users[uid].role == Role.approver} or admins
        what = alert.headline or alert.event or say("note_alert_default")
        writer.add(reviewers, f"alert:{alert.id}", "alert", say("note_alert_title", what=what),
                   say("note_alert_body", sender=alert.sender_name or alert.sender, what=what),
                   f"/alerts/{alert.id}", now)


def _occurrences(session: Session, writer: _Writer, since: datetime, now: datetime) -> None:
    rows = session.exec(
        select(PlaylistItem, Bulletin, Placement, Station)
        .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
        .join(Placement, col(Placement.id) == PlaylistItem.placement_id)
        .join(Station, col(Station.id) == PlaylistItem.station_id)
        .where(col(PlaylistItem.status).in_(tuple(_ITEM_VI)), col(PlaylistItem.status_at).is_not(None),
               col(PlaylistItem.status_at) >= since)).all()
    for item, bulletin, placement, station in rows:
        people = {u for u in (bulletin.created_by, bulletin.approved_by, placement.created_by) if u}
        writer.add(people, f"item:{item.id}:{item.status.value}", "failed",
                   say("note_failed_title", title=bulletin.title),
                   say("note_failed_body", title=bulletin.title, station=station.name, fate=_ITEM_VI[item.status]),
                   f"/placements/{placement.id}/delivery", now)


def _silent_clusters(session: Session, writer: _Writer, admins: set[int], settings: Settings, since: datetime,
                     now: datetime) -> None:
    threshold = now - timedelta(seconds=settings.receiver_offline_after_s)
    rows = session.exec(select(Receiver, Station).join(Station, col(Station.id) == Receiver.station_id).where(
        col(Receiver.revoked_at).is_(None), col(Receiver.last_seen_at).is_not(None),
        col(Receiver.last_seen_at) < threshold, col(Receiver.last_seen_at) >= since)).all()
    if not rows:
        return
    staff = _station_staff(session, {station.id or 0 for _, station in rows})
    for receiver, station in rows:
        seen = receiver.last_seen_at
        assert seen is not None
        writer.add(staff.get(station.id or 0, set()) | admins,
                   f"offline:{receiver.id}:{seen.isoformat(timespec='seconds')}", "offline",
                   say("note_offline_title", receiver=receiver.name),
                   say("note_offline_body", receiver=receiver.name, station=station.name,
                       seen=seen.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y")), "/receivers", now)


# ---------------------------------------------------------------------------------------------- the inbox

def inbox(session: Session, user: User, limit: int = 100) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user.id)
                             .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
                             .limit(limit)).all())


def unread_count(session: Session, user: User) -> int:
    return int(session.exec(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, col(Notification.read_at).is_(None))).one())


def mark_read(session: Session, user: User, now: datetime, notification_id: int | None = None) -> Notification | None:
    """Mark one (or, without an id, every) notification of this user read; another's answers None."""
    if notification_id is None:
        session.execute(update(Notification).where(col(Notification.user_id) == user.id,
                                                   col(Notification.read_at).is_(None)).values(read_at=now))
        return None
    found = session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        return None
    if found.read_at is None:
        found.read_at = now
        session.add(found)
    return found


# ---------------------------------------------------------------------------------------------- e-mail

def _message(settings: Settings, to: str, note: Notification) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = settings.smtp_from, to
    message["Subject"] = say("mail_subject", title=note.title)
    link = f"{settings.public_url.rstrip('/')}{note.link}" if settings.public_url else note.link
    message.set_content(say("mail_body", body=note.body, link=link), charset="utf-8")
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                timeout=settings.smtp_timeout_s,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
        if settings.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        client.login(settings.smtp_user, password)
    return client


def send_pending(engine: Engine, settings: Settings, limit: int = 50) -> int:
    """Send the pending e-mails (called from the scheduler's thread); returns how many were sent.

    The database is read and updated in short transactions; the SMTP conversation holds no connection."""
    if not settings.smtp_host:
        return 0
    with Session(engine) as session:
        rows = session.exec(select(Notification, User.email).join(User, col(User.id) == Notification.user_id)
                            .where(Notification.email_status == "pending").order_by(col(Notification.id))
                            .limit(limit)).all()
        batch = [(note.id, email, _message(settings, email, note)) for note, email in rows if email]
    if not batch:
        return 0
    results: dict[int, tuple[str, str]] = {}
    try:
        with _connect(settings) as client:
            for note_id, email, message in batch:
                try:
                    client.send_message(message)
                    results[note_id or 0] = ("sent", "")
                except smtplib.SMTPException as exc:
                    log.warning("notification e-mail to %s refused: %s", email, exc)
                    results[note_id or 0] = ("failed", str(exc)[:500])
    except (OSError, smtplib.SMTPException) as exc:  # the server is down: keep them pending for the next run
        log.warning("cannot reach the SMTP server %s:%s: %s", settings.smtp_host, settings.smtp_port, exc)
    with Session(engine) as session:
        for note_id, (status, error) in results.items():
            session.execute(update(Notification).where(col(Notification.id) == note_id)
                            .values(email_status=status, email_error=error))
        session.commit()
    return sum(1 for status, _ in results.values() if status == "sent")


def run(engine: Engine, settings: Settings, now: datetime) -> tuple[int, int]:
    """Collect, then e-mail: the scheduler's job."""
    added = 0
    with Session(engine) as session:
        try:
            added = collect(session, settings, now)
            session.commit()
        except IntegrityError:  # a web request collected the same event at the same moment: it is written
            session.rollback()
    return added, send_pending(engine, settings)
